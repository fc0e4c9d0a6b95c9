"""Small builders shared by the rules core tests (no database, no Redis)."""

from __future__ import annotations

import itertools
from datetime import datetime

from rules.core import Event

_seq = itertools.count(1)


def make_event(type: str = "post", actor: str = "ana", *, occurred_at: str = "2026-11-18T10:00:00+00:00",
               hashtags=(), mentions=(), id: str | None = None, **fields) -> Event:
    """An Event as the ingest layer hands it to the rules: hashtags lower-case without '#'."""
    seq = next(_seq)
    return Event(
        seq=seq,
        id=id or f"ev-{seq}",
        type=type,
        occurred_at=datetime.fromisoformat(occurred_at),
        actor=actor,
        hashtags=frozenset(hashtags),
        mentions=tuple(mentions),
        **fields,
    )


def points_by_person(outcome) -> dict[str, int]:
    totals: dict[str, int] = {}
    for award in outcome.awards:
        totals[award.recipient] = totals.get(award.recipient, 0) + award.points
    return totals
