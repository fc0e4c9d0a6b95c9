"""A validated ruleset compiled for evaluation: predicates built, rules indexed by type."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from . import schema
from .conditions import ExpressionError, ExpressionFailures, Predicate, compile_condition
from .checks import check_document, ruleset_timezone, value_key
from .periods import midnight
from .loading import Issue, RulesetError, in_order, parse_yaml, path_text, plain, position, position_within, validate_shape
from .ruletests_schema import check_tests


@dataclass(frozen=True)
class SeasonSpan:
    id: str
    start: datetime
    end: datetime  # exclusive


@dataclass(frozen=True)
class CompiledRule:
    spec: schema.Rule
    order: int
    holds: Predicate

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledStreak:
    spec: schema.Streak
    holds: Predicate
    bonus: dict[int, int]  # length reached -> points

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledBoost:
    spec: schema.Boost
    holds: Predicate


@dataclass(frozen=True)
class Threshold:
    tier: int | None
    name: str | None
    need: int


@dataclass(frozen=True)
class CompiledBadge:
    spec: schema.Badge
    thresholds: tuple[Threshold, ...]  # ascending
    event_holds: Predicate | None = None
    # `available`: only events it holds for can grant the badge.
    available: Predicate | None = None
    # `received`: event_holds counts for the people the event mentions, not for its actor.
    received: bool = False

    @property
    def id(self) -> str:
        return self.spec.id


CHALLENGE_RULE_PREFIX = "challenge:"


@dataclass(frozen=True)
class CompiledChallenge:
    spec: schema.Challenge
    start: datetime  # midnight of `starts` in the ruleset's timezone
    end: datetime  # midnight of `ends`, exclusive
    when: Predicate | None  # the extra condition on counted events
    goal_event: Predicate | None  # an `event` goal's condition

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def rule_id(self) -> str:
        """The rule id of the reward's points in the ledger."""
        return CHALLENGE_RULE_PREFIX + self.spec.id

    @property
    def goal(self) -> int:
        goal = self.spec.goal
        return goal.points if goal.points is not None else goal.count

    def status(self, now: datetime) -> str:
        return "upcoming" if now < self.start else "running" if now < self.end else "ended"


