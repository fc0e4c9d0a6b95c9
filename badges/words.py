"""Badge criteria in plain words, for the catalog and for progress sentences.

Deterministic: the same ruleset gives the same words. A rule's or streak's `description`
is used when it has one; otherwise the words come from the criteria kind and ids.
"""

from __future__ import annotations

from rules.core import Ruleset
from rules.core import schema


def _title(identifier: str) -> str:
    """original-post -> Original post; course_completed -> course completed."""
    words = identifier.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _plain(identifier: str) -> str:
    return identifier.replace("-", " ").replace("_", " ").strip()


def _own_words(description: str | None) -> str | None:
    text = (description or "").strip().rstrip(".").strip()
    return text or None


def _any_of(values: list[str], joiner: str = "or") -> str:
    if len(values) == 1:
        return values[0]
    return f"{', '.join(values[:-1])} {joiner} {values[-1]}"


def condition_words(when: schema.Condition) -> str:
    """What events count, e.g. "course completed in #python with #certified"."""
    parts = [_any_of([_plain(t) for t in when.type])] if when.type else ["any event"]
    if when.channel:
        parts.append("in " + _any_of([f"#{c}" for c in when.channel]))
    if when.program:
        parts.append("in the " + _any_of(list(when.program)) + " program")
    if when.hashtags_any:
        parts.append("tagged " + _any_of([f"#{h.lstrip('#')}" for h in when.hashtags_any]))
    if when.hashtags_all:
        parts.append("tagged " + _any_of([f"#{h.lstrip('#')}" for h in when.hashtags_all], "and"))
    if when.mentions_any:
        parts.append("mentioning " + _any_of(list(when.mentions_any)))
    if when.not_self:
        parts.append("on someone else's post")
    if when.text_min_length:
        parts.append(f"of at least {when.text_min_length} characters")
    if when.between:
        if when.between.from_ is not None:
            parts.append(f"from {when.between.from_.isoformat()}")
        if when.between.until is not None:
            parts.append(f"until {when.between.until.isoformat()}")
    if when.expr:
        parts.append("meeting a further condition")
    return " ".join(parts)


def _times(n: int) -> str:
    return "once" if n == 1 else ("twice" if n == 2 else f"{n} times")


def _streak_unit(ruleset: Ruleset, streak_id: str) -> str:
    streak = ruleset.streak(streak_id)
    return streak.spec.per if streak else "day"


def _rule_action(ruleset: Ruleset, rule_id: str) -> tuple[str, bool]:
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    own = _own_words(rule.spec.description if rule else None)
    return (own, True) if own else (f"Earn points from '{_title(rule_id)}'", False)


# A badge without criteria: only a challenge's reward (or an admin) gives it.
NO_CRITERIA = "Given as a challenge's reward or by an admin"


def criteria_words(ruleset: Ruleset, criteria: schema.Criteria, need: int) -> str:
    """The whole requirement for one threshold, e.g. "Reach 100 points"."""
    if criteria is None:
        return NO_CRITERIA
    if criteria.rule:
        action, own = _rule_action(ruleset, criteria.rule)
        return f"{action}: {_times(need)}" if own else f"{action} {_times(need)}"
    if criteria.points is not None:
        return f"Reach {need} points"
    if criteria.streak:
        streak = ruleset.streak(criteria.streak)
        own = _own_words(streak.spec.description if streak else None)
        unit = _streak_unit(ruleset, criteria.streak)
        return f"A {need}-{unit} streak: {own}" if own else f"A {need}-{unit} streak of {criteria.streak}"
    events = "1 event" if need == 1 else f"{need} events"
    if criteria.received is not None:
        return f"{events} naming you: {condition_words(criteria.received)}"
    return f"{events}: {condition_words(criteria.event)}"


def criteria_text(ruleset: Ruleset, badge) -> str:
    """The requirement of the badge's first step, in plain words."""
    return criteria_words(ruleset, badge.spec.criteria, badge.thresholds[0].need)


def progress_words(ruleset: Ruleset, criteria: schema.Criteria, have: int, need: int) -> str:
    """How far a person is, with the catalog's words, e.g. "7 of 10 times: Earn points from 'Comment'"."""
    if criteria is None:
        return NO_CRITERIA
    if criteria.rule:
        action, _ = _rule_action(ruleset, criteria.rule)
        return f"{have} of {need} times: {action}"
    if criteria.points is not None:
        return f"{have} of {need} points: Reach {need} points"
    if criteria.streak:
        unit = _streak_unit(ruleset, criteria.streak)
        return f"{have} of {need} {unit}s in a row: {criteria_words(ruleset, criteria, need)}"
    if criteria.received is not None:
        return f"{have} of {need} events naming you: {condition_words(criteria.received)}"
    return f"{have} of {need} events: {condition_words(criteria.event)}"
