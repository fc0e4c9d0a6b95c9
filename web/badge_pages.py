"""Badge pages: the catalog, and one badge's criteria, tiers, holders and the viewer's Open Badges."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from badges import hosted, openbadges
from badges.models import BadgeGrant
from badges.progress import badge_progress, holder_counts, visible
from badges.words import criteria_text, criteria_words
from base.models import Event
from rulesets.active import active_ruleset
from rulesets.texts import badge_text, localized, tier_name

from .access import signed_in
from .pages import no_ruleset, not_found, one_page, page, viewer
from .reasons import event_reasons

HOLDERS_SHOWN = 60  # holders a page
MAX_PAGE = 100_000


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


def with_evidence(person, progress: list[dict]) -> list[dict]:
    """Each earned badge and tier of badge_progress with `how`: what earned it, in the person's words, its post
    linked (one query for every event on the wall)."""
    wanted = {e["event"] for b in progress for e in b["earned"] if e.get("event")}
    events = {e.source_id: e for e in Event.objects.filter(source_id__in=wanted).select_related("actor", "target_author")} if wanted else {}
    found = list(events.values())
    words = dict(zip((e.source_id for e in found), event_reasons([(person, e) for e in found])))
    for badge in progress:
        for earned in badge["earned"]:
            earned["how"] = words.get(earned.get("event"))
    return progress


def grant_evidence(grants: list) -> dict[int, object]:
    """grant id -> what earned it, in the earner's words (grants loaded with select_related of
    event__actor and event__target_author); a grant given by hand says so, with the reason."""
    by_event = [g for g in grants if not g.manual and g.event_id is not None]
    found = {g.pk: _evidence_words(g) for g in grants}
    found.update(zip((g.pk for g in by_event), event_reasons([(g.person, g.event) for g in by_event])))
    return found


@require_safe
@signed_in
def catalog(request):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    holders = holder_counts()
    person = viewer(request)
    mine = {b["id"]: b for b in with_images(ruleset, badge_progress(ruleset, person, holders))} if person else {}
    badges = [{"id": b.id, "name": localized(ruleset, b.spec), "description": localized(ruleset, b.spec, "description"),
               "criteria": criteria_text(ruleset, b), "image": image_path(b), "holders": holders.get(b.id, 0),
               "tiers": [tier_name(ruleset, b.id, t.name) for t in b.thresholds if t.name],
               "mine": mine.get(b.id)}
              for b in ruleset.badges if visible(b, holders)]
    return page(request, "web/badges.html", {"badges": badges})


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), MAX_PAGE))
    except ValueError:
        return 1


def _holders(request, ruleset, badge) -> dict:
    """One page of the people on the public boards who hold the badge, best tier first, each once with
    their best tier and when they earned it; and how many holders are left out because they left the
    public boards."""
    held = BadgeGrant.objects.filter(badge_id=badge.id, revoked_at__isnull=True)
    best = (held.filter(person__public=True).values("person_id")
            .annotate(best=Max("step"), first=Min("granted_at")).order_by("-best", "first", "person_id"))
    shown = one_page(request, best, _page_number(request), HOLDERS_SHOWN)
    # Only each holder's best grant is read (with what the reasons name), not every tier they hold.
    wanted = Q(pk__in=[])
    for row in shown["rows"]:
        wanted |= Q(person_id=row["person_id"], step=row["best"])
    grants = {(g.person_id, g.step): g for g in held.filter(wanted)
              .select_related("person", "event__actor", "event__target_author")}
    how = grant_evidence(list(grants.values()))
    people = []
    for row in shown["rows"]:
        g = grants[(row["person_id"], row["best"])]
        people.append({"key": g.person.key, "name": g.person.display_name,
                       "tier": tier_name(ruleset, badge.id, g.tier_name or None), "at": g.earned_at, "how": how[g.pk]})
    hidden = held.filter(person__public=False).values("person_id").distinct().count()
    return {**shown, "rows": people, "hidden": hidden}


@require_safe
@signed_in
def badge_page(request, badge_id: str):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    badge = ruleset.badge(badge_id)
    holders_of = holder_counts()  # every badge's: the viewer's progress shows the secret ones someone holds
    if badge is None or not visible(badge, holders_of):
        return not_found(request, gettext("There is no badge %(badge)r. The badges page lists them all.") % {"badge": badge_id})
    tiers = [{"name": tier_name(ruleset, badge.id, t.name), "need": t.need, "criteria": criteria_words(ruleset, badge.spec.criteria, t.need),
              "image": image_path(badge, t.name)} for t in badge.thresholds if t.name]
    holders = _holders(request, ruleset, badge)
    person = viewer(request)
    mine = []
    progress = None
    if person:
        own = list(BadgeGrant.objects.filter(badge_id=badge.id, person=person, revoked_at__isnull=True)
                   .select_related("person", "event__actor", "event__target_author").order_by("step"))
        how = grant_evidence(own)
        for g in own:
            assertion = openbadges.assertion_url(g)
            mine.append({"tier": tier_name(ruleset, badge.id, g.tier_name or None), "at": g.earned_at, "share": assertion,
                         "how": how[g.pk],
                         "png": f"/openbadges/assertions/{g.uuid}.png", "svg": f"/openbadges/assertions/{g.uuid}.svg",
                         "json": f"/openbadges/assertions/{g.uuid}",
                         "linkedin": linkedin_add_url(_full_name(ruleset, g), g, g.earned_at)})
        progress = next((p for p in with_images(ruleset, badge_progress(ruleset, person, holders_of)) if p["id"] == badge.id),
                        None)
    return page(request, "web/badge.html", {
        "badge": badge, "name": localized(ruleset, badge.spec), "description": localized(ruleset, badge.spec, "description"),
        "criteria": criteria_text(ruleset, badge), "tiers": tiers, "image": image_path(badge),
        "holders": holders, "holder_count": holders_of.get(badge.id, 0),
        "mine": mine, "progress": progress, "badge_class": f"/openbadges/badges/{badge.id}",
    })


# What a verifier or backpack asks for at an assertion URL; a browser asks for text/html first.
MACHINE_TYPES = ["application/ld+json", "application/json"]


def linkedin_add_url(name: str, grant, earned_at) -> str:
    """LinkedIn's "Add to profile" link for a certification, filled in from the grant."""
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": name, "organizationName": settings.BADGE_ISSUER_NAME,
        "issueYear": earned_at.year, "issueMonth": earned_at.month,
        "certUrl": openbadges.assertion_url(grant), "certId": str(grant.uuid)})


