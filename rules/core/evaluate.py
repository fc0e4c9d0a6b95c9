"""evaluate(ruleset, event, facts): what one event earns, given what came before.

Contract section 3, in order: every matching rule fires; awards go to their recipients;
`once_per` and limits cap per rule and recipient; boosts multiply; streaks advance and pay
their bonuses; then badges and levels.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .compiled import CHALLENGE_RULE_PREFIX, CompiledBadge, CompiledRule, CompiledStreak, Ruleset
from .facts import FactsCache
from .model import AwardOutcome, BadgeOutcome, Event, LevelOutcome, Outcome
from .periods import period_key
from .streaks import extend

UNDO = "undo"
ONE = Decimal(1)


def evaluate(ruleset: Ruleset, event: Event, facts: FactsCache) -> Outcome:
    outcome = Outcome(event)
    points_before: dict[str, int] = {}

    def add_points(person: str, points: int) -> None:
        if person not in points_before:
            points_before[person] = facts.points(person)
        if points:
            facts.add_points(person, points)

    streaks: list[tuple[CompiledStreak, int]] = []
    if event.type == UNDO:
        _undo(event, facts, outcome, add_points)
    else:
        factor = _boost_factor(ruleset, event)
        for rule in ruleset.rules_for(event.type, event.channel):
            if rule.holds(event):
                _fire(rule, event, factor, ruleset, facts, outcome, add_points)
        streaks = _advance_streaks(ruleset, event, factor, facts, outcome, add_points)
        # The outcome's own awards, not copies: an undo reads the same four fields (rule, recipient, points, capped).
        facts.remember_awards(event.id, outcome.awards)

    _grant_badges(ruleset, event, facts, outcome, streaks)
    _change_levels(ruleset, facts, outcome, points_before)
    return outcome


def recipients(to: str, event: Event) -> list[str]:
    if to == "actor":
        return [event.actor]
    if to == "target_author":
        author = event.target_author
        return [author] if author and author != event.actor else []
    seen: list[str] = []
    for person in event.mentions:
        if person != event.actor and person not in seen:
            seen.append(person)
    return seen


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _boost_factor(ruleset: Ruleset, event: Event) -> Decimal:
    factor = ONE
    for boost in ruleset.boosts:
        if boost.holds(event):
            factor *= Decimal(str(boost.spec.factor))
    return factor


def _fire(rule: CompiledRule, event: Event, factor: Decimal, ruleset: Ruleset, facts: FactsCache, outcome: Outcome, add_points) -> None:
    spec, rule_id = rule.spec, rule.spec.id
    if len(spec.award) == 1 and spec.award[0].to == "actor":  # most rules: points to whoever acted
        base_by_person = {event.actor: spec.award[0].points}
    else:
        # One award per recipient and rule: a person both mentioned and target author gets the sum.
        base_by_person = {}
        for award in spec.award:
            for person in recipients(award.to, event):
                base_by_person[person] = base_by_person.get(person, 0) + award.points
    limit = spec.limit
    caps = facts.cap_counts(rule_id, limit.per, period_key(limit.per, event.occurred_at, ruleset.tz)) if limit else None
    # Without a target there is nothing to be once per: such events are scored as usual.
    target = event.target_id if spec.once_per == "target" else None
    for person, base in base_by_person.items():
        capped = ((target is not None and facts.target_awarded(rule_id, person, target))
                  or (caps is not None and caps.get(person, 0) >= limit.max))
        points = 0 if capped else base if factor is ONE else round_half_up(Decimal(base) * factor)
        outcome.awards.append(AwardOutcome(rule_id, person, points, base, 1.0 if factor is ONE else float(factor), capped))
        if not capped:
            if caps is not None:
                caps[person] = caps.get(person, 0) + 1
            if target is not None:
                facts.mark_target_awarded(rule_id, person, target)
            facts.add_rule_count(person, rule_id, 1)
        add_points(person, points)


def _advance_streaks(ruleset: Ruleset, event: Event, factor: Decimal, facts: FactsCache, outcome: Outcome,
                     add_points) -> list[tuple[CompiledStreak, int]]:
    """Extend the actor's runs; a bonus pays when a run first reaches its length. Returns (streak, new length)."""
    advanced = []
    for streak in ruleset.streaks:
        if not streak.holds(event):
            continue
        run = extend(facts.streak(event.actor, streak.id), streak.spec.per, event.occurred_at, ruleset.tz)
        if run is None:
            continue
        facts.set_streak(event.actor, streak.id, run)
        advanced.append((streak, run.length))
        # A run passes each length once (it grows by one or restarts at 1), so a bonus pays once per run.
        base = streak.bonus.get(run.length)
        if base is not None:
            points = round_half_up(Decimal(base) * factor)
            outcome.awards.append(AwardOutcome(streak.id, event.actor, points, base, float(factor)))
            facts.add_rule_count(event.actor, streak.id, 1)
            add_points(event.actor, points)
    return advanced


