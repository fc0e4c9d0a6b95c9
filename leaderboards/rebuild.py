"""Keep Redis boards in step with the ledger: catch up missed batches, or rebuild from scratch."""

from __future__ import annotations

import hashlib
import json

import redis

from engine.models import Award, Person
from rules.core import Ruleset

from . import store
from .placement import Placement, placements
from .store import BoardDelta


def layout_id(ruleset: Ruleset) -> str:
    """Boards must be rebuilt when their definitions or the timezone change."""
    spec = {"tz": ruleset.doc.timezone, "boards": [b.model_dump() for b in ruleset.leaderboards]}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def hidden_people() -> set[str]:
    return set(Person.objects.filter(public=False).values_list("key", flat=True))


def award_deltas(ruleset: Ruleset, rows) -> list[BoardDelta]:
    """rows: (recipient key, rule id, points, occurred_at, channel, program, team, event seq)."""
    deltas = []
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        if not points:
            continue
        for placement in placements(ruleset.leaderboards, ruleset.tz, rule_id=rule_id, occurred_at=occurred_at,
                                    channel=channel, program=program, team=team):
            deltas.append(BoardDelta(placement, person, points, seq))
    return deltas


AWARD_FIELDS = ("recipient__key", "rule_id", "points", "occurred_at", "channel", "program", "team", "event_id")


def sync_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> str:
    """Bring boards to `ledger_batch`, the last batch committed to the ledger. Returns what it did."""
    applied = store.applied_batch(r)
    if store.layout(r) != layout_id(ruleset) or applied is None or applied > ledger_batch:
        rebuild_boards(r, ruleset, ledger_batch)
        return "rebuilt"
    if applied < ledger_batch:
        rows = (Award.objects.filter(batch__gt=applied, batch__lte=ledger_batch)
                .order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS))
        store.apply_deltas(r, award_deltas(ruleset, rows.iterator(chunk_size=5000)), hidden_people(), batch=ledger_batch)
        return "caught up"
    return "current"


def rebuild_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> int:
    """Every board from the ledger alone; the same totals and tie order incremental scoring gives."""
    totals: dict[tuple[Placement, str], tuple[int, int]] = {}
    rows = Award.objects.filter(batch__lte=ledger_batch).exclude(points=0).order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS)
    for delta in award_deltas(ruleset, rows.iterator(chunk_size=5000)):
        key = (delta.placement, delta.person)
        points, _ = totals.get(key, (0, 0))
        totals[key] = (points + delta.points, delta.seq)
    store.replace_all(r, totals, hidden_people(), batch=ledger_batch, layout_id=layout_id(ruleset))
    return len(totals)
