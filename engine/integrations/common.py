"""What the chat adapters share: hand mapped events to ingest and answer in the API's JSON envelope."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from django.db import transaction
from django.http import JsonResponse

from base.errors import ApiError
from base.accept import do_accept_events
from base.models import Event

# A platform payload is a message, not a batch: 256 KB is far above any of them and keeps abuse cheap.
MAX_ADAPTER_BODY_BYTES = 256_000


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def json_object(body: bytes, what: str) -> dict:
    """The body as a JSON object, or an ApiError (400) that says which."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", f"{what} is a JSON object")
    return payload


def accept(events: list[dict]) -> dict:
    """Store the mapped events through ingest (validation, idempotency, scoring enqueued after commit)."""
    if not events:
        return {"accepted": 0, "duplicates": 0, "events": []}
    result = do_accept_events(events)
    return {"accepted": result.accepted, "duplicates": result.duplicates, "events": result.items}


def stored_author(event_id: str) -> str | None:
    """The author of an event we stored, so a comment or reaction credits the right person."""
    row = Event.objects.filter(source_id=event_id).select_related("actor").only("actor__key").first()
    return row.actor.key if row else None


def is_stored(event_id: str) -> bool:
    return Event.objects.filter(source_id=event_id).exists()


def utc_from_epoch(ts: str | float) -> str:
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).isoformat()


def atomic():
    # Aliases created while mapping and the events themselves commit together: a payload that
    # ingest refuses leaves nothing behind (not even the people it would have introduced).
    return transaction.atomic()


__all__ = ["ApiError", "MAX_ADAPTER_BODY_BYTES", "accept", "atomic", "error", "is_stored", "json_object", "stored_author",
           "utc_from_epoch"]
