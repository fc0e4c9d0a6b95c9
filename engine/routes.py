"""Events, people and health: schema in, one action, schema out."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from base.schemas import BodyIn, IsoDate
from ninja import Field, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder
from pydantic import StrictBool

from badges.models import BadgeGrant
from base.names import forget as forget_names
from engine.people import do_update_person
from leaderboards.reads import person_standings
from rulesets.active import active_ruleset

from base import auth
from base.gc_pause import gc_paused
from base.errors import ApiError, NotFound, read_limited_body
from base.levels import level_progress
from base.inbox import catch_up, do_receive_events, do_retry
from base.accept import do_accept_events
from base.models import Award, Event, EventBatch, Person
from base.redis import get_redis

router = Router(tags=["events, people and health"])


class AwardOut(Schema):
    event: str
    rule: str
    person: str
    points: int
    capped: bool
    reverses: str | None = None
    occurred_at: datetime


class EventStatusOut(Schema):
    id: str
    status: str  # accepted | duplicate | pending | scored
    awards: list[AwardOut] | None = None


class IngestOut(Schema):
    accepted: int
    duplicates: int
    scored: bool
    events: list[EventStatusOut]


def _award_out(rows) -> list[dict]:
    return [
        {"event": a.event.source_id, "rule": a.rule_id, "person": a.recipient.key, "points": a.points,
         "capped": a.capped, "reverses": a.reverses_event.source_id if a.reverses_event_id else None,
         "occurred_at": a.occurred_at}
        for a in rows
    ]


def _read_body(request: HttpRequest) -> bytes:
    return read_limited_body(request, settings.MAX_EVENTS_BODY_BYTES, "a request to /events (1 MB)")


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "the body nests JSON too deeply") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": "#/components/schemas/EventIn"},
                      {"type": "array", "items": {"$ref": "#/components/schemas/EventIn"}, "minItems": 1, "maxItems": 1000}],
        }}},
    }
}


class BatchReceivedOut(Schema):
    batch: int
    status: str  # received
    events: int
    status_url: str


@router.post("/events", auth=auth.sender, response={200: IngestOut, 202: IngestOut | BatchReceivedOut},
             openapi_extra=EVENTS_BODY, summary="Send one event or a batch of up to 1,000")
def post_events(request, wait: bool = False):
    """Validated as a whole: every problem is listed with the item's index, and nothing is stored
    unless everything is valid. Duplicates (same id, same content) are acknowledged, never rescored.

    With `Prefer: respond-async` the events are validated the same way but stored after the
    answer: 202 with the batch's id, and `GET /event-batches/{id}` tells what became of them."""
    respond_async = _prefers_async(request.headers.get("Prefer", ""))
    if respond_async and wait:
        raise ApiError(400, "conflicting_options", "wait=true waits for scoring and Prefer: respond-async asks not to "
                       "wait even for storing: send one or the other")
    # The body's objects, the batch's and the answer's live until the answer is sent: collections
    # in between would only find them alive (docs/benchmarks.md). Not while waiting for scoring.
    with gc_paused():
        body = _read_body(request)
        raw = _parse_json(body)
        if respond_async:
            return _received_answer(do_receive_events(raw, _as_text(body, raw), request.api_key))
        result = do_accept_events(raw)
        if not wait:
            return _ingest_answer(result)
    ids = [item["id"] for item in result.items]
    scored = _wait_until_scored(ids, timeout=settings.INGEST_WAIT_SECONDS)
    awards: dict[str, list] = {i: [] for i in ids}
    for a in Award.objects.filter(event__source_id__in=ids).select_related("event", "recipient", "reverses_event").order_by("id"):
        awards[a.event.source_id].append(a)
    events = [{"id": item["id"], "status": "scored" if scored and item["status"] == "accepted" else item["status"],
               "awards": _award_out(awards[item["id"]])} for item in result.items]
    return Status(200 if scored else 202, {"accepted": result.accepted, "duplicates": result.duplicates, "scored": scored, "events": events})


def _ingest_answer(result) -> HttpResponse:
    """The 202 of IngestOut, rendered as ninja renders it but without validating it against
    IngestOut: for 1,000 events that check of our own output cost more than validating the input
    (docs/benchmarks.md). tests/test_ingest_batch.py holds it to the schema."""
    events = [{"id": item["id"], "status": item["status"], "awards": None} for item in result.items]
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "scored": False, "events": events}
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=202, content_type="application/json; charset=utf-8")


