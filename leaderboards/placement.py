"""Which boards an award counts on: pure, so scoring, catch-up and rebuild agree exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rules.core import period_key
from rules.core.schema import Leaderboard

# Exact in a double: |points| * 2**32 + seq stays below 2**53 for totals up to ±2,097,151 points
# and 4.29 billion events. Ties: fewer points ranks lower; equal points, the earlier `seq` first.
SEQ_SPACE = 2**32


def encode(points: int, seq: int) -> int:
    """Sorted-set score: ascending order is higher points first, then who reached them first."""
    return -points * SEQ_SPACE + seq


def decode(score: float) -> int:
    return -(int(score) // SEQ_SPACE)


@dataclass(frozen=True)
class Placement:
    board_id: str
    period: str
    scope_value: str | None


def placements(boards: list[Leaderboard], tz: ZoneInfo, *, rule_id: str, occurred_at: datetime,
               channel: str, program: str, team: str) -> list[Placement]:
    found = []
    for board in boards:
        if board.rules and rule_id not in board.rules:
            continue
        scope_value = None
        if board.scope:
            scope_value = {"channel": channel, "program": program, "team": team}[board.scope]
            if not scope_value:
                continue
        found.append(Placement(board.id, period_key(board.period, occurred_at, tz), scope_value))
    return found
