"""Awards as the API shows them, on an event and on a person."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from base.models import Award


class AwardOut(Schema):
    event: str
    rule: str
    person: str
    points: int
    capped: bool
    reverses: str | None = None
    occurred_at: datetime


def award_rows():
    """Awards with what AwardOut names of them, fetched in the same query."""
    return Award.objects.select_related("event", "recipient", "reverses_event")


def awards_out(rows) -> list[dict]:
    return [
        {"event": a.event.source_id, "rule": a.rule_id, "person": a.recipient.key, "points": a.points,
         "capped": a.capped, "reverses": a.reverses_event.source_id if a.reverses_event_id else None,
         "occurred_at": a.occurred_at}
        for a in rows
    ]
