"""Rank movement: where people stood on the same board in the period before, among the people on it now.

Boards per day, week, month or season have a period before; all-time boards do not, so they
show no movement. A past period older than the live grace is rebuilt from the ledger when read,
as the API does.
"""

from __future__ import annotations

from datetime import timedelta

import redis
from django.utils import timezone

from leaderboards import board_reads
from rules.core.placement import expiry
from leaderboards.rebuild import ensure_past_period, grace
from rules.core import Ruleset, period_key
from rules.core.periods import period_bounds
from rules.core.schema import Leaderboard


def previous_period(board: Leaderboard, ruleset: Ruleset, period: str) -> str | None:
    if board.period in ("day", "week", "month"):
        start, _ = period_bounds(board.period, period, ruleset.tz)
        return period_key(board.period, start - timedelta(seconds=1), ruleset.tz)
    if board.period == "season":
        seasons = sorted(ruleset.seasons, key=lambda s: s.start)
        ids = [s.id for s in seasons]
        if period in ids and ids.index(period) > 0:
            return ids[ids.index(period) - 1]
    return None


def recent_periods(board: Leaderboard, ruleset: Ruleset, current: str, count: int = 8) -> list[str]:
    """The period shown and the ones before it, newest first, for the period selector."""
    if board.period == "season":
        return [s.id for s in sorted(ruleset.seasons, key=lambda s: s.start, reverse=True)]
    periods = [current]
    while len(periods) < count and (before := previous_period(board, ruleset, periods[-1])):
        periods.append(before)
    return periods


def previous_ranks(r: redis.Redis, ruleset: Ruleset, board: Leaderboard, period: str, scope: str | None,
                   people: list[str]) -> dict[str, int | None] | None:
    """Each person's rank in the period before among the people on the board now (None: not on it then,
    so "new"); None when the board has no period before."""
    before = previous_period(board, ruleset, period)
    if before is None or board.aggregate:
        return None
    if board.period in ("day", "week", "month") and \
            expiry(board.period, before, ruleset.tz, grace()) <= timezone.now().timestamp():
        ensure_past_period(r, ruleset, board.id, before)
    ranks = board_reads.earlier_ranks(r, board.id, period, before, scope)
    if ranks is None:
        return None
    return {person: ranks.get(person) for person in people}


def movement(rank: int, before: int | None) -> dict:
    """What the page shows: up 3, down 1, same, or new on the board."""
    if before is None:
        return {"kind": "new", "by": 0}
    if before > rank:
        return {"kind": "up", "by": before - rank}
    if before < rank:
        return {"kind": "down", "by": rank - before}
    return {"kind": "same", "by": 0}
