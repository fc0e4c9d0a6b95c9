"""Batches sent with Prefer: respond-async: what became of one, and a refused one put back in line."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from base import auth
from base.errors import Conflict, NotFound
from base.inbox import catch_up, do_retry
from base.models import EventBatch

router = Router(tags=["event batches"])


class EventBatchOut(Schema):
    id: int
    status: str  # received | stored | refused
    events: int
    received_at: datetime
    expanded_at: datetime | None
    accepted: int | None
    duplicates: list[str]
    error: dict | None


@router.get("/{batch_id}", auth=auth.KeyAuth(auth.SENDERS | auth.READERS), response=EventBatchOut,
            summary="What became of a batch sent with Prefer: respond-async")
def get_event_batch(request, batch_id: int):
    """`stored`: its events are in the log (`accepted` new ones, the ids of `duplicates`);
    `refused`: nothing was stored, and `error` is what a synchronous request would have answered.
    An integration key sees the batches it sent; readers and admins see all."""
    return _event_batch_out(_batch_seen_by(request.api_key, batch_id))


@router.post("/{batch_id}/retry", auth=auth.KeyAuth(auth.ADMINS), response={202: EventBatchOut},
             summary="Put a refused batch back in line")
def retry_event_batch(request, batch_id: int):
    """For a batch set aside by a bug of ours once it is fixed, or refused for a conflict resolved
    since: it is expanded again, before any batch received after it. 409 for a batch that is not
    refused, or whose body an erasure emptied."""
    batch, problem = do_retry(batch_id)
    if batch is None:
        raise NotFound(f"no event batch {batch_id}")
    if problem:
        raise Conflict("not_retryable", problem)
    return Status(202, _event_batch_out(batch))


def _batch_seen_by(api_key, batch_id: int) -> EventBatch:
    batches = EventBatch.objects.all()
    if api_key.role not in auth.READERS:
        batches = batches.filter(sender=api_key)
    batch = batches.filter(pk=batch_id).first() if 0 < batch_id < 2 ** 63 else None
    if batch is not None and batch.status == EventBatch.RECEIVED and catch_up():
        batch.refresh_from_db()
    if batch is None:
        raise NotFound(f"no event batch {batch_id}")
    return batch


def _event_batch_out(batch: EventBatch) -> dict:
    return {"id": batch.pk, "status": batch.status, "events": batch.events, "received_at": batch.received_at,
            "expanded_at": batch.expanded_at, "accepted": batch.accepted, "duplicates": batch.duplicate_ids,
            "error": batch.error}
