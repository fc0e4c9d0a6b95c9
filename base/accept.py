"""Accepting events as a synchronous `POST /events` does: after every batch received before them."""

from __future__ import annotations

from typing import Any

from .gc_pause import gc_paused
from .inbox import catch_up
from .ingest import IngestResult, store_events, validate_events


def do_accept_events(raw: Any) -> IngestResult:
    """Validate and store a batch atomically; duplicates are acknowledged, conflicts refuse the batch."""
    # Batches received earlier with Prefer: respond-async were accepted first: their events go first.
    catch_up()
    with gc_paused():
        return store_events(validate_events(raw))
