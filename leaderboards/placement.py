"""Which boards an award counts on: pure, so scoring, catch-up and rebuild agree exactly."""

from __future__ import annotations

from functools import lru_cache
from datetime import datetime, timedelta
from typing import NamedTuple, Sequence
from zoneinfo import ZoneInfo

from rules.core import period_bounds, period_key
from rules.core.compiled import SeasonSpan
from rules.core.schema import Leaderboard

# Exact in a double: |points| * 2**32 + seq stays below 2**53 for totals up to ±2,097,151 points
# and 4.29 billion events. Ties: fewer points ranks lower; equal points, the earlier `seq` first.
SEQ_SPACE = 2**32


def encode(points: int, seq: int) -> int:
    """Sorted-set score: ascending order is higher points first, then who reached them first."""
    return -points * SEQ_SPACE + seq


def decode(score: float) -> int:
    return -(int(score) // SEQ_SPACE)


class Placement(NamedTuple):
    """A tuple: scoring hashes and compares one per award and board, which a dataclass makes several times dearer."""

    board_id: str
    period: str
    scope_value: str | None
    # When the board's keys may leave Redis (epoch seconds): the period's end plus a grace.
    # None for all-time boards, and where no grace applies (simulations).
    expires_at: int | None = None


def placements(boards: list[Leaderboard], tz: ZoneInfo, *, rule_id: str, occurred_at: datetime,
               channel: str, program: str, team: str, grace: timedelta | None = None,
               now: datetime | None = None, seasons: Sequence[SeasonSpan] = ()) -> list[Placement]:
    """The boards an award counts on. With a `grace`, periods that ended more than `grace` before
    `now` are left out: such boards are not kept live, they are built from the ledger when read.
    Seasons are kept for good: they are the archive."""
    found = []
    for board in boards:
        if board.rules and rule_id not in board.rules:
            continue
        scope_value = None
        if board.scope:
            scope_value = {"channel": channel, "program": program, "team": team}[board.scope]
            if not scope_value:
                continue
        if board.aggregate == "team" and not team:
            continue  # a board of teams has no place for someone without one
        if board.period == "season":
            label = season_of(seasons, occurred_at)
            if label is None:
                continue
            found.append(Placement(board.id, label, scope_value))
            continue
        label = period_key(board.period, occurred_at, tz)
        expires_at = None
        if grace is not None and board.period != "all":
            expires_at = expiry(board.period, label, tz, grace)
            if now is not None and expires_at <= now.timestamp():
                continue
        found.append(Placement(board.id, label, scope_value, expires_at))
    return found


def season_of(seasons: Sequence[SeasonSpan], moment: datetime) -> str | None:
    return next((s.id for s in seasons if s.start <= moment < s.end), None)


@lru_cache(maxsize=4096)  # a batch asks for the same few periods thousands of times
def expiry(period: str, label: str, tz: ZoneInfo, grace: timedelta) -> int:
    _, end = period_bounds(period, label, tz)
    return int((end + grace).timestamp())
