"""Replay stored events against a draft ruleset, in memory, and compare with the live one.

Both rulesets replay the same events from an empty past, so the difference shows what the
rule change does and nothing else. Nothing is written: no ledger rows, no boards.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from rulesets.forked import start_in_fork
from base.gc_pause import gc_paused
from base.errors import ApiError
from base.models import Event, Person, ScoringEvent
from rules.core.placement import PlacementCache
from rules.core import Event as CoreEvent
from rules.core import FactsCache, Ruleset, evaluate
from rules.core.challenges import ChallengeProgress, EmptyChallengeSource
from rules.core.periods import midnight

from .active import active_ruleset

TOP = 20
# Fewer events than this replay in about 20 ms (some 45 µs an event), no longer than a fork takes to start
# and answer with an empty piece of work (10-25 ms measured): nothing to gain from one.
FORK_FROM_EVENTS = 500


@dataclass
class Replay:
    """What one ruleset gives over the replayed events."""

    points: Counter = field(default_factory=Counter)
    awards_by_rule: Counter = field(default_factory=Counter)
    capped_by_rule: Counter = field(default_factory=Counter)
    badges: set[tuple[str, str, str | None]] = field(default_factory=set)  # person, badge, tier
    levels: dict[str, str] = field(default_factory=dict)
    # board id -> (period, scope) -> person -> [points, seq of the last change]; plain dicts, so
    # a replay done in another process can be sent back pickled
    boards: dict = field(default_factory=dict)
    # challenge id -> participant -> [progress, reached_at or None, winner place or None]
    challenges: dict = field(default_factory=dict)


def placements_for(ruleset: Ruleset) -> PlacementCache:
    return PlacementCache(ruleset.leaderboards, ruleset.tz, seasons=ruleset.seasons)  # as the scorer places


def replay(ruleset: Ruleset, events: Iterable[CoreEvent], teams: dict[str, str],
           boards_of: PlacementCache | None = None) -> Replay:
    """`boards_of`: placements already worked out for the same boards, timezone and seasons."""
    facts, result = FactsCache(), Replay()
    # Where each event's points count on boards; an undo's compensations count where the original did.
    where: dict[str, CoreEvent] = {}
    team_boards = {b.id for b in ruleset.leaderboards if b.aggregate == "team"}
    boards_of = boards_of or placements_for(ruleset)
    on_boards: dict = {}  # placement -> member -> [points, seq of the last change]; one lookup per placement
    progress = ChallengeProgress(ruleset, EmptyChallengeSource(teams)) if ruleset.challenges else None
    for event in events:
        where[event.id] = event
        outcome = evaluate(ruleset, event, facts)
        if progress is not None:  # before the awards are summed: a reward joins the event's outcome
            progress.observe(event, outcome, facts)
        for award in outcome.awards:
            result.points[award.recipient] += award.points
            result.awards_by_rule[award.rule_id] += 1
            if award.capped:
                result.capped_by_rule[award.rule_id] += 1
            if award.points:
                origin = where.get(award.reverses_event, event) if award.reverses_event else event
                team = teams.get(award.recipient, "")
                for p in boards_of.at(origin.occurred_at, award.rule_id, origin.channel or "", origin.program or "", team):
                    members = on_boards.get(p)
                    if members is None:
                        members = on_boards[p] = {}
                    member = team if p.board_id in team_boards else award.recipient
                    entry = members.get(member)
                    if entry is None:
                        members[member] = [award.points, event.seq]
                    else:
                        entry[0] += award.points
                        entry[1] = event.seq
        for badge in outcome.badges:
            result.badges.add((badge.person, badge.badge_id, badge.tier_name))
        for level in outcome.levels:
            result.levels[level.person] = level.level
    for p, members in on_boards.items():
        result.boards.setdefault(p.board_id, {})[(p.period, p.scope_value)] = members
    if progress is not None:
        for (challenge_id, participant), s in progress.standings.items():
            result.challenges.setdefault(challenge_id, {})[participant] = [s.progress, s.reached_at, s.winner]
    return result


def load_events(since: datetime | None, until: datetime | None) -> tuple[list[CoreEvent], dict[str, str]]:
    events = Event.objects.order_by("seq")
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    with gc_paused():  # see compare()
        core = [e.to_core() for e in ScoringEvent.read(events)]
    teams = dict(Person.objects.exclude(team="").values_list("key", "team"))
    return core, teams


def _ranks(board: dict[str, list[int]]) -> dict[str, int]:
    ordered = sorted(board.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    return {person: i + 1 for i, (person, _) in enumerate(ordered)}


def _board_changes(live: Replay | None, draft: Replay, draft_rules: Ruleset) -> list[dict]:
    changes = []
    for board in draft_rules.leaderboards:
        keys = draft.boards.get(board.id, {})
        latest: dict = {}
        for period, scope in keys:  # periodic boards: the latest period replayed, per scope
            if scope not in latest or period > latest[scope]:
                latest[scope] = period
        for scope, period in sorted(latest.items(), key=lambda kv: kv[0] or ""):
            after = _ranks(keys[(period, scope)])
            before = _ranks(live.boards.get(board.id, {}).get((period, scope), {})) if live else {}
            moved = [{"person": p, "before": before.get(p), "after": rank} for p, rank in after.items()
                     if before.get(p) != rank]
            moved.sort(key=lambda m: m["after"])
            # Works-council mode in the draft: how many moved, but not who (no rank of a named person).
            names_people = draft_rules.ranks_people or board.aggregate == "team"
            changes.append({"board": board.id, "period": period, "scope": scope, "entries": len(after),
                            "moved": len(moved), "top": moved[:TOP] if names_people else []})
    return changes


def compare(draft_rules: Ruleset, live_rules: Ruleset | None, events: list[CoreEvent], teams: dict[str, str],
            progress: Callable[[str], None] | None = None, fork: bool | None = None) -> dict:
    """The report both the API and the CLI show.

    The live replay runs in a forked process on another core while this one replays the draft
    (rulesets.forked; `fork=None` forks when that is safe and the events are many enough to gain,
    True always, False never): the two are independent, so a simulation takes about the time of
    one replay instead of two.
    """
    # A replay builds up hundreds of thousands of small objects that all live to its end: cyclic
    # collections in between would walk them again and again (as in the scorer's batches).
    with gc_paused():
        live_places = placements_for(live_rules) if live_rules else None
        # A draft that changes rules but not boards places awards as the live one did: share the cache.
        same_boards = live_rules is not None and (live_rules.leaderboards, live_rules.tz, live_rules.seasons) == (
            draft_rules.leaderboards, draft_rules.tz, draft_rules.seasons)
        draft_places = live_places if same_boards else None
        if fork is None and len(events) < FORK_FROM_EVENTS:
            fork = False
        live_side = start_in_fork(lambda: replay(live_rules, events, teams, live_places), fork) if live_rules else None
        try:
            if progress:
                progress("live and draft" if live_side and live_side.forked else "draft")
            draft = replay(draft_rules, events, teams, draft_places)
            if live_side and not live_side.forked and progress:
                progress("live")
            live = live_side.result() if live_side else None
        finally:
            if live_side:
                live_side.close()  # the draft failed: stop the live replay's process
    before = live.points if live else Counter()
    people = set(before) | set(draft.points)
    deltas = sorted(((p, before.get(p, 0), draft.points.get(p, 0)) for p in people),
                    key=lambda row: (-abs(row[2] - row[1]), row[0]))
    live_badges = live.badges if live else set()
    return {
        "events": len(events),
        "people": len(people),
        "points": {"before": sum(before.values()), "after": sum(draft.points.values())},
        # Works-council mode in the draft: no people ordered by how much they moved.
        "top_movers": [{"person": p, "before": b, "after": a, "change": a - b} for p, b, a in deltas[:TOP]
                       if a != b] if draft_rules.ranks_people else [],
        "per_person": [{"person": p, "before": b, "after": a} for p, b, a in sorted(deltas)],
        "rules": [
            {"rule": rule, "awards_before": live.awards_by_rule.get(rule, 0) if live else 0,
             "awards_after": draft.awards_by_rule.get(rule, 0),
             "capped_before": live.capped_by_rule.get(rule, 0) if live else 0,
             "capped_after": draft.capped_by_rule.get(rule, 0)}
            for rule in sorted(set(draft.awards_by_rule) | set(live.awards_by_rule if live else ()))
        ],
        "badges": _badge_changes(live_badges, draft.badges),
        "boards": _board_changes(live, draft, draft_rules),
        "challenges": _challenge_changes(live, draft, draft_rules),
    }


def _challenge_changes(live: Replay | None, draft: Replay, draft_rules: Ruleset) -> list[dict]:
    """Per challenge of the draft: how many reach its goal and who wins, replayed under each ruleset."""
    changes = []
    for challenge in draft_rules.challenges:
        def summary(replay: Replay | None):
            standings = replay.challenges.get(challenge.id, {}) if replay else {}
            winners = sorted((s for s in standings.items() if s[1][2] is not None), key=lambda s: s[1][2])
            return sum(1 for s in standings.values() if s[1] is not None), [p for p, _ in winners][:TOP]
        reached_before, winners_before = summary(live)
        reached_after, winners_after = summary(draft)
        changes.append({"challenge": challenge.id, "reached_before": reached_before, "reached_after": reached_after,
                        "winners_before": winners_before, "winners_after": winners_after})
    return changes


def _badge_changes(before: set, after: set) -> list[dict]:
    label = lambda badge, tier: f"{badge}:{tier}" if tier else badge  # noqa: E731
    gained, lost = Counter(), Counter()
    gained_by, lost_by = defaultdict(list), defaultdict(list)
    for person, badge, tier in sorted(after - before):
        gained[label(badge, tier)] += 1
        gained_by[label(badge, tier)].append(person)
    for person, badge, tier in sorted(before - after):
        lost[label(badge, tier)] += 1
        lost_by[label(badge, tier)].append(person)
    return [{"badge": b, "gained": gained[b], "lost": lost[b], "gained_by": gained_by[b][:TOP], "lost_by": lost_by[b][:TOP]}
            for b in sorted(set(gained) | set(lost))]


def period_range(ruleset: Ruleset, since: date | None, until: date | None) -> tuple[datetime, datetime]:
    """Dates are midnights in the ruleset's timezone; by default the last 30 days up to tomorrow."""
    today = datetime.now(ruleset.tz).date()
    until = until or today + timedelta(days=1)
    since = since or until - timedelta(days=30)
    if since >= until:
        raise ApiError(422, "invalid_range", f"`from` ({since}) must be before `until` ({until})")
    if (until - since).days > 3660:
        raise ApiError(422, "invalid_range", "simulate at most ten years at a time")
    return midnight(since, ruleset.tz), midnight(until, ruleset.tz)


def run_simulation(draft: Ruleset, since: date | None, until: date | None,
                   progress: Callable[[str], None] | None = None) -> dict:
    start, end = period_range(draft, since, until)
    live, _ = active_ruleset()
    if progress:
        progress("loading events")
    events, teams = load_events(start, end)
    report = compare(draft, live, events, teams, progress)
    report["range"] = {"from": start.isoformat(), "until": end.isoformat()}
    report["live_ruleset"] = live.name if live else None
    report["draft_ruleset"] = draft.name
    return report
