"""Streaks: consecutive days or ISO weeks, in the ruleset's timezone, with a qualifying event.

Events are processed in acceptance order, not in time order, so an event can arrive for a
period before the run's last one. It is ignored: a run never grows backwards, or a late
import could hand out bonuses for a past nobody saw as a streak.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from .model import StreakRun
from .periods import parse_period_key, period_key


def period_index(per: str, day: date) -> int:
    """Consecutive periods have consecutive indexes; ordinal 1 (0001-01-01) is a Monday, as ISO weeks start."""
    ordinal = day.toordinal()
    return ordinal if per == "day" else (ordinal - 1) // 7


@lru_cache(maxsize=4096)  # a streak's last period is read at every qualifying event; labels repeat
def _index_of(per: str, label: str | None) -> int | None:
    if label is None:
        return None
    try:
        return period_index(per, parse_period_key(per, label))
    except ValueError:  # a label of the other kind: the streak's `per` changed, so its run starts over
        return None


def extend(run: StreakRun, per: str, moment: datetime, tz: ZoneInfo) -> StreakRun | None:
    """The run after a qualifying event at `moment`; None when the event changes nothing."""
    label = period_key(per, moment, tz)
    now = period_index(per, moment.astimezone(tz).date())
    last = _index_of(per, run.last_period)
    if last is not None and now <= last:
        return None  # the same period, or an earlier one
    length = run.length + 1 if last is not None and now == last + 1 else 1
    return StreakRun(label, length, max(run.best, length))


def current_length(run: StreakRun, per: str, now: datetime, tz: ZoneInfo) -> int:
    """The length as it stands at `now`: 0 once a whole period has passed without a qualifying event."""
    last = _index_of(per, run.last_period)
    if last is None:
        return 0
    return run.length if period_index(per, now.astimezone(tz).date()) <= last + 1 else 0
