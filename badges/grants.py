"""Manual awards and revocation by an admin, audited.

Scoring gives step N of a badge when a person has N grant rows for it (revoked ones included). So a
manual grant must be the next step in order, and a revoked step keeps its row: scoring never gives it
back on its own, only an admin can, by granting it again (which reinstates the row under a new
assertion id; the old one keeps answering 410).
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from base.errors import ApiError, NotFound
from base.ledger import bump_facts_epoch
from base.models import Person
from rulesets.active import active_ruleset

from .listeners import manual_grant_made
from .models import BadgeAudit, BadgeGrant
from .progress import window


def _ruleset():
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise ApiError(409, "no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset first")
    return ruleset


def _person(person_key: str) -> Person:
    person = Person.objects.filter(key=person_key).first()
    if person is None:
        raise NotFound(f"no person with id {person_key!r}")
    return person


def _step(badge, tier: str | None) -> tuple[int, str]:
    """(step, tier name) of a badge's tier; a tiered badge needs the tier named, an untiered one none."""
    named = [t for t in badge.thresholds if t.name]
    if not named:
        if tier is not None:
            raise NotFound(f"badge {badge.id!r} has no tiers, so no tier {tier!r}")
        return 0, ""
    if tier is None:
        raise ApiError(400, "tier_required", f"badge {badge.id!r} has tiers; name one of: {', '.join(t.name for t in named)}")
    for threshold in named:
        if threshold.name == tier:
            return threshold.tier or 0, threshold.name
    raise NotFound(f"badge {badge.id!r} has no tier {tier!r}")


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ApiError(400, "reason_required", "give a reason (1 to 500 characters); it is kept in the audit trail")
    return text[:500]


def do_grant_badge(*, person_key: str, badge_id: str, tier: str | None, reason: str, by: str) -> BadgeGrant:
    """Grant a badge (or tier) by hand. 404 unknown person/badge/tier; 409 held already or out of tier order."""
    reason = _clean_reason(reason)
    ruleset = _ruleset()
    person = _person(person_key)
    badge = ruleset.badge(badge_id)
    if badge is None:
        raise NotFound(f"no badge with id {badge_id!r}")
    step, tier_name = _step(badge, tier)
    what = f"{badge_id!r}" + (f" ({tier_name})" if tier_name else "")
    available = window(badge, ruleset, timezone.now())
    if available is not None and not available["open"]:
        raise ApiError(409, "not_available", f"{badge_id!r} can only be earned from {available['opens_at']} "
                       f"until {available['closes_at']}; it cannot be granted now")
    try:
        with transaction.atomic():
            # Scoring takes the next step from the steps held: every scorer reads this person's again. First,
            # as the scorer takes its lock first: a scorer granting this step meanwhile is waited for, not
            # deadlocked with.
            bump_facts_epoch()
            rows = {g.step: g for g in BadgeGrant.objects.select_for_update().filter(person=person, badge_id=badge_id)}
            grant = rows.get(step)
            if grant is not None and not grant.revoked:
                raise ApiError(409, "already_held", f"{person_key!r} already holds {what}")
            if grant is None and step != len(rows):
                # Scoring takes the row count as the next step; a gap would make it grant a held step again.
                upcoming = next((t.name for t in badge.thresholds if (t.tier or 0) == len(rows)), None)
                raise ApiError(409, "tier_out_of_order",
                               f"tiers are granted in order; {person_key!r} can be granted {upcoming!r} of {badge_id!r} next")
            now = timezone.now()
            if grant is None:
                grant = BadgeGrant.objects.create(person=person, badge_id=badge_id, badge_name=badge.spec.name, step=step,
                                                  tier_name=tier_name, manual=True, granted_by=by, reason=reason)
            else:  # reinstate a revoked step under a new assertion id
                grant.uuid, grant.granted_at, grant.event = uuid.uuid4(), now, None
                grant.manual, grant.granted_by, grant.reason = True, by, reason
                grant.revoked_at, grant.revocation_reason, grant.revoked_by = None, "", ""
                grant.badge_name = badge.spec.name
                grant.save()
            BadgeAudit.objects.create(action="grant", person=person, badge_id=badge_id, step=step, tier_name=tier_name,
                                      assertion=grant.uuid, reason=reason, by=by)
            manual_grant_made(ruleset, grant)  # in this transaction: announced once it commits
    except IntegrityError:  # scoring granted it in between
        raise ApiError(409, "already_held", f"{person_key!r} already holds {what}") from None
    return grant


def do_revoke_badge(*, person_key: str, badge_id: str, tier: str | None, reason: str, by: str) -> BadgeGrant:
    """Revoke a held badge (or tier); the row stays. 404 unknown person/tier; 409 not held or revoked already."""
    reason = _clean_reason(reason)
    person = _person(person_key)
    ruleset, _ = active_ruleset()
    badge = ruleset.badge(badge_id) if ruleset else None
    with transaction.atomic():
        rows = {g.step: g for g in BadgeGrant.objects.select_for_update().filter(person=person, badge_id=badge_id)}
        if badge is not None:
            step, _ = _step(badge, tier)
        else:  # a badge the active ruleset dropped can still be revoked, by its granted tier name
            matches = [s for s, g in rows.items() if (g.tier_name or None) == tier]
            if not matches:
                raise NotFound(f"no badge with id {badge_id!r}" + (f" and tier {tier!r}" if tier else ""))
            step = matches[0]
        grant = rows.get(step)
        what = f"{badge_id!r}" + (f" ({tier})" if tier else "")
        if grant is None:
            raise ApiError(409, "not_held", f"{person_key!r} does not hold {what}")
        if grant.revoked:
            raise ApiError(409, "already_revoked", f"{what} of {person_key!r} was revoked already")
        grant.revoked_at, grant.revocation_reason, grant.revoked_by = timezone.now(), reason, by
        grant.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
        BadgeAudit.objects.create(action="revoke", person=person, badge_id=badge_id, step=step, tier_name=grant.tier_name,
                                  assertion=grant.uuid, reason=reason, by=by)
    return grant
