"""Public Open Badges URLs (no API key): what verifiers and backpacks fetch. Mounted at /openbadges/."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_safe

from rulesets.active import active_ruleset

from . import openbadges
from .baking import bake_png, bake_svg
from .progress import holder_counts
from .models import BadgeAudit, BadgeGrant
from .progress import visible

LD_JSON = "application/ld+json"


def _ld(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), content_type=LD_JSON, status=status)
    # Verifiers and backpacks fetch these from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": message}, status=404)


@require_safe
def issuer(request):
    return _ld(openbadges.issuer_profile())


@require_safe
def badge_class(request, badge_id: str, tier_slug: str | None = None):
    ruleset, _ = active_ruleset()
    badge = ruleset.badge(badge_id) if ruleset else None
    if badge is None or not visible(badge, holder_counts([badge_id])):
        return _not_found(f"no badge with id {badge_id!r}")
    threshold = None
    if tier_slug is not None:
        threshold = openbadges.tier_by_slug(badge, tier_slug)
        if threshold is None:
            return _not_found(f"badge {badge_id!r} has no tier {tier_slug!r}")
    return _ld(openbadges.badge_class(ruleset, badge, threshold))


def grant_or_answer(uid):
    """(grant, None) for a live assertion, else (None, the 404 or 410 response)."""
    grant = BadgeGrant.objects.select_related("person", "event").filter(uuid=uid).first()
    if grant is not None and not grant.revoked:
        return grant, None
    if grant is not None:
        return None, _ld(openbadges.revoked_assertion(uid, grant.revocation_reason), status=410)
    # A grant revoked and then granted again has a new uuid; the old one stays revoked.
    audit = BadgeAudit.objects.filter(assertion=uid, action="revoke").order_by("-at", "-id").first()
    if audit is not None:
        return None, _ld(openbadges.revoked_assertion(uid, audit.reason), status=410)
    return None, _not_found(f"no assertion {uid}")


@require_safe
def assertion(request, uid):
    grant, answer = grant_or_answer(uid)
    return answer or _ld(openbadges.assertion(grant))


@require_safe
def assertion_svg(request, uid):
    grant, answer = grant_or_answer(uid)
    if answer:
        return answer
    body = bake_svg(grant.badge_name, grant.tier_name or None, openbadges.assertion(grant))
    response = HttpResponse(body.encode("utf-8"), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="{grant.badge_id}-{uid}.svg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def assertion_png(request, uid):
    grant, answer = grant_or_answer(uid)
    if answer:
        return answer
    response = HttpResponse(bake_png(grant.badge_name, grant.tier_name or None, openbadges.assertion(grant)),
                            content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{grant.badge_id}-{uid}.png"'
    return response


urlpatterns = [
    path("issuer", issuer, name="openbadges-issuer"),
    path("badges/<str:badge_id>", badge_class, name="openbadges-badge"),
    path("badges/<str:badge_id>/<slug:tier_slug>", badge_class, name="openbadges-badge-tier"),
    path("assertions/<uuid:uid>", assertion, name="openbadges-assertion"),
    path("assertions/<uuid:uid>.svg", assertion_svg, name="openbadges-assertion-svg"),
    path("assertions/<uuid:uid>.png", assertion_png, name="openbadges-assertion-png"),
]