def _as_text(body: bytes, parsed: Any) -> str:
    """The body to keep as text: as sent when it is UTF-8 (the usual case, and the cheapest), else
    written again, all ASCII, from what was parsed (json.loads also reads UTF-16 and UTF-32)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return json.dumps(parsed)
    # A NUL byte outside JSON's strings means the parser took the bytes for UTF-16 or UTF-32.
    return text if "\x00" not in text else json.dumps(parsed)


def _prefers_async(prefer: str) -> bool:
    """RFC 7240: preferences are comma-separated, their names case-insensitive, maybe with a value
    or parameters (`respond-async, wait=10`); an unknown preference is ignored."""
    return any(item.split(";")[0].split("=")[0].strip().lower() == "respond-async" for item in prefer.split(","))


def _received_answer(batch) -> HttpResponse:
    url = f"/api/v1/event-batches/{batch.pk}"
    body = {"batch": batch.pk, "status": batch.status, "events": batch.events, "status_url": url}
    answer = HttpResponse(json.dumps(body), status=202, content_type="application/json; charset=utf-8")
    answer["Location"] = url
    answer["Preference-Applied"] = "respond-async"
    return answer


def _wait_until_scored(ids: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if not Event.objects.filter(source_id__in=ids, scored_at__isnull=True).exists():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


class EventOut(Schema):
    id: str
    seq: int
    type: str
    status: str
    occurred_at: datetime
    received_at: datetime
    scored_at: datetime | None
    actor: str
    channel: str | None
    program: str | None
    target: dict | None
    text: str
    hashtags: list[str]
    mentions: list[str]
    attributes: dict
    note: str | None
    awards: list[AwardOut]


@router.get("/events/{path:event_id}", auth=auth.reader, response=EventOut)
def get_event(request, event_id: str):
    events = Event.objects.select_related("actor", "target_author").filter(source_id=event_id)
    e = events.first()
    if e is None and catch_up():  # it may be in a batch received with respond-async, not yet expanded
        e = events.first()
    if e is None:
        raise NotFound(f"no event with id {event_id!r}")
    rows = Award.objects.filter(event=e).select_related("event", "recipient", "reverses_event").order_by("id")
    return {
        "id": e.source_id, "seq": e.seq, "type": e.type, "status": e.status, "occurred_at": e.occurred_at,
        "received_at": e.received_at, "scored_at": e.scored_at, "actor": e.actor.key, "channel": e.channel or None,
        "program": e.program or None,
        "target": {"id": e.target_id, "author": e.target_author.key if e.target_author_id else None} if e.target_id else None,
        "text": e.text, "hashtags": e.hashtags, "mentions": e.mentions, "attributes": e.attributes,
        "note": e.scoring_note or None, "awards": _award_out(rows),
    }


class EventBatchOut(Schema):
    id: int
    status: str  # received | stored | refused
    events: int
    received_at: datetime
    expanded_at: datetime | None
    accepted: int | None
    duplicates: list[str]
    error: dict | None


@router.get("/event-batches/{batch_id}", auth=auth.KeyAuth(auth.SENDERS | auth.READERS), response=EventBatchOut,
            summary="What became of a batch sent with Prefer: respond-async")
def get_event_batch(request, batch_id: int):
    """`stored`: its events are in the log (`accepted` new ones, the ids of `duplicates`);
    `refused`: nothing was stored, and `error` is what a synchronous request would have answered.
    An integration key sees the batches it sent; readers and admins see all."""
    batches = EventBatch.objects.all()
    if request.api_key.role not in auth.READERS:
        batches = batches.filter(sender=request.api_key)
    batch = batches.filter(pk=batch_id).first() if 0 < batch_id < 2 ** 63 else None
    if batch is not None and batch.status == EventBatch.RECEIVED and catch_up():
        batch.refresh_from_db()
    if batch is None:
        raise NotFound(f"no event batch {batch_id}")
    return _event_batch_out(batch)


@router.post("/event-batches/{batch_id}/retry", auth=auth.KeyAuth(auth.ADMINS), response={202: EventBatchOut},
             summary="Put a refused batch back in line")
def retry_event_batch(request, batch_id: int):
    """For a batch set aside by a bug of ours once it is fixed, or refused for a conflict resolved
    since: it is expanded again, before any batch received after it. 409 for a batch that is not
    refused, or whose body an erasure emptied."""
    batch, problem = do_retry(batch_id)
    if batch is None:
        raise NotFound(f"no event batch {batch_id}")
    if problem:
        raise ApiError(409, "not_retryable", problem)
    return Status(202, _event_batch_out(batch))


def _event_batch_out(batch: EventBatch) -> dict:
    return {"id": batch.pk, "status": batch.status, "events": batch.events, "received_at": batch.received_at,
            "expanded_at": batch.expanded_at, "accepted": batch.accepted, "duplicates": batch.duplicate_ids,
            "error": batch.error}


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


def _person(person_id: str) -> Person:
    person = Person.objects.filter(key=person_id).first()
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    return person


@router.get("/people/{person_id}", auth=auth.reader, response=PersonOut)
def get_person(request, person_id: str):
    person = _person(person_id)
    ruleset, _ = active_ruleset()
    level = ruleset.level_for(person.points) if ruleset else None
    upcoming = ruleset.next_level(person.points) if ruleset else None
    grants = BadgeGrant.objects.filter(person=person, revoked_at__isnull=True).order_by("granted_at", "id")
    return {
        "id": person.key, "name": person.display_name, "team": person.team or None, "role": person.role or None,
        "public": person.public,
        "aliases": [{"source": a.source, "id": a.external_id} for a in person.aliases.order_by("source", "external_id")],
        "points": person.points,
        "level": {"name": level.name, "min_points": level.min_points} if level else None,
        "next_level": {"name": upcoming.name, "min_points": upcoming.min_points,
                       "points_needed": upcoming.min_points - person.points,
                       "progress": level_progress(person.points, level, upcoming)} if upcoming else None,
        "badges": [{"id": g.badge_id, "name": g.badge_name, "tier": g.tier_name or None, "granted_at": g.granted_at} for g in grants],
        "ranks": person_standings(get_redis(), ruleset, person) if ruleset else [],
    }


class PersonPatch(BodyIn):
    public: StrictBool | None = None  # a JSON boolean: 0 or "no" is refused, not guessed at
    name: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=100, description="e.g. facilitator; boards can exclude roles; \"\" clears it")


@router.patch("/people/{person_id}", auth=auth.admin, response=PersonOut)
def patch_person(request, person_id: str, patch: PersonPatch):
    person = _person(person_id)
    if patch.name is not None or patch.team is not None:
        Person.objects.filter(pk=person.pk).update(
            name=patch.name if patch.name is not None else person.name,
            team=patch.team if patch.team is not None else person.team,
        )
        forget_names(get_redis(), [person.key])
    if patch.public is not None or patch.role is not None:
        do_update_person(person, public=patch.public, role=patch.role)
    return get_person(request, person_id)


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


@router.put("/people/{person_id}", auth=auth.admin, response=PersonOut, summary="A people-directory entry")
def put_person(request, person_id: str, body: PersonPut):
    """Create or update a person and record the ids other sources know them by, so every source
    resolves to this one person. 409 when an alias already belongs to someone else."""
    from .integrations.identity import do_put_person

    if not 1 <= len(person_id) <= 200:
        raise ApiError(422, "validation_error", "a person id is 1 to 200 characters")
    person = do_put_person(person_id, name=body.name, team=body.team, email=body.email,
                           aliases=[(a.source, a.id) for a in body.aliases])
    forget_names(get_redis(), [person.key])
    if body.public is not None or body.role is not None:
        do_update_person(person, public=body.public, role=body.role)
    return get_person(request, person_id)


class AwardsPage(Schema):
    total: int
    awards: list[AwardOut]


class MergeIn(BodyIn):
    from_: str = Field(..., alias="from", min_length=1, max_length=200, description="the id of the person merged in and removed")


@router.post("/people/{person_id}/merge", auth=auth.admin, response=PersonOut,
             summary="Merge another person into this one: their history moves here")
def merge_person(request, person_id: str, body: MergeIn):
    """Events, mentions, awards, badges, progress, streaks, levels and aliases of `from` move to
    this person; points and boards are recounted from the ledger; `from` is removed."""
    from .merge import do_merge_people

    do_merge_people(_person(body.from_), _person(person_id))
    return get_person(request, person_id)


@router.get("/people/{person_id}/export", auth=auth.admin, response=dict,
            summary="Everything held about a person, as one JSON document (audited)")
def export_person(request, person_id: str):
    from .privacy import export_person as build_export, record_export

    person = _person(person_id)
    document = build_export(person)
    record_export(person, requested_by=request.api_key.name)
    return document


class ErasureOut(Schema):
    erased: bool
    report: dict


@router.delete("/people/{person_id}", auth=auth.admin, response=ErasureOut,
               summary="Erase a person: their data goes, anonymous aggregates stay (audited)")
def erase_person(request, person_id: str):
    """Their words, names, sign-in, aliases, board entries and notifications about them are
    erased; the ledger stays as an anonymous person's, so totals and engagement figures hold."""
    from .privacy import erase_person as erase

    report = erase(_person(person_id), requested_by=request.api_key.name)
    return {"erased": True, "report": report.__dict__}


