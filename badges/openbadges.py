"""Open Badges 2.0 hosted verification: the Issuer profile, BadgeClasses and Assertions as JSON-LD.

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
Every id is an absolute URL under settings.PUBLIC_BASE_URL, never the request's host: the URLs are
copied into baked images and backpacks, so they must not depend on how a request reached us.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.utils.text import slugify

from .words import criteria_words

CONTEXT = "https://w3id.org/openbadges/v2"


def _base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def issuer_url() -> str:
    return f"{_base()}/openbadges/issuer"


def badge_class_url(badge_id: str, tier_name: str | None = None) -> str:
    url = f"{_base()}/openbadges/badges/{badge_id}"
    return f"{url}/{slugify(tier_name)}" if tier_name else url


def assertion_url(grant) -> str:
    return f"{_base()}/openbadges/assertions/{grant.uuid}"


def issuer_profile() -> dict:
    return {
        "@context": CONTEXT, "type": "Profile", "id": issuer_url(),
        "name": settings.BADGE_ISSUER_NAME, "url": settings.BADGE_ISSUER_URL, "email": settings.BADGE_ISSUER_EMAIL,
    }


def tier_by_slug(badge, tier_slug: str):
    """The badge's threshold whose name slugifies to tier_slug, or None."""
    return next((t for t in badge.thresholds if t.name and slugify(t.name) == tier_slug), None)


def _image(badge, tier_name: str | None) -> str:
    given = badge.spec.image
    if given:
        return _base() + given if given.startswith("/") else given
    url = f"{_base()}/api/v1/badges/{badge.id}/image.svg"
    return url + "?" + urlencode({"tier": tier_name}) if tier_name else url


def badge_class(ruleset, badge, threshold=None) -> dict:
    """One BadgeClass per badge and per tier; a tiered badge's own URL describes its first tier."""
    threshold = threshold or badge.thresholds[0]
    tier_name = threshold.name if threshold.name else None
    words = criteria_words(ruleset, badge.spec.criteria, threshold.need)
    return {
        "@context": CONTEXT, "type": "BadgeClass", "id": badge_class_url(badge.id, tier_name),
        "name": f"{badge.spec.name} ({tier_name})" if tier_name else badge.spec.name,
        # description is required by the spec; a badge without one is described by its criteria.
        "description": (badge.spec.description or "").strip() or words,
        "image": _image(badge, tier_name),
        "criteria": {"narrative": words},
        "issuer": issuer_url(),
    }


def recipient_salt(grant) -> str:
    """A salt per assertion, derived from BADGE_SALT: the same person's assertions cannot be linked by hash."""
    return hmac.new(settings.BADGE_SALT.encode(), str(grant.uuid).encode(), hashlib.sha256).hexdigest()[:32]


def hashed_identity(identity: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def recipient(grant) -> dict:
    """The person id when it is an email (lower-cased), else a urn:plaudit:person: id; always hashed."""
    key = grant.person.key.strip()
    salt = recipient_salt(grant)
    if "@" in key:
        return {"type": "email", "hashed": True, "salt": salt, "identity": hashed_identity(key.lower(), salt)}
    # Not an email (a Slack id, an employee number): never publish it in the clear; a verifier who knows
    # the id can still check the hash. Backpacks that only accept email recipients will not import these.
    return {"type": "id", "hashed": True, "salt": salt, "identity": hashed_identity(f"urn:plaudit:person:{key}", salt)}


def _evidence(grant) -> dict:
    if grant.manual:
        narrative = f"Awarded by hand by {settings.BADGE_ISSUER_NAME}: {grant.reason}"
    elif grant.event_id:
        narrative = f"Earned by event {grant.event.source_id}"
    else:
        narrative = "Earned under the badge's criteria"
    return {"type": "Evidence", "narrative": narrative}


def assertion(grant) -> dict:
    """The hosted Assertion of a grant that is not revoked (see revoked_assertion for the others)."""
    return {
        "@context": CONTEXT, "type": "Assertion", "id": assertion_url(grant),
        "recipient": recipient(grant),
        "badge": badge_class_url(grant.badge_id, grant.tier_name or None),
        "verification": {"type": "hosted"},
        # When it was earned (the event's time), not when scoring ran: a backpack shows this date.
        "issuedOn": grant.earned_at.isoformat(),
        "evidence": _evidence(grant),
    }


def revoked_assertion(assertion_uuid, reason: str) -> dict:
    """What a revoked assertion's URL answers, with HTTP 410."""
    return {"@context": CONTEXT, "type": "Assertion", "id": f"{_base()}/openbadges/assertions/{assertion_uuid}",
            "revoked": True, "revocationReason": reason}
