"""Which boards an award counts on: pure, so scoring, catch-up and rebuild agree exactly."""

from __future__ import annotations

import math
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Sequence
from zoneinfo import ZoneInfo

from rules.core import period_bounds, period_key
from rules.core.compiled import SeasonSpan
from rules.core.schema import Leaderboard

# Exact in a double: |points| * 2**32 + seq stays below 2**53 for totals up to ±2,097,151 points
# and 4.29 billion events. Ties: fewer points ranks lower; equal points, the earlier `seq` first.
SEQ_SPACE = 2**32

# Awards are placed per 15-minute UTC bucket: every real UTC offset is a whole number of quarter
# hours, so days, weeks, months and seasons begin on a bucket's edge (PlacementCache checks it).
BUCKET_SECONDS = 900
# Added before dividing so buckets floor for times before 1970 too (SQL's integer division
# rounds towards zero); a multiple of the bucket: the seconds from 0001-01-01 to 1970.
EPOCH_SHIFT = 62_135_596_800


def encode(points: int, seq: int) -> int:
    """Sorted-set score: ascending order is higher points first, then who reached them first."""
    return -points * SEQ_SPACE + seq


def decode(score: float) -> int:
    return -(int(score) // SEQ_SPACE)


class Placement(NamedTuple):
    """A tuple, not a dataclass: rebuilds and scoring hash hundreds of thousands of them."""

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
        scope_value = _scope_of(board, rule_id, channel, program, team)
        if scope_value is _ELSEWHERE:
            continue
        when = _period_of(board, occurred_at, tz, grace, now, seasons)
        if when is not None:
            found.append(Placement(board.id, when[0], scope_value, when[1]))
    return found


_ELSEWHERE = object()  # the award does not count on this board


def _scope_of(board: Leaderboard, rule_id: str, channel: str, program: str, team: str):
    """The board's scope value for the award (None when unscoped), or _ELSEWHERE."""
    if board.rules and rule_id not in board.rules:
        return _ELSEWHERE
    scope_value = None
    if board.scope:
        scope_value = {"channel": channel, "program": program, "team": team}[board.scope]
        if not scope_value:
            return _ELSEWHERE
    if board.aggregate == "team" and not team:
        return _ELSEWHERE  # a board of teams has no place for someone without one
    return scope_value


def _period_of(board: Leaderboard, moment: datetime, tz: ZoneInfo, grace: timedelta | None, now: datetime | None,
               seasons: Sequence[SeasonSpan]) -> tuple[str, int | None] | None:
    """(period label, expiry) of the board's period holding `moment`; None when none is kept live."""
    if board.period == "season":
        label = season_of(seasons, moment)
        return None if label is None else (label, None)
    label = period_key(board.period, moment, tz)
    expires_at = None
    if grace is not None and board.period != "all":
        expires_at = expiry(board.period, label, tz, grace)
        if now is not None and expires_at <= now.timestamp():
            return None
    return label, expires_at


def season_of(seasons: Sequence[SeasonSpan], moment: datetime) -> str | None:
    return next((s.id for s in seasons if s.start <= moment < s.end), None)


@lru_cache(maxsize=4096)  # a batch asks for the same few periods thousands of times
def expiry(period: str, label: str, tz: ZoneInfo, grace: timedelta) -> int:
    _, end = period_bounds(period, label, tz)
    return int((end + grace).timestamp())


def bucket_of(moment: datetime) -> int:
    return (math.floor(moment.timestamp()) + EPOCH_SHIFT) // BUCKET_SECONDS


def bucket_start(bucket: int) -> datetime:
    return datetime.fromtimestamp(bucket * BUCKET_SECONDS - EPOCH_SHIFT, timezone.utc)


_MISSING = object()


class PlacementCache:
    """placements() worked out once per (rule, 15-minute bucket, channel, program, team).

    A scoring batch or a rebuild asks for the same few combinations thousands of times. The
    periods of a bucket are worked out once for every board, the scopes once per (rule,
    channel, program, team), and the placements once per distinct pair of the two: awards
    spread over many buckets, channels and teams meet few distinct periods and scopes. A bucket
    that holds a period or season boundary (possible only under a zone's odd historic offsets)
    is never cached: its awards are placed one by one.
    """

    def __init__(self, boards: list[Leaderboard], tz: ZoneInfo, *, grace: timedelta | None = None,
                 now: datetime | None = None, seasons: Sequence[SeasonSpan] = ()):
        self.boards, self.tz, self.grace, self.now, self.seasons = boards, tz, grace, now, seasons
        self._periods = sorted({b.period for b in boards if b.period in ("day", "week", "month")})
        on_seasons = any(b.period == "season" for b in boards)
        self._season_edges = sorted({s.start for s in seasons} | {s.end for s in seasons}) if on_seasons else []
        # bucket -> (number, each board's (label, expiry) or None), None when the bucket straddles a boundary;
        # (rule, channel, program, team) -> (number, each board's scope value or _ELSEWHERE). Equal tuples
        # share a number, so the placements are found by a pair of small ints.
        self._periods_of: dict[int, tuple[int, tuple] | None] = {}
        self._scopes_of: dict[tuple[str, str, str, str], tuple[int, tuple]] = {}
        self._numbered: dict[tuple, tuple[int, tuple]] = {}
        self._found: dict[tuple[int, int], list[Placement]] = {}
        self._interned: dict[tuple, Placement] = {}

    def size(self) -> int:
        return len(self._found) + len(self._periods_of) + len(self._scopes_of) + len(self._numbered) + len(self._interned)

    def straddles(self, bucket: int) -> bool:
        return self._bucket_periods(bucket) is None

    def _number(self, values: tuple) -> tuple[int, tuple]:
        numbered = self._numbered.get(values)
        if numbered is None:
            numbered = self._numbered[values] = (len(self._numbered), values)
        return numbered

    def _bucket_periods(self, bucket: int) -> tuple[int, tuple] | None:
        """(number, each board's (label, expiry) or None) for the whole bucket; None if it straddles a boundary."""
        known = self._periods_of.get(bucket, _MISSING)
        if known is _MISSING:
            start = bucket_start(bucket)
            last = start + timedelta(seconds=BUCKET_SECONDS, microseconds=-1)
            straddles = (bool(self._periods) and start.astimezone(self.tz).utcoffset() != last.astimezone(self.tz).utcoffset()
                         or any(period_key(p, start, self.tz) != period_key(p, last, self.tz) for p in self._periods)
                         or any(start < edge <= last for edge in self._season_edges))
            known = None if straddles else self._number(tuple(
                _period_of(b, start, self.tz, self.grace, self.now, self.seasons) for b in self.boards))
            self._periods_of[bucket] = known
        return known

    def in_bucket(self, bucket: int, rule_id: str, channel: str, program: str, team: str) -> list[Placement] | None:
        """The placements of every time in the bucket; None if it straddles a boundary."""
        periods = self._periods_of.get(bucket, _MISSING)
        if periods is _MISSING:
            periods = self._bucket_periods(bucket)
        if periods is None:
            return None
        scope_key = (rule_id, channel, program, team)
        scopes = self._scopes_of.get(scope_key)
        if scopes is None:
            scopes = self._scopes_of[scope_key] = self._number(
                tuple(_scope_of(b, rule_id, channel, program, team) for b in self.boards))
        key = (periods[0], scopes[0])
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = [self._placement(board.id, when, scope_value)
                                        for board, when, scope_value in zip(self.boards, periods[1], scopes[1])
                                        if when is not None and scope_value is not _ELSEWHERE]
        return found

    def _placement(self, board_id: str, when: tuple[str, int | None], scope_value: str | None) -> Placement:
        """One Placement object per board key: fewer objects, and dict lookups by it hit on identity."""
        key = (board_id, when, scope_value)
        placement = self._interned.get(key)
        if placement is None:
            placement = self._interned[key] = Placement(board_id, when[0], scope_value, when[1])
        return placement

    def at(self, occurred_at: datetime, rule_id: str, channel: str, program: str, team: str) -> list[Placement]:
        found = self.in_bucket(bucket_of(occurred_at), rule_id, channel, program, team)
        if found is None:
            return placements(self.boards, self.tz, rule_id=rule_id, occurred_at=occurred_at, channel=channel,
                              program=program, team=team, grace=self.grace, now=self.now, seasons=self.seasons)
        return found
