"""Badge criteria in plain words, for the catalog and for progress sentences.

Deterministic: the same ruleset gives the same words. A rule's or streak's `description`
is used when it has one; otherwise the words come from the criteria kind and ids.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def _any_of(values: list[str], joiner: str | None = None) -> str:
    if len(values) == 1:
        return values[0]
    return f"{', '.join(values[:-1])} {joiner or _('or')} {values[-1]}"


def condition_words(when: schema.Condition) -> str:
    """What events count, e.g. "course completed in #python with #certified"."""
    parts = [_any_of([_plain(t) for t in when.type])] if when.type else [_("any event")]
    if when.channel:
        parts.append(_("in %(channels)s") % {"channels": _any_of([f"#{c}" for c in when.channel])})
    if when.program:
        parts.append(_("in the %(programs)s program") % {"programs": _any_of(list(when.program))})
    if when.hashtags_any:
        parts.append(_("tagged %(tags)s") % {"tags": _any_of([f"#{h.lstrip('#')}" for h in when.hashtags_any])})
    if when.hashtags_all:
        parts.append(_("tagged %(tags)s") % {"tags": _any_of([f"#{h.lstrip('#')}" for h in when.hashtags_all], _("and"))})
    if when.mentions_any:
        parts.append(_("mentioning %(people)s") % {"people": _any_of(list(when.mentions_any))})
    if when.not_self:
        parts.append(_("on someone else's post"))
    if when.text_min_length:
        parts.append(_("of at least %(n)s characters") % {"n": when.text_min_length})
    if when.between:
        if when.between.from_ is not None:
            parts.append(_("from %(day)s") % {"day": when.between.from_.isoformat()})
        if when.between.until is not None:
            parts.append(_("until %(day)s") % {"day": when.between.until.isoformat()})
    if when.expr:
        parts.append(expr_words(when.expr) or _("meeting a further condition"))
    return " ".join(parts)


_ATTRIBUTE = r"event\.attributes(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*[\"']([A-Za-z0-9_ -]+)[\"']\s*\])"
_COMPARISON = re.compile(rf"^\(?\s*{_ATTRIBUTE}\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?|\"[^\"]*\"|'[^']*')\s*\)?$")
_HAS = re.compile(rf"^has\(\s*{_ATTRIBUTE}\s*\)$")


def expr_words(expr: str) -> str | None:
    """A simple `expr` in plain words: comparisons of event attributes with a number or a text, joined by
    `&&`, e.g. `has(event.attributes.score) && event.attributes.score >= 95` -> "with a score of 95 or more".
    None for anything else (the caller says "meeting a further condition")."""
    words, checked = [], set()
    for term in (t.strip() for t in expr.split("&&")):
        if (found := _HAS.match(term)) is not None:
            checked.add(found.group(1) or found.group(2))
            continue
        found = _COMPARISON.match(term)
        if found is None:
            return None
        name, op, value = _plain(found.group(1) or found.group(2)), found.group(3), found.group(4).strip("\"'")
        phrase = {
            ">=": _("with a %(name)s of %(value)s or more"), ">": _("with a %(name)s over %(value)s"),
            "<=": _("with a %(name)s of %(value)s or less"), "<": _("with a %(name)s under %(value)s"),
            "==": _("with a %(name)s of %(value)s"), "!=": _("with a %(name)s other than %(value)s"),
        }[op]
        words.append(phrase % {"name": name, "value": value})
    return " ".join(words) if words else None


def _times(n: int) -> str:
    return _("once") if n == 1 else (_("twice") if n == 2 else _("%(n)s times") % {"n": n})


def _streak_unit(ruleset: Ruleset, streak_id: str) -> str:
    streak = ruleset.streak(streak_id)
    return streak.spec.per if streak else "day"


def _rule_action(ruleset: Ruleset, rule_id: str) -> tuple[str, bool]:
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    own = _own_words(rule.spec.description if rule else None)
    return (own, True) if own else (_("Earn points from '%(rule)s'") % {"rule": _title(rule_id)}, False)


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
        return ngettext("Reach %(n)s point", "Reach %(n)s points", need) % {"n": need}
    if criteria.streak:
        streak = ruleset.streak(criteria.streak)
        own = _own_words(streak.spec.description if streak else None)
        unit = _streak_unit(ruleset, criteria.streak)
        length = (ngettext("A %(n)s-day streak", "A %(n)s-day streak", need) if unit == "day"
                  else ngettext("A %(n)s-week streak", "A %(n)s-week streak", need)) % {"n": need}
        return f"{length}: {own}" if own else _("%(streak)s of %(id)s") % {"streak": length, "id": criteria.streak}
    events = ngettext("%(n)s event", "%(n)s events", need) % {"n": need}
    if criteria.received is not None:
        return _("%(events)s naming you: %(what)s") % {"events": events, "what": condition_words(criteria.received)}
    return f"{events}: {condition_words(criteria.event)}"


def criteria_text(ruleset: Ruleset, badge) -> str:
    """The requirement of the badge's first step, in plain words."""
    return criteria_words(ruleset, badge.spec.criteria, badge.thresholds[0].need)


def progress_words(ruleset: Ruleset, criteria: schema.Criteria, have: int, need: int, tier: str | None = None) -> str:
    """How far a person is, with the catalog's words, e.g. "7 of 10 times: Earn points from 'Comment'", and
    toward which tier on a badge with tiers: "3 of 5 times toward Silver: ..."."""
    if criteria is None:
        return NO_CRITERIA
    numbers = {"have": have, "need": need}
    if criteria.rule:
        count, what = ngettext("%(have)s of %(need)s time", "%(have)s of %(need)s times", need), _rule_action(ruleset, criteria.rule)[0]
    elif criteria.points is not None:
        count = ngettext("%(have)s of %(need)s point", "%(have)s of %(need)s points", need)
        what = ngettext("Reach %(n)s point", "Reach %(n)s points", need) % {"n": need}
    elif criteria.streak:
        unit = _streak_unit(ruleset, criteria.streak)
        count = (ngettext("%(have)s of %(need)s day in a row", "%(have)s of %(need)s days in a row", need) if unit == "day"
                 else ngettext("%(have)s of %(need)s week in a row", "%(have)s of %(need)s weeks in a row", need))
        what = criteria_words(ruleset, criteria, need)
    elif criteria.received is not None:
        count = ngettext("%(have)s of %(need)s event naming you", "%(have)s of %(need)s events naming you", need)
        what = condition_words(criteria.received)
    else:
        count, what = ngettext("%(have)s of %(need)s event", "%(have)s of %(need)s events", need), condition_words(criteria.event)
    progress = count % numbers
    if tier:
        progress = _("%(progress)s toward %(tier)s") % {"progress": progress, "tier": tier}
    return f"{progress}: {what}"