def _undo(event: Event, facts: FactsCache, outcome: Outcome, add_points) -> None:
    original = event.target_id
    if not original or facts.is_undone(original):
        outcome.note = "nothing to undo" if not original else f"{original} was already undone"
        return
    facts.mark_undone(original)
    for past in facts.awards_of(original):
        # Caps are not given back: the cap counters keep the reversed award. A capped award
        # gave nothing and counted for nothing, so there is nothing to compensate.
        # A challenge's reward is given at once and stays (contract section 8): undo takes back the
        # progress (the challenge step does that), not the reward.
        if past.capped or past.rule_id.startswith(CHALLENGE_RULE_PREFIX):
            continue
        facts.add_rule_count(past.recipient, past.rule_id, -1)
        outcome.awards.append(AwardOutcome(past.rule_id, past.recipient, -past.points, 0, 1.0, False, reverses_event=original))
        add_points(past.recipient, -past.points)


def _grant_badges(ruleset: Ruleset, event: Event, facts: FactsCache, outcome: Outcome,
                  streaks: list[tuple[CompiledStreak, int]]) -> None:
    def reach(badge: CompiledBadge, person: str, have: int) -> None:
        # A time-boxed badge is granted only by an event inside its window; counting goes on regardless.
        if badge.available is None or badge.available(event):
            reach_threshold(badge, person, have, facts, outcome)

    if event.type != UNDO:
        for badge in ruleset.event_badges:
            if not badge.event_holds(event):
                continue
            # A `received` badge counts for each person the event mentions once, never its actor.
            for person in dict.fromkeys(m for m in event.mentions if m != event.actor) if badge.received else (event.actor,):
                reach(badge, person, facts.add_event_count(person, badge.id))
    for streak, length in streaks:
        for badge in ruleset.badges_by_streak.get(streak.id, ()):
            reach(badge, event.actor, length)
    for award in outcome.awards:
        if award.capped or award.reverses_event:
            continue
        for badge in ruleset.badges_by_rule.get(award.rule_id, ()):
            reach(badge, award.recipient, facts.rule_count(award.recipient, award.rule_id))
    if ruleset.points_badges:
        for person in dict.fromkeys(a.recipient for a in outcome.awards if a.points):
            for badge in ruleset.points_badges:
                reach(badge, person, facts.points(person))


def reach_threshold(badge: CompiledBadge, person: str, have: int, facts: FactsCache, outcome: Outcome) -> None:
    held = facts.badge_tiers(person, badge.id)
    reached = held
    while reached < len(badge.thresholds) and have >= badge.thresholds[reached].need:
        threshold = badge.thresholds[reached]
        outcome.badges.append(BadgeOutcome(person, badge.id, threshold.tier, threshold.name))
        reached += 1
    if reached != held:
        facts.set_badge_tiers(person, badge.id, reached)


def _change_levels(ruleset: Ruleset, facts: FactsCache, outcome: Outcome, points_before: dict[str, int]) -> None:
    if not ruleset.levels:
        return
    for person, before in points_before.items():
        after = facts.points(person)
        if after <= before:  # levels follow points up: no gain, no new level (most awards are capped or zero)
            continue
        old, new = ruleset.level_for(before), ruleset.level_for(after)
        if new is not None and (old is None or new.min_points > old.min_points):
            outcome.levels.append(LevelOutcome(person, new.name, new.min_points, old.name if old else None))