@router.get("/people/{person_id}/awards", auth=auth.reader, response=AwardsPage)
def person_awards(request, person_id: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)):
    person = _person(person_id)
    rows = Award.objects.filter(recipient=person).select_related("event", "recipient", "reverses_event").order_by("-event_id", "-id")
    return {"total": rows.count(), "awards": _award_out(rows[offset:offset + limit])}


@router.get("/healthz", auth=None, response={200: dict, 503: dict})
def healthz(request):
    """200 when the database and Redis answer; `workers` counts live RQ workers (0 means scoring waits)."""
    state: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means: not healthy
        state["database"] = {"ok": False, "error": str(exc)[:200]}
    try:
        from rq import Worker

        r = get_redis()
        r.ping()
        workers = Worker.all(connection=r)
        state["redis"] = {"ok": True}
        state["workers"] = {"ok": bool(workers), "count": len(workers)}
    except Exception as exc:
        state["redis"] = {"ok": False, "error": str(exc)[:200]}
        state["workers"] = {"ok": False, "count": 0}
    try:
        state["pending_events"] = Event.objects.filter(scored_at__isnull=True).count()
        state["received_batches"] = EventBatch.objects.filter(status=EventBatch.RECEIVED).count()
    except Exception:
        state["pending_events"] = state["received_batches"] = None
    healthy = state["database"]["ok"] and state["redis"]["ok"]
    state["status"] = "ok" if healthy and state["workers"]["ok"] else ("degraded" if healthy else "down")
    return Status(200 if healthy else 503, state)


