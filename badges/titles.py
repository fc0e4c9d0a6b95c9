"""A person's title: one badge they hold, chosen by them, shown beside their name on boards and profiles.

The choice is kept on the person (`Person.title_badge`); the title is read from their grants each time,
so a revoked badge stops being anyone's title at once, and comes back if it is granted again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from base.errors import Invalid
from base.models import Person
from rulesets.active import active_ruleset
from rulesets.texts import localized

from .models import BadgeGrant


def held_badges(person: Person) -> list[tuple[str, str]]:
    """(badge id, title) of every badge the person holds now, in the order they first earned them."""
    grants = BadgeGrant.objects.filter(person=person, revoked_at__isnull=True)
    return list(_titles(grants).get(person.pk, {}).items())


def do_set_title(person: Person, badge_id: str | None) -> None:
    """Show the badge `badge_id` as the person's title; None or "" shows none. Only a badge they hold."""
    badge_id = (badge_id or "").strip()
    if badge_id and not BadgeGrant.objects.filter(person=person, badge_id=badge_id, revoked_at__isnull=True).exists():
        raise Invalid("title_not_held", gettext("%(name)s does not hold the badge %(badge)s; choose one of their badges, or none.")
                      % {"name": person.display_name, "badge": repr(badge_id)})
    Person.objects.filter(pk=person.pk).update(title_badge=badge_id)
    person.title_badge = badge_id


def titles_for(keys: Iterable[str]) -> dict[str, str]:
    """{person key: title} for the people among `keys` who chose a badge they still hold."""
    chosen = {pk: (key, badge_id) for pk, key, badge_id in
              Person.objects.filter(key__in=set(keys)).exclude(title_badge="").values_list("pk", "key", "title_badge")}
    if not chosen:
        return {}
    grants = BadgeGrant.objects.filter(person_id__in=chosen, badge_id__in={b for _, b in chosen.values()},
                                       revoked_at__isnull=True)
    titles = _titles(grants)
    return {key: titles[pk][badge_id] for pk, (key, badge_id) in chosen.items() if badge_id in titles.get(pk, {})}


def title_of(person: Person) -> str:
    return titles_for([person.key]).get(person.key, "") if person.title_badge else ""


def _titles(grants) -> dict[int, dict[str, str]]:
    """{person pk: {badge id: title}} for held grants: the badge's name in the viewer's language, with the best tier held."""
    ruleset, _ = active_ruleset()
    best: dict[int, dict[str, BadgeGrant]] = {}
    for grant in grants.order_by("step", "id"):
        best.setdefault(grant.person_id, {})[grant.badge_id] = grant
    out: dict[int, dict[str, str]] = {}
    for pk, held in best.items():
        for badge_id, grant in sorted(held.items(), key=lambda item: item[1].id):
            badge = ruleset.badge(badge_id) if ruleset else None
            name = (localized(ruleset, badge.spec) if badge else None) or grant.badge_name
            tier = (localized(ruleset, badge.spec.tiers[grant.step]) if badge and badge.spec.tiers
                    and grant.step < len(badge.spec.tiers) else None) or grant.tier_name
            out.setdefault(pk, {})[badge_id] = f"{name} · {tier}" if tier else name
    return out
