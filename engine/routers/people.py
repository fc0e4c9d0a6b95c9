"""People: their profile, directory entry, awards; merging two into one; export and erasure (audited)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema
from pydantic import StrictBool

from badges.titles import do_set_title, title_of
from base import auth
from base.errors import Invalid, NotFound
from base.models import Person
from base.profile import do_update_profile
from base.schemas import BodyIn
from engine.people import do_update_person, person_summary

from ..integrations.identity import do_put_person
from ..integrations.slack_app.nudges import do_set_nudges, nudges_enabled
from ..merge import do_merge_people
from ..privacy import do_erase_person, do_export_person, is_erased
from .awards_out import AwardOut, award_rows, awards_out

router = Router(tags=["people"])


class LevelOut(Schema):
    name: str
    min_points: int


class NextLevelOut(LevelOut):
    points_needed: int
    progress: float  # 0..1: the way from the current level's min_points to this one's


class PersonBadgeOut(Schema):
    id: str
    name: str
    tier: str | None
    granted_at: datetime


class RankOut(Schema):
    board: str
    period: str
    scope: str | None
    rank: int
    points: int
    public: bool


class AliasOut(Schema):
    source: str
    id: str


class TitleOut(Schema):
    badge: str
    name: str  # the badge's name, with the best tier held: "Conversation Starter · Gold"


class PersonOut(Schema):
    id: str
    name: str
    team: str | None
    role: str | None
    public: bool
    aliases: list[AliasOut]
    points: int
    level: LevelOut | None
    next_level: NextLevelOut | None
    badges: list[PersonBadgeOut]
    ranks: list[RankOut]
    nudges: bool = Field(False, description="true: the person opted in to nudges (Slack direct messages asking them to take part)")
    title: TitleOut | None = Field(None, description="the badge the person chose to show beside their name, while they hold it")


def _person(person_id: str) -> Person:
    person = Person.objects.filter(key=person_id).first()
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    return person


def _shown_person(person_id: str) -> Person:
    """A person to read about: an erased person's anonymous row keeps the numbers for the totals
    and answers like an unknown id, so its team, points and dated awards are no one's profile."""
    person = _person(person_id)
    if is_erased(person):
        raise NotFound(f"no person with id {person_id!r}")
    return person


def _person_out(person_id: str) -> dict:
    person = _person(person_id)
    title = title_of(person)
    return {**person_summary(person), "nudges": nudges_enabled(person),
            "title": {"badge": person.title_badge, "name": title} if title else None}


@router.get("/{person_id}", auth=auth.reader, response=PersonOut)
def get_person(request, person_id: str):
    _shown_person(person_id)
    return _person_out(person_id)


class PersonPatch(BodyIn):
    public: StrictBool | None = None  # a JSON boolean: 0 or "no" is refused, not guessed at
    name: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=100, description="e.g. facilitator; boards can exclude roles; \"\" clears it")
    nudges: StrictBool | None = Field(None, description="true: opt the person in to nudges; false: stop them (the default)")
    title: str | None = Field(None, max_length=64, description="the id of a badge the person holds, shown as their title; \"\" shows none")


@router.patch("/{person_id}", auth=auth.admin, response=PersonOut)
def patch_person(request, person_id: str, patch: PersonPatch):
    person = _person(person_id)
    if patch.title is not None:  # first: a badge not held refuses the whole patch before anything changes
        do_set_title(person, patch.title)
    if patch.name is not None or patch.team is not None:
        do_update_profile(person, name=patch.name, team=patch.team)
    if patch.public is not None or patch.role is not None:
        do_update_person(person, public=patch.public, role=patch.role)
    if patch.nudges is not None:
        do_set_nudges(person, patch.nudges)
    return _person_out(person_id)


class AliasIn(BodyIn):
    source: str = Field(..., min_length=1, max_length=32, description="slack, teams, viva, lms, email...")
    id: str = Field(..., min_length=1, max_length=200)


class PersonPut(BodyIn):
    name: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=100)
    public: StrictBool | None = None
    email: str | None = Field(None, max_length=200)
    aliases: list[AliasIn] = Field(default_factory=list, max_length=50)


@router.put("/{person_id}", auth=auth.admin, response=PersonOut, summary="A people-directory entry")
def put_person(request, person_id: str, body: PersonPut):
    """Create or update a person and record the ids other sources know them by, so every source
    resolves to this one person. 409 when an alias already belongs to someone else."""
    if not 1 <= len(person_id) <= 200:
        raise Invalid("validation_error", "a person id is 1 to 200 characters")
    person = do_put_person(person_id, name=body.name, team=body.team, email=body.email,
                           aliases=[(a.source, a.id) for a in body.aliases])
    do_update_profile(person)  # a new person, or a new name: the cached display name goes either way
    if body.public is not None or body.role is not None:
        do_update_person(person, public=body.public, role=body.role)
    return _person_out(person_id)


class MergeIn(BodyIn):
    from_: str = Field(..., alias="from", min_length=1, max_length=200, description="the id of the person merged in and removed")


@router.post("/{person_id}/merge", auth=auth.admin, response=PersonOut,
             summary="Merge another person into this one: their history moves here")
def merge_person(request, person_id: str, body: MergeIn):
    """Events, mentions, awards, badges, progress, streaks, levels and aliases of `from` move to
    this person; points and boards are recounted from the ledger; `from` is removed."""
    do_merge_people(_person(body.from_), _person(person_id))
    return _person_out(person_id)


@router.get("/{person_id}/export", auth=auth.admin, response=dict,
            summary="Everything held about a person, as one JSON document (audited)")
def export_person(request, person_id: str):
    return do_export_person(_person(person_id), requested_by=request.api_key.name)


class ErasureOut(Schema):
    erased: bool
    report: dict


@router.delete("/{person_id}", auth=auth.admin, response=ErasureOut,
               summary="Erase a person: their data goes, anonymous aggregates stay (audited)")
def erase_person(request, person_id: str):
    """Their words, names, sign-in, aliases, board entries and notifications about them are
    erased; the ledger stays as an anonymous person's, so totals and engagement figures hold."""
    report = do_erase_person(_person(person_id), requested_by=request.api_key.name)
    return {"erased": True, "report": report.__dict__}


class AwardsPage(Schema):
    total: int
    awards: list[AwardOut]


@router.get("/{person_id}/awards", auth=auth.reader, response=AwardsPage)
def person_awards(request, person_id: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)):
    rows = award_rows().filter(recipient=_shown_person(person_id)).order_by("-event_id", "-id")
    return {"total": rows.count(), "awards": awards_out(rows[offset:offset + limit])}
