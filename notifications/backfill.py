"""Backfills announce nothing: events an import stores are marked in the same transaction, and the
triggers pass over marked events."""

from __future__ import annotations

from base.models import Event

from .models import QuietEvent


def mark_backfilled(source_ids: list[str]) -> None:
    for start in range(0, len(source_ids), 900):  # SQLite's limit on query parameters
        seqs = Event.objects.filter(source_id__in=source_ids[start:start + 900]).values_list("seq", flat=True)
        QuietEvent.objects.bulk_create([QuietEvent(event_id=seq) for seq in seqs], ignore_conflicts=True)
