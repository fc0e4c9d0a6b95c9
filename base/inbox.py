"""Batches sent with `Prefer: respond-async`: kept whole when received, stored as events later.

A synchronous `POST /events` answers for every event: accepted, a duplicate, or a conflict that
refuses the batch. Finding that out and storing a thousand rows with their indexes costs several
times what validating them does (the `http-ingest` rows of docs/benchmarks.md). A sender that does not need
the answer per event (a bulk import, a channel that must acknowledge within a second or two)
asks for `respond-async`: the request validates the events as a synchronous one would, commits
the body as one row, and answers 202 with the batch's id. Nothing accepted is lost: the row is
committed before the answer.

Expanding a batch runs exactly what a synchronous request runs on the same body, in the same
all-or-nothing way, and records the outcome on the batch (`GET /event-batches/{id}`). Batches
are expanded oldest first, each in its own transaction, so events keep the order in which their
batches were received. Expansion happens in the scoring worker before it scores, and first
thing in a request that writes the event log or reads an event not found there yet, so an event
whose batch was answered is never missing from an answer that needs it.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone

from .errors import ApiError
from .gc_pause import gc_paused
from .ingest import check_events, store_events, validate_events
from .models import ApiKey, EventBatch
from .scoring_queue import enqueue_scoring

log = logging.getLogger(__name__)

# How long an expanded batch's outcome stays readable. A refused batch keeps its body as long.
KEEP_EXPANDED = timedelta(days=7)


def do_receive_events(raw: Any, body: str, sender: ApiKey | None) -> EventBatch:
    """Check the events as a synchronous request would, then keep the body as sent for expansion."""
    events, _single = check_events(raw)
    batch = EventBatch.objects.create(sender=sender, body=body, events=len(events))
    transaction.on_commit(enqueue_scoring)  # the scoring job expands the inbox before it scores
    return batch


def has_received() -> bool:
    return EventBatch.objects.filter(status=EventBatch.RECEIVED).exists()


def drain_inbox() -> int:
    """Expand every received batch, oldest first; returns how many were expanded."""
    expanded = 0
    # On PostgreSQL a drain that waited for another's row lock finds that row expanded and no
    # row at all (the locked row is checked again, not replaced): look again while any is left.
    while True:
        if _expand_oldest():
            expanded += 1
        elif not has_received():
            break
    if expanded:
        EventBatch.objects.filter(expanded_at__lt=timezone.now() - KEEP_EXPANDED).delete()
    return expanded


def catch_up() -> int:
    """drain_inbox() for callers that go on either way (ingest, scoring, event reads): a database
    error leaves the batches received, to be expanded on the next call, and is logged, not raised."""
    if not has_received():
        return 0
    try:
        return drain_inbox()
    except DatabaseError as exc:
        log.warning("could not expand received event batches yet: %s", exc)
        return 0


def why_not_retryable(batch: EventBatch) -> str | None:
    """None for a refused batch whose body is still kept (erasure empties bodies that name the
    person); otherwise why it cannot be retried."""
    if batch.status == EventBatch.REFUSED and batch.body != "":
        return None
    return (f"event batch {batch.pk} is {batch.status}" + (" and keeps no body" if batch.body == "" else "")
            + "; only a refused batch that still has its body can be retried")


def do_retry(batch_id: int) -> tuple[EventBatch | None, str | None]:
    """Put a refused batch back in line, for one set aside by a bug of ours once that is fixed, or
    one refused for a conflict an admin has since resolved. Batches are expanded oldest first, so it
    goes before any batch received after it; its events are stored after every event stored so far.
    Returns the batch (None when there is none) and why it could not be retried (None when it was)."""
    with transaction.atomic():
        batch = EventBatch.objects.select_for_update().filter(pk=batch_id).first() if 0 < batch_id < 2 ** 63 else None
        if batch is None:
            return None, None
        problem = why_not_retryable(batch)
        if problem is None:
            batch.status, batch.error, batch.expanded_at = EventBatch.RECEIVED, None, None
            batch.save(update_fields=["status", "error", "expanded_at"])
            transaction.on_commit(enqueue_scoring)
        return batch, problem


def _expand_oldest() -> bool:
    with gc_paused(), transaction.atomic():
        # The row's lock (PostgreSQL; on SQLite the transaction's write lock) makes concurrent
        # drains take batches one after the other: the second finds this one expanded.
        batch = (EventBatch.objects.select_for_update().filter(status=EventBatch.RECEIVED)
                 .order_by("id").first())
        if batch is None:
            return False
        try:
            result = store_events(validate_events(json.loads(batch.body)))
        except ApiError as exc:
            # What a synchronous request would have answered (a conflict, an undo of nothing);
            # the body stays, so nothing the sender was told we received is gone.
            batch.status, batch.error = EventBatch.REFUSED, exc.body()
            log.warning("event batch %s refused at expansion: %s", batch.pk, exc.message)
        except (DataError, IntegrityError) as exc:
            # A value the database refuses, or a key it finds taken after every retry: the batch's
            # own trouble, which no later drain mends. Set aside with the reason, body kept, so the
            # batches behind it are expanded.
            log.warning("event batch %s could not be stored: %s", batch.pk, exc)
            batch.status = EventBatch.REFUSED
            batch.error = {"error": "unstorable", "message": "the database refused to store the batch's events "
                           f"({type(exc).__name__}: {_first_line(exc)}); it is kept as sent: fix the events and send "
                           "them again, or report this to the Plaudit operators"}
        except DatabaseError:
            raise  # the database's trouble (unreachable, locked), not the batch's: it stays received, for the next drain
        except Exception as exc:
            # A bug of ours must not hold every later batch back: this one is set aside, body kept.
            log.exception("event batch %s could not be expanded", batch.pk)
            batch.status = EventBatch.REFUSED
            batch.error = {"error": "expansion_failed", "message": f"the batch could not be stored ({type(exc).__name__}); "
                           "it is kept as sent: report this to the Plaudit operators"}
        else:
            batch.status, batch.body = EventBatch.STORED, ""
            batch.accepted = result.accepted
            batch.duplicate_ids = [item["id"] for item in result.items if item["status"] == "duplicate"]
        batch.expanded_at = timezone.now()
        batch.save(update_fields=["status", "body", "accepted", "duplicate_ids", "error", "expanded_at"])
    return True



def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]
