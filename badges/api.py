from __future__ import annotations

import hashlib
from datetime import datetime

from django.http import HttpResponse, HttpResponseNotModified
from base.schemas import BodyIn
from ninja import Field, Router, Schema, Status

from base import auth
from base.errors import Conflict, NotFound
from base.models import Person
from rulesets.active import active_ruleset
from rulesets.texts import api_language, localized

from . import openbadges
from .grants import do_grant_badge, do_revoke_badge
from .images import badge_svg
from .progress import badge_progress, holder_counts, visible
from .words import criteria_text, criteria_words

router = Router(tags=["badges"])


class TierOut(Schema):
    name: str
    need: int
    criteria: str
    image: str


class BadgeOut(Schema):
    id: str
    name: str
    description: str | None
    criteria: str
    tiers: list[TierOut]
    image: str
    holders: int
    secret: bool


class EarnedOut(Schema):
    tier: str | None
    granted_at: datetime
    earned_at: datetime  # the time of the event that earned it (the grant's time for a manual award)
    expires_at: datetime | None  # badges with `valid_for_days`
    expired: bool
    event: str | None
    evidence: list[str]


class WindowOut(Schema):
    opens_at: datetime | None
    closes_at: datetime | None  # exclusive
    open: bool


class ProgressOut(Schema):
    id: str
    name: str
    earned: list[EarnedOut]
    next_tier: str | None
    have: int
    need: int | None
    progress: str | None
    complete: bool
    available: WindowOut | None  # time-boxed badges: when they can be earned


def _ruleset():
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset first")
    return ruleset


def image_url(request, badge, tier: str | None = None) -> str:
    """The ruleset's image when it names one, else the generated SVG (per tier)."""
    given = badge.spec.image
    if given:
        return request.build_absolute_uri(given) if given.startswith("/") else given
    path = f"/api/v1/badges/{badge.id}/image.svg"
    url = request.build_absolute_uri(path)
    if tier:
        from urllib.parse import urlencode

        url += "?" + urlencode({"tier": tier})
    return url


@router.get("/badges", auth=auth.reader, response=list[BadgeOut])
def list_badges(request):
    """Secret badges are left out until someone holds them. Names and descriptions in the ruleset's
    default language, or in the one Accept-Language asks for when the ruleset has it."""
    ruleset = _ruleset()
    holders = holder_counts()
    language = api_language(request)

    def tier(b, t):
        return localized(ruleset, b.spec.tiers[t.tier], "name", language, asked=False) if b.spec.tiers else t.name

    return [
        {"id": b.id, "name": localized(ruleset, b.spec, "name", language, asked=False),
         "description": localized(ruleset, b.spec, "description", language, asked=False),
         "criteria": criteria_text(ruleset, b),
         "tiers": [{"name": tier(b, t), "need": t.need, "criteria": criteria_words(ruleset, b.spec.criteria, t.need),
                    "image": image_url(request, b, t.name)} for t in b.thresholds if t.name],
         "image": image_url(request, b), "holders": holders.get(b.id, 0), "secret": b.spec.secret}
        for b in ruleset.badges if visible(b, holders)
    ]


@router.get("/badges/{badge_id}/image.svg", auth=None, summary="A generated image of the badge (or of one tier)")
def badge_image(request, badge_id: str, tier: str | None = None):
    """Deterministic SVG, anonymous, cacheable; 404 for an unknown badge or tier, and for a secret badge nobody holds."""
    ruleset = _ruleset()
    badge = ruleset.badge(badge_id)
    if badge is None or not visible(badge, holder_counts([badge_id])):
        raise NotFound(f"no badge with id {badge_id!r}")
    if tier is not None and tier not in [t.name for t in badge.thresholds if t.name]:
        raise NotFound(f"badge {badge_id!r} has no tier {tier!r}")
    body = badge_svg(badge.spec.name, tier).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get("/people/{person_id}/badges", auth=auth.reader, response=list[ProgressOut])
def person_badges(request, person_id: str):
    """Earned steps with evidence; for the next step have/need and a sentence. Secret badges nobody holds are left out."""
    person = Person.objects.filter(key=person_id).first()
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    ruleset = _ruleset()
    # badge_progress counts every grant row; revoked ones are taken out here.
    return badge_progress(ruleset, person)


class GrantIn(BodyIn):
    badge: str
    tier: str | None = None
    reason: str = Field(min_length=1, max_length=500)


class RevokeIn(BodyIn):
    tier: str | None = None
    reason: str = Field(min_length=1, max_length=500)


class GrantOut(Schema):
    person: str
    badge: str
    tier: str | None
    manual: bool
    granted_by: str | None
    reason: str | None
    granted_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    revoked_by: str | None
    assertion: str


def grant_out(grant) -> dict:
    return {"person": grant.person.key, "badge": grant.badge_id, "tier": grant.tier_name or None, "manual": grant.manual,
            "granted_by": grant.granted_by or None, "reason": grant.reason or None, "granted_at": grant.granted_at,
            "revoked_at": grant.revoked_at, "revocation_reason": grant.revocation_reason or None,
            "revoked_by": grant.revoked_by or None, "assertion": openbadges.assertion_url(grant)}


@router.post("/people/{person_id}/badges", auth=auth.admin, response={201: GrantOut},
             summary="Grant a badge (or tier) by hand, with a reason")
def grant_badge(request, person_id: str, body: GrantIn):
    grant = do_grant_badge(person_key=person_id, badge_id=body.badge, tier=body.tier, reason=body.reason,
                           by=request.api_key.name)
    return Status(201, grant_out(grant))


@router.post("/people/{person_id}/badges/{badge_id}/revoke", auth=auth.admin, response=GrantOut,
             summary="Revoke a badge (or tier), with a reason; the grant is kept, marked revoked")
def revoke_badge(request, person_id: str, badge_id: str, body: RevokeIn):
    grant = do_revoke_badge(person_key=person_id, badge_id=badge_id, tier=body.tier, reason=body.reason,
                            by=request.api_key.name)
    return grant_out(grant)
