"""Rule tests: run the test cases a ruleset carries (its `tests:` section) and say what failed.

Each case starts from an empty past: its events are evaluated in order with a fresh
`FactsCache`, and the awards, badges, levels and points they produce are compared with the
case's `expect`. Failures are sentences an admin can act on. The CLI (`manage.py rules test`)
prints the results; nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .compiled import Ruleset
from .evaluate import evaluate
from .facts import FactsCache
from .model import AwardOutcome, Event, Outcome
from .ruletests_schema import CaseEvent, RuleTest, event_ids, event_index, split_badge
from .textparse import parse_hashtags, parse_mentions
from .texts import every_text


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)


def to_event(item: CaseEvent, event_id: str, seq: int) -> Event:
    """A test event as the rules see it, normalised the way ingest and the scorer do.

    Hashtags and mentions given are kept (without a leading `#`/`@`); when absent they are
    parsed from the text with the ingest layer's own functions. Hashtags compare lower-case.
    """
    text = item.text or ""
    hashtags = [t.lstrip("#") for t in item.hashtags] if item.hashtags is not None else parse_hashtags(text)
    mentions = [m.lstrip("@") for m in item.mentions] if item.mentions is not None else parse_mentions(text)
    target = item.target
    return Event(
        seq=seq, id=event_id, type=item.type, occurred_at=item.occurred_at, actor=item.actor.id,
        channel=item.channel or None, program=item.program or None,
        target_id=target.id if target else None,
        target_author=target.author.id if target and target.author else None,
        text=text, hashtags=frozenset(t.casefold() for t in hashtags), mentions=tuple(mentions),
        attributes=dict(item.attributes or {}),
    )


def case_events(case: RuleTest) -> list[Event]:
    return [to_event(item, event_id, n) for n, (item, event_id) in enumerate(zip(case.events, event_ids(case)), start=1)]


def run_tests(ruleset: Ruleset) -> list[CaseResult]:
    """Every test case of the ruleset, in file order."""
    return [run_case(ruleset, case) for case in ruleset.doc.tests]


def run_case(ruleset: Ruleset, case: RuleTest) -> CaseResult:
    events = case_events(case)
    labels = [_label(n, item, event.id) for n, (item, event) in enumerate(zip(case.events, events), start=1)]
    facts = FactsCache()
    outcomes: list[Outcome] = []
    for n, event in enumerate(events, start=1):
        try:
            outcomes.append(evaluate(ruleset, event, facts))
        except Exception as exc:  # a broken case must not stop the other cases
            return CaseResult(case.name, False, [f"event {labels[n - 1]} could not be scored: {exc}"])

    points: dict[str, int] = {}
    held: dict[str, dict[str, int | None]] = {}  # person -> badge id -> highest tier index (None: no tiers)
    for outcome in outcomes:
        for award in outcome.awards:
            points[award.recipient] = points.get(award.recipient, 0) + award.points
        for badge in outcome.badges:
            badges = held.setdefault(badge.person, {})
            if badge.tier is None or badges.get(badge.badge_id) is None or badge.tier > badges[badge.badge_id]:
                badges[badge.badge_id] = badge.tier

    expect = case.expect
    failures = _award_failures(case, outcomes, labels)
    for person, want in (expect.points or {}).items():
        got = points.get(person, 0)
        if got != want:
            failures.append(f"expected {person} to have {_points(want)}, got {got}")
    for person, entries in (expect.badges or {}).items():
        failures.extend(_badge_failures(ruleset, person, entries, held.get(person, {})))
    for person, want in (expect.levels or {}).items():
        level = ruleset.level_for(points.get(person, 0))
        got = level.name if level else "no level (below 0 points)"
        if want not in (every_text(level) if level else {got}):  # a level may be named in any of its languages
            failures.append(f"expected {person} to be at level {want}, got {got}")
    return CaseResult(case.name, not failures, failures)


def _award_failures(case: RuleTest, outcomes: list[Outcome], labels: list[str]) -> list[str]:
    ids = event_ids(case)
    actual: list[tuple[int, AwardOutcome]] = [(n, a) for n, outcome in enumerate(outcomes, start=1) for a in outcome.awards]
    used: set[int] = set()
    failures = []
    for want in case.expect.awards or ():
        n = event_index(want.event, ids)
        if n is None:  # load_ruleset refuses this; kept for a Ruleset built some other way
            failures.append(f"expected an award for event {want.event}, which is not an event of this case")
            continue
        candidates = [k for k, (m, a) in enumerate(actual)
                      if m == n and a.rule_id == want.rule and a.recipient == want.to and k not in used]
        match = next((k for k in candidates if actual[k][1].points == want.points
                      and (want.capped is None or actual[k][1].capped == want.capped)), None)
        if match is not None:
            used.add(match)
            continue
        wanted = f"an award of {want.points} from rule {want.rule} to {want.to} for event {labels[n - 1]}"
        if want.capped is not None:
            wanted += " (capped)" if want.capped else " (not capped)"
        if not candidates:
            got = "none"
        else:
            got = " and ".join(_got(actual[k][1], want.capped is not None) for k in candidates)
            used.update(candidates)
        failures.append(f"expected {wanted}; got {got}")
    if case.expect.only:
        for k, (n, award) in enumerate(actual):
            if k not in used:
                capped = " (capped)" if award.capped else ""
                failures.append(f"unexpected award of {award.points} from rule {award.rule_id} to {award.recipient} "
                                f"for event {labels[n - 1]}{capped}")
    return failures


def _badge_failures(ruleset: Ruleset, person: str, entries: list[str], held: dict[str, int | None]) -> list[str]:
    def name(badge_id: str, tier: int | None) -> str:
        if tier is None:
            return badge_id
        return f"{badge_id}:{ruleset.badge(badge_id).spec.tiers[tier].name}"

    failures = []
    expected = dict(split_badge(entry) for entry in entries)
    for badge_id, tier_name in expected.items():
        wanted = f"{badge_id}:{tier_name}" if tier_name is not None else badge_id
        if badge_id not in held:
            failures.append(f"expected {person} to hold the badge {wanted}; they do not hold it")
        elif not _same_tier(ruleset, badge_id, held[badge_id], tier_name):
            failures.append(f"expected {person} to hold the badge {wanted}; they hold {name(badge_id, held[badge_id])}")
    for badge_id, tier in held.items():
        if badge_id not in expected:
            failures.append(f"did not expect {person} to hold the badge {name(badge_id, tier)}")
    return failures


def _same_tier(ruleset: Ruleset, badge_id: str, held: int | None, wanted: str | None) -> bool:
    """The tier held is the one expected, named in any of its languages."""
    if held is None or wanted is None:
        return held is None and wanted is None
    return wanted in every_text(ruleset.badge(badge_id).spec.tiers[held])


def _got(award: AwardOutcome, say_capped: bool) -> str:
    if award.capped:
        return f"{award.points} (capped)"
    return f"{award.points} (not capped)" if say_capped else str(award.points)


def _label(n: int, item: CaseEvent, event_id: str) -> str:
    return f"{n} ({event_id})" if item.id is not None else str(n)


def _points(n: int) -> str:
    return "1 point" if n in (1, -1) else f"{n} points"
