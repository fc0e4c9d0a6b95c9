"""Badge pages: the catalog, and one badge's criteria, tiers, holders and the viewer's Open Badges."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from badges import openbadges
from badges.models import BadgeGrant
from badges.progress import badge_progress, holder_counts, visible
from badges.words import criteria_text, criteria_words
from rulesets.active import active_ruleset
from rulesets.texts import badge_text, localized, tier_name

from .access import signed_in
from .pages import no_ruleset, not_found, page, viewer

HOLDERS_SHOWN = 60


def image_path(badge, tier: str | None = None) -> str:
    """The ruleset's image when it names one, else the generated SVG (per tier), as the API serves it."""
    if badge.spec.image:
        return badge.spec.image
    path = f"/api/v1/badges/{badge.id}/image.svg"
    return f"{path}?{urlencode({'tier': tier})}" if tier else path


def with_images(ruleset, progress: list[dict]) -> list[dict]:
    for item in progress:
        badge = ruleset.badge(item["id"])
        last_tier = item["earned"][-1]["tier"] if item["earned"] else item["next_tier"]
        item["image"] = image_path(badge, last_tier) if badge else ""  # the image is named by the stored tier
        item["description"] = localized(ruleset, badge.spec, "description") if badge else None
        # Names in the reader's language (the stored ones are the ruleset's default language).
        item["name"] = badge_text(ruleset, item["id"], fallback=item["name"])
        item["next_tier"] = tier_name(ruleset, item["id"], item["next_tier"])
        item["earned"] = [{**e, "tier": tier_name(ruleset, item["id"], e["tier"])} for e in item["earned"]]
        item["percent"] = round(100 * min(item["have"], item["need"]) / item["need"]) if item["need"] else 100
    return progress


@require_safe
@signed_in
def catalog(request):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    holders = holder_counts()
    person = viewer(request)
    mine = {b["id"]: b for b in with_images(ruleset, badge_progress(ruleset, person))} if person else {}
    badges = [{"id": b.id, "name": localized(ruleset, b.spec), "description": localized(ruleset, b.spec, "description"),
               "criteria": criteria_text(ruleset, b), "image": image_path(b), "holders": holders.get(b.id, 0),
               "tiers": [tier_name(ruleset, b.id, t.name) for t in b.thresholds if t.name],
               "mine": mine.get(b.id)}
              for b in ruleset.badges if visible(b, holders)]
    return page(request, "web/badges.html", {"badges": badges})


@require_safe
@signed_in
def badge_page(request, badge_id: str):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    badge = ruleset.badge(badge_id)
    if badge is None or not visible(badge, holder_counts([badge_id])):
        return not_found(request, gettext("There is no badge %(badge)r. The badges page lists them all.") % {"badge": badge_id})
    tiers = [{"name": tier_name(ruleset, badge.id, t.name), "need": t.need, "criteria": criteria_words(ruleset, badge.spec.criteria, t.need),
              "image": image_path(badge, t.name)} for t in badge.thresholds if t.name]
    grants = (BadgeGrant.objects.filter(badge_id=badge.id, revoked_at__isnull=True, person__public=True)
              .select_related("person", "event").order_by("-step", "granted_at"))
    holders: dict[str, dict] = {}
    for g in grants:  # highest tier first, so each person is listed once with their best
        holders.setdefault(g.person.key, {"key": g.person.key, "name": g.person.display_name,
                                          "tier": tier_name(ruleset, badge.id, g.tier_name or None),
                                          "at": g.earned_at})
        if len(holders) >= HOLDERS_SHOWN:
            break
    person = viewer(request)
    mine = []
    progress = None
    if person:
        for g in (BadgeGrant.objects.filter(badge_id=badge.id, person=person, revoked_at__isnull=True)
                  .select_related("event").order_by("step")):
            assertion = openbadges.assertion_url(g)
            mine.append({"tier": tier_name(ruleset, badge.id, g.tier_name or None), "at": g.earned_at, "share": assertion,
                         "png": f"/openbadges/assertions/{g.uuid}.png", "svg": f"/openbadges/assertions/{g.uuid}.svg",
                         "json": f"/openbadges/assertions/{g.uuid}"})
        progress = next((p for p in with_images(ruleset, badge_progress(ruleset, person)) if p["id"] == badge.id), None)
    return page(request, "web/badge.html", {
        "badge": badge, "name": localized(ruleset, badge.spec), "description": localized(ruleset, badge.spec, "description"),
        "criteria": criteria_text(ruleset, badge), "tiers": tiers, "image": image_path(badge),
        "holders": list(holders.values()), "holder_count": holder_counts([badge.id]).get(badge.id, 0),
        "mine": mine, "progress": progress, "badge_class": f"/openbadges/badges/{badge.id}",
    })