@require_safe
def grant_page(request, uid):
    """The share link of a grant, one URL for two readers: verifiers get the hosted assertion's JSON-LD (no
    Accept, */*, application/ld+json, application/json), browsers a public page with Open Graph tags for
    link previews. Revoked and unknown grants answer 410 and 404 either way."""
    preferred = request.get_preferred_type(MACHINE_TYPES + ["text/html"])
    if preferred != "text/html":
        response = hosted.assertion(request, uid)
    else:
        response = _grant_html(request, uid)
    patch_vary_headers(response, ("Accept",))
    return response


def _grant_html(request, uid):
    grant, answer = hosted.grant_or_answer(uid)
    if answer is not None:
        gone = answer.status_code == 410
        return page(request, "web/problem.html", {
            "title": gettext("Badge revoked") if gone else gettext("Not found"),
            "message": gettext("This badge was revoked, so it no longer counts.") if gone else
            gettext("There is no badge at this address.")}, status=answer.status_code)
    ruleset, _ = active_ruleset()
    badge = ruleset.badge(grant.badge_id) if ruleset else None
    full_name = _full_name(ruleset, grant)
    threshold = next((t for t in badge.thresholds if (t.tier or 0) == grant.step), None) if badge else None
    criteria = criteria_words(ruleset, badge.spec.criteria, threshold.need) if threshold else ""
    # Like the hosted JSON, which names no one: an earner who left the public boards is not named here either.
    earner = grant.person.display_name if grant.person.public else None
    earned_at = grant.earned_at
    image = f"{openbadges.assertion_url(grant)}.png"  # absolute, and a PNG: previews do not render SVG
    return page(request, "web/grant.html", {
        "grant": grant, "name": full_name, "earner": earner, "earned_at": earned_at, "criteria": criteria,
        "description": localized(ruleset, badge.spec, "description") if badge else None,
        "image": image, "share_url": openbadges.assertion_url(grant), "issuer": settings.BADGE_ISSUER_NAME,
        "evidence": _evidence_words(grant), "linkedin": linkedin_add_url(full_name, grant, earned_at),
        "json": openbadges.assertion_url(grant),
    })


def _full_name(ruleset, grant) -> str:
    """The badge's name with the tier, in the reader's language: First Post, Commenter (Silver)."""
    tier = tier_name(ruleset, grant.badge_id, grant.tier_name or None) if ruleset else grant.tier_name or None
    name = badge_text(ruleset, grant.badge_id, fallback=grant.badge_name) if ruleset else grant.badge_name
    return f"{name} ({tier})" if tier else name


def _evidence_words(grant) -> str:
    if grant.manual:
        return gettext("Awarded by hand: %(reason)s") % {"reason": grant.reason}
    if grant.event_id:
        return gettext("Earned by event %(event)s") % {"event": grant.event.source_id}
    return gettext("Earned under the badge's criteria")
