"""The kudos feed: newest first, filtered by receiver, giver or value, paged by an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from base.errors import Invalid
from base.models import events_mentioning, stored_time
from rules.core.checks import value_key

from .allowance import live_kudos

MAX_LIMIT = 100


def feed(*, to: str | None = None, from_: str | None = None, value: str | None = None, limit: int = 20,
         cursor: str | None = None) -> tuple[list[dict], str | None]:
    """Kudos given and not undone, newest `occurred_at` first, and the cursor of the next page (None
    at the end). Items: {"event", "from", "to", "message", "values", "channel", "occurred_at"}."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid("validation_error", f"limit is a number from 1 to {MAX_LIMIT}", [{"path": "limit", "message": "1 to 100"}])
    rows = live_kudos()
    if from_:
        rows = rows.filter(actor__key=from_)
    # Mentions and hashtags are JSON lists, whose text holds each item as a quoted string on SQLite
    # and PostgreSQL alike (JSON containment is not portable).
    if to:
        rows = events_mentioning(to, rows)
    if value:
        # Hashtags sent to POST /events keep the case they were sent in: compared in any case.
        key = value_key(value)
        rows = rows.annotate(hashtags_text=Cast("hashtags", TextField())).filter(
            Q(hashtags_text__icontains=json.dumps(key)) | Q(hashtags_text__icontains=json.dumps(key, ensure_ascii=False)))
    if cursor:
        when, seq = _decode(cursor)
        rows = rows.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, seq__lt=seq))
    page = list(rows.order_by("-occurred_at", "-seq").values(
        "seq", "source_id", "actor__key", "mentions", "text", "hashtags", "channel", "occurred_at")[:limit + 1])
    items = [_item(row) for row in page[:limit]]
    more = len(page) > limit
    return items, (_encode(page[limit - 1]) if more else None)


def _item(row: dict) -> dict:
    return {"event": row["source_id"], "from": row["actor__key"], "to": list(row["mentions"] or []),
            "message": row["text"], "values": [value_key(t) for t in row["hashtags"] or []],
            "channel": row["channel"] or None, "occurred_at": stored_time(row["occurred_at"])}


def _encode(row: dict) -> str:
    raw = json.dumps([stored_time(row["occurred_at"]).isoformat(), row["seq"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    bad = Invalid("invalid_cursor", "cursor is not one this feed gave; start again without it, then pass next_cursor",
                  [{"path": "cursor", "message": "pass next_cursor as it was given"}])
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise bad
    try:
        when, seq = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(when)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if moment.tzinfo is None or not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2 ** 63:
        raise bad
    return moment, seq
