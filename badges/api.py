from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from ninja import Router, Schema

from engine import auth
from engine.errors import ApiError, NotFound
from engine.models import Person
from rules.active import active_ruleset

from .models import BadgeGrant
from .progress import badge_progress

router = Router(tags=["badges"])


class TierOut(Schema):
    name: str
    need: int


class BadgeOut(Schema):
    id: str
    name: str
    description: str | None
    criteria: str
    tiers: list[TierOut]
    holders: int


class EarnedOut(Schema):
    tier: str | None
    granted_at: datetime
    event: str | None


class ProgressOut(Schema):
    id: str
    name: str
    earned: list[EarnedOut]
    next_tier: str | None
    have: int
    need: int | None
    complete: bool


def _ruleset():
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise ApiError(409, "no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset first")
    return ruleset


def criteria_text(badge) -> str:
    c = badge.spec.criteria
    if c.rule:
        return f"awards from rule {c.rule}"
    if c.points is not None:
        return "all-time points"
    if getattr(c, "streak", None):
        return f"length of streak {c.streak}"
    return "qualifying events"


@router.get("/badges", auth=auth.reader, response=list[BadgeOut])
def list_badges(request):
    ruleset = _ruleset()
    holders = dict(BadgeGrant.objects.filter(step=0).values("badge_id").annotate(n=Count("person", distinct=True))
                   .values_list("badge_id", "n"))
    return [
        {"id": b.id, "name": b.spec.name, "description": b.spec.description, "criteria": criteria_text(b),
         "tiers": [{"name": t.name, "need": t.need} for t in b.thresholds if t.name], "holders": holders.get(b.id, 0)}
        for b in ruleset.badges
    ]


@router.get("/people/{person_id}/badges", auth=auth.reader, response=list[ProgressOut])
def person_badges(request, person_id: str):
    person = Person.objects.filter(key=person_id).first()
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    return badge_progress(_ruleset(), person)