@dataclass
class Ruleset:
    doc: schema.RulesetDoc
    text: str
    tz: ZoneInfo
    rules: list[CompiledRule]
    boosts: list[CompiledBoost]
    badges: list[CompiledBadge]
    badges_by_rule: dict[str, list[CompiledBadge]]
    event_badges: list[CompiledBadge]
    points_badges: list[CompiledBadge]
    levels: list[schema.Level]
    failures: ExpressionFailures = field(default_factory=ExpressionFailures)
    streaks: list[CompiledStreak] = field(default_factory=list)
    badges_by_streak: dict[str, list[CompiledBadge]] = field(default_factory=dict)
    challenges: list[CompiledChallenge] = field(default_factory=list)
    # (event type, channel) -> the challenges that may count such an event; filled as events come.
    _challenge_candidates: dict[tuple[str, str | None], tuple[CompiledChallenge, ...]] = field(default_factory=dict, repr=False)
    # (event type, channel) -> the rules that may fire, in file order; filled as events come.
    _candidates: dict[tuple[str, str | None], tuple[CompiledRule, ...]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.doc.ruleset

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def leaderboards(self) -> list[schema.Leaderboard]:
        return self.doc.leaderboards

    @cached_property
    def seasons(self) -> list[SeasonSpan]:
        return [SeasonSpan(s.id, midnight(s.from_, self.tz), midnight(s.until, self.tz)) for s in self.doc.seasons]

    @property
    def kudos(self) -> schema.Kudos | None:
        """The `kudos:` section; None when the ruleset allows no kudos."""
        return self.doc.kudos

    @cached_property
    def kudos_values(self) -> dict[str, str] | None:
        """The kudos values by the key they compare with (lower-case, no `#`), as written; None: any value."""
        if self.doc.kudos is None or self.doc.kudos.values is None:
            return None
        return {value_key(v): v.lstrip("#") for v in self.doc.kudos.values}

    @property
    def privacy(self) -> schema.Privacy:
        """The `privacy:` section (works-council mode); its defaults rank people and show every group."""
        return self.doc.privacy

    @property
    def ranks_people(self) -> bool:
        """False in works-council mode: no board, page or message ranks named people."""
        return self.doc.privacy.individual_ranking

    @property
    def min_group_size(self) -> int:
        return self.doc.privacy.min_group_size

    def leaderboard(self, board_id: str) -> schema.Leaderboard | None:
        return next((b for b in self.doc.leaderboards if b.id == board_id), None)

    def badge(self, badge_id: str) -> CompiledBadge | None:
        return next((b for b in self.badges if b.id == badge_id), None)

    def challenge(self, challenge_id: str) -> CompiledChallenge | None:
        return next((c for c in self.challenges if c.id == challenge_id), None)

    def challenges_for(self, event_type: str, channel: str | None = None) -> tuple[CompiledChallenge, ...]:
        """The challenges that may count an event of this type and channel: their `when`, an `event`
        goal's condition and a `rule` goal's rule admit it. Remembered per (type, channel), as rules_for."""
        key = (event_type, channel)
        found = self._challenge_candidates.get(key)
        if found is None:
            rules = {rule.id for rule in self.rules_for(event_type, channel)}
            rule_ids = {rule.id for rule in self.rules}
            found = tuple(
                c for c in self.challenges
                if (c.spec.when is None or _admits(c.spec.when, event_type, channel))
                and (c.spec.goal.event is None or _admits(c.spec.goal.event, event_type, channel))
                and (c.spec.goal.rule is None or c.spec.goal.rule in rules or c.spec.goal.rule not in rule_ids))
            if len(self._challenge_candidates) < MAX_CANDIDATE_KEYS:
                self._challenge_candidates[key] = found
        return found

    def streak(self, streak_id: str) -> CompiledStreak | None:
        return next((s for s in self.streaks if s.id == streak_id), None)

    def rules_for(self, event_type: str, channel: str | None = None) -> tuple[CompiledRule, ...]:
        """The rules whose `type` and `channel` admit the event, in file order.

        Found once per (type, channel) and remembered, so an event meets only the rules that can
        fire for it however many there are; their own type and channel checks are left out.
        """
        key = (event_type, channel)
        found = self._candidates.get(key)
        if found is None:
            of_type = sorted((*self._by_type.get(event_type, ()), *self._by_type.get(None, ())), key=lambda r: r.order)
            found = tuple(rule for rule in of_type if _admits(rule.spec.when, event_type, channel))
            if len(self._candidates) < MAX_CANDIDATE_KEYS:
                self._candidates[key] = found
        return found

    @cached_property
    def _by_type(self) -> dict[str | None, list[CompiledRule]]:
        """Rules per event type they name; None holds the rules that name no type."""
        index: dict[str | None, list[CompiledRule]] = {}
        for rule in self.rules:
            for event_type in rule.spec.when.type or (None,):
                index.setdefault(event_type, []).append(rule)
        return index

    def level_for(self, points: int) -> schema.Level | None:
        """The highest level whose min_points the points reach (levels are validated ascending)."""
        reached = bisect_right(self._level_floors, points)
        return self.levels[reached - 1] if reached else None

    @cached_property
    def _level_floors(self) -> list[int]:
        return [level.min_points for level in self.levels]

    def next_level(self, points: int) -> schema.Level | None:
        return next((level for level in self.levels if level.min_points > points), None)


MAX_CANDIDATE_KEYS = 100_000


def _ALWAYS(event) -> bool:
    return True


def _beyond_type_and_channel(cond: schema.Condition) -> bool:
    """Whether the condition checks more than the event's type and channel."""
    return any(value is not None for name, value in cond if name not in ("type", "channel"))


def _admits(when: schema.Condition, event_type: str, channel: str | None) -> bool:
    return (not when.type or event_type in when.type) and (not when.channel or channel in when.channel)


def load_ruleset(text: str, source: str = "ruleset.yaml") -> Ruleset:
    """Parse, validate and compile; raises RulesetError listing every problem."""
    root = parse_yaml(text, source)
    data = plain(root)
    # The shape and the cross-references are checked independently, on the same plain data,
    # so one upload reports both kinds of problem together.
    doc, issues = validate_shape(root, data)

    def problem(loc: tuple, message: str, offset: int | None = None) -> None:
        """`offset`: where in the string at `loc` the problem is (a CEL expression's)."""
        line, column = position(root, loc) if offset is None else position_within(root, loc, offset, text)
        issues.append(Issue(line, column, path_text(loc), message))

    check_document(data, problem)
    if doc is not None:
        check_tests(doc, problem)
    if issues:
        raise RulesetError(in_order(issues), source)

    tz = ruleset_timezone(data)
    failures = ExpressionFailures()

    def condition(cond: schema.Condition, loc: tuple, owner: str, known: bool = False):
        try:
            return compile_condition(cond, tz, owner, failures, type_and_channel_known=known)
        except ExpressionError as exc:  # check_document compiled it already; kept as a safety net
            problem((*loc, "expr"), f"CEL: {exc}")
            return lambda e: False

    # Rules are looked up by event type and channel (rules_for): their own checks of those would be redundant.
    rules = [CompiledRule(r, i, condition(r.when, ("rules", i, "when"), r.id, known=True)) for i, r in enumerate(doc.rules)]
    streaks = [CompiledStreak(s, condition(s.when, ("streaks", i, "when"), s.id), {b.length: b.points for b in s.bonus})
               for i, s in enumerate(doc.streaks)]
    boosts = [CompiledBoost(b, condition(b.when, ("boosts", i, "when"), b.id)) for i, b in enumerate(doc.boosts)]
    badges = []
    for i, badge in enumerate(doc.badges):
        holds = None
        for kind in ("event", "received"):
            if badge.criteria is not None and getattr(badge.criteria, kind) is not None:
                holds = condition(getattr(badge.criteria, kind), ("badges", i, "criteria", kind), badge.id)
        window = None
        if badge.available is not None:
            window = condition(schema.Condition(between=badge.available), ("badges", i, "available"), badge.id)
        badges.append(CompiledBadge(badge, _thresholds(badge), holds, window,
                                    received=badge.criteria is not None and badge.criteria.received is not None))
    challenges = []
    for i, c in enumerate(doc.challenges):
        # Challenges are looked up by event type and channel (challenges_for), as rules are: their own
        # checks of those are left out, and a `when` of nothing else is no check at all.
        when = goal_event = None
        if c.when is not None and _beyond_type_and_channel(c.when):
            when = condition(c.when, ("challenges", i, "when"), c.id, known=True)
        if c.goal.event is not None:
            goal_event = (condition(c.goal.event, ("challenges", i, "goal", "event"), c.id, known=True)
                          if _beyond_type_and_channel(c.goal.event) else _ALWAYS)
        challenges.append(CompiledChallenge(c, midnight(c.starts, tz), midnight(c.ends, tz), when, goal_event))

    if issues:
        raise RulesetError(in_order(issues), source)

    badges_by_rule: dict[str, list[CompiledBadge]] = {}
    badges_by_streak: dict[str, list[CompiledBadge]] = {}
    for badge in badges:
        if badge.spec.criteria is None:  # given only by a challenge's reward or by hand
            continue
        if badge.spec.criteria.rule:
            badges_by_rule.setdefault(badge.spec.criteria.rule, []).append(badge)
        if badge.spec.criteria.streak:
            badges_by_streak.setdefault(badge.spec.criteria.streak, []).append(badge)
    return Ruleset(
        doc=doc, text=text, tz=tz, rules=rules,
        boosts=boosts, badges=badges, badges_by_rule=badges_by_rule,
        event_badges=[b for b in badges if b.event_holds is not None],
        points_badges=[b for b in badges if b.spec.criteria is not None and b.spec.criteria.points is not None],
        levels=list(doc.levels), failures=failures, streaks=streaks, badges_by_streak=badges_by_streak,
        challenges=challenges,
    )


def _thresholds(badge: schema.Badge) -> tuple[Threshold, ...]:
    criteria = badge.criteria
    if criteria is None:  # one step, given by a challenge or an admin
        return (Threshold(None, None, 1),)
    if not badge.tiers:
        need = criteria.points if criteria.points is not None else criteria.count
        return (Threshold(None, None, need),)
    if criteria.points is not None:
        return tuple(Threshold(i, t.name, t.points) for i, t in enumerate(badge.tiers))
    return tuple(Threshold(i, t.name, t.count) for i, t in enumerate(badge.tiers))
