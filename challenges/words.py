"""A challenge in plain words, for the pages, the chat commands and the announcements: its goal, its
reward, its kind. The words come from the goal's kind and ids, or from a rule's `explain:` (the text
written for employees); a rule's `description` is an admin note and never shown."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges.words import condition_words
from rules.core import Ruleset
from rules.core.texts import pick
from rulesets.texts import badge_text


def title(identifier: str) -> str:
    """original-post -> Original post."""
    words = identifier.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def explained(ruleset: Ruleset, spec) -> str | None:
    """A rule's, streak's or badge's `explain:` in the reader's language (the ruleset's default else)."""
    value = getattr(spec, "explain", None)
    if isinstance(value, dict):
        return pick(value, get_language(), ruleset.doc.language)
    return value or None


def rule_words(ruleset: Ruleset, rule_id: str) -> str:
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    own = explained(ruleset, rule.spec) if rule else None
    return own.strip().rstrip(".") if own else _("points from '%(rule)s'") % {"rule": title(rule_id)}


def goal_words(ruleset: Ruleset, challenge) -> str:
    """e.g. "3 times: points from 'Original post'", "3 events: post tagged #dbt", "50 points"."""
    goal = challenge.spec.goal
    n = challenge.goal
    if goal.points is not None:
        words = ngettext("%(n)s point", "%(n)s points", n) % {"n": n}
    elif goal.rule:
        words = ngettext("%(n)s time: %(what)s", "%(n)s times: %(what)s", n) % {"n": n, "what": rule_words(ruleset, goal.rule)}
    else:
        words = ngettext("%(n)s event: %(what)s", "%(n)s events: %(what)s", n) % {"n": n, "what": condition_words(goal.event)}
    if challenge.spec.when is not None:
        words += " (" + _("counting only %(what)s") % {"what": condition_words(challenge.spec.when)} + ")"
    return words


def kind_words(kind: str) -> str:
    return {"individual": _("Each person on their own"), "team": _("Teams"),
            "collective": _("Everyone together, towards one goal")}.get(kind, kind)


def status_words(status: str) -> str:
    return {"upcoming": _("Upcoming"), "running": _("Running"), "ended": _("Ended")}.get(status, status)


def reward_words(ruleset: Ruleset, challenge) -> str | None:
    reward = challenge.spec.reward
    if reward is None or (not reward.points and not reward.badge):
        return None
    parts = []
    if reward.points:
        parts.append(ngettext("%(n)s point", "%(n)s points", reward.points) % {"n": reward.points})
    if reward.badge:
        parts.append(_("the badge %(badge)s") % {"badge": badge_text(ruleset, reward.badge, fallback=reward.badge)})
    return (" " + _("and") + " ").join(parts)


def places_words(challenge) -> str:
    if challenge.spec.kind == "collective":
        return _("Everyone who counted towards the goal shares the reward.")
    if challenge.spec.winners:
        return ngettext("The first to reach the goal wins.", "The first %(n)s to reach the goal win.",
                        challenge.spec.winners) % {"n": challenge.spec.winners}
    return _("Everyone who reaches the goal wins.")
