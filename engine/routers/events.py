"""POST /events (one event or a batch, synchronous or respond-async) and GET /events/{id}."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from base import auth
from base.accept import do_accept_events
from base.errors import ApiError, NotFound, read_limited_body
from base.gc_pause import gc_paused
from base.inbox import catch_up, do_receive_events
from base.key_scopes import check_sources
from base.models import Event

from .awards_out import AwardOut, award_rows, awards_out

router = Router(tags=["events"])


class EventStatusOut(Schema):
    id: str
    status: str  # accepted | duplicate | pending | scored
    awards: list[AwardOut] | None = None


class IngestOut(Schema):
    accepted: int
    duplicates: int
    scored: bool
    events: list[EventStatusOut]


class BatchReceivedOut(Schema):
    batch: int
    status: str  # received
    events: int
    status_url: str


EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": "#/components/schemas/EventIn"},
                      {"type": "array", "items": {"$ref": "#/components/schemas/EventIn"}, "minItems": 1, "maxItems": 1000}],
        }}},
    }
}


@router.post("", auth=auth.sender, response={200: IngestOut, 202: IngestOut | BatchReceivedOut},
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
        check_sources(request.api_key, raw)
        if respond_async:
            return _received_answer(do_receive_events(raw, _as_text(body, raw), request.api_key))
        result = do_accept_events(raw)
        if not wait:
            return _ingest_answer(result)
    return _scored_answer(result)


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


def _ingest_answer(result) -> HttpResponse:
    """The 202 of IngestOut, rendered as ninja renders it but without validating it against
    IngestOut: for 1,000 events that check of our own output cost more than validating the input
    (docs/benchmarks.md). tests/test_ingest_batch.py holds it to the schema."""
    events = [{"id": item["id"], "status": item["status"], "awards": None} for item in result.items]
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "scored": False, "events": events}
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=202, content_type="application/json; charset=utf-8")


def _received_answer(batch) -> HttpResponse:
    url = f"/api/v1/event-batches/{batch.pk}"
    body = {"batch": batch.pk, "status": batch.status, "events": batch.events, "status_url": url}
    answer = HttpResponse(json.dumps(body), status=202, content_type="application/json; charset=utf-8")
    answer["Location"] = url
    answer["Preference-Applied"] = "respond-async"
    return answer


def _scored_answer(result) -> Status:
    """wait=true: 200 with the awards once the worker has scored every event, else 202 with those so far."""
    ids = [item["id"] for item in result.items]
    scored = _wait_until_scored(ids, timeout=settings.INGEST_WAIT_SECONDS)
    awards: dict[str, list] = {i: [] for i in ids}
    for a in award_rows().filter(event__source_id__in=ids).order_by("id"):
        awards[a.event.source_id].append(a)
    events = [{"id": item["id"], "status": "scored" if scored and item["status"] == "accepted" else item["status"],
               "awards": awards_out(awards[item["id"]])} for item in result.items]
    return Status(200 if scored else 202, {"accepted": result.accepted, "duplicates": result.duplicates, "scored": scored, "events": events})


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


@router.get("/{path:event_id}", auth=auth.reader, response=EventOut)
def get_event(request, event_id: str):
    e = _event(event_id)
    return {
        "id": e.source_id, "seq": e.seq, "type": e.type, "status": e.status, "occurred_at": e.occurred_at,
        "received_at": e.received_at, "scored_at": e.scored_at, "actor": e.actor.key, "channel": e.channel or None,
        "program": e.program or None,
        "target": {"id": e.target_id, "author": e.target_author.key if e.target_author_id else None} if e.target_id else None,
        "text": e.text, "hashtags": e.hashtags, "mentions": e.mentions, "attributes": e.attributes,
        "note": e.scoring_note or None, "awards": awards_out(award_rows().filter(event=e).order_by("id")),
    }


def _event(event_id: str) -> Event:
    events = Event.objects.select_related("actor", "target_author").filter(source_id=event_id)
    e = events.first()
    if e is None and catch_up():  # it may be in a batch received with respond-async, not yet expanded
        e = events.first()
    if e is None:
        raise NotFound(f"no event with id {event_id!r}")
    return e