class RecomputeOut(Schema):
    job: str
    status: str  # queued | started | finished | failed
    result: dict | None = None
    error: str | None = None


def _job_out(job) -> dict:
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    result = job.return_value() if status == "finished" else None
    error = None
    if status == "failed":
        latest = job.latest_result()
        error = (latest.exc_string or "").strip().splitlines()[-1][:300] if latest and latest.exc_string else "failed"
    return {"job": job.id, "status": status, "result": result, "error": error}


@router.post("/recompute", auth=auth.admin, response={202: RecomputeOut}, summary="Rescore the event log under the active ruleset")
def recompute(request, since: IsoDate | None = None):
    """Runs on the worker's scoring queue; poll GET /recompute/{job}. Points, badges, levels and boards
    are replaced in one swap when it finishes; running it twice gives the same result. `since` (a date,
    midnight in the ruleset's timezone) rescores only the events that occurred from then on."""
    from rules.core.periods import midnight

    from .jobs import enqueue_recompute

    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise ApiError(409, "no_ruleset", "no ruleset is active; activate one before recomputing")
    start = midnight(since, ruleset.tz).isoformat() if since else None
    return Status(202, _job_out(enqueue_recompute(start)))


@router.get("/recompute/{job_id}", auth=auth.admin, response=RecomputeOut)
def recompute_status(request, job_id: str):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not even shaped like a job id
        raise NotFound(f"no recompute job {job_id!r} (results are kept for 7 days)") from None
    return _job_out(job)
