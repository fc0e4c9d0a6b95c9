"""Calendar periods (day, ISO week, month, all) counted in the ruleset's timezone."""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "all")
ALL = "all"

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_key(period: str, moment: datetime, tz: ZoneInfo) -> str:
    """The label of the period containing `moment`: 2026-11-28, 2026-W48, 2026-11 or all."""
    if period in (ALL, "ever"):
        return ALL
    return _label(period, moment.astimezone(tz).date())


@lru_cache(maxsize=4096)  # scoring and simulation ask for the same few days thousands of times
def _label(period: str, local: date) -> str:
    """The label of a day, week or month from the local date alone."""
    if period == "day":
        return local.isoformat()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local.year:04d}-{local.month:02d}"
    raise ValueError(f"unknown period {period!r}")


def parse_period_key(period: str, key: str) -> date:
    """The first day of a labelled period; ValueError with a message that shows the format."""
    formats = {"day": ("2026-11-28", _DAY), "week": ("2026-W48", _WEEK), "month": ("2026-11", _MONTH)}
    example, pattern = formats[period]
    match = pattern.match(key)
    if not match:
        raise ValueError(f"a {period} period is written like {example}, not {key!r}")
    try:
        if period == "day":
            return date(*map(int, match.groups()))
        if period == "week":
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        return date(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"{key!r} is not a real {period}: {exc}") from None


def period_bounds(period: str, key: str, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """[start, end) of a labelled period as aware datetimes; None for all time."""
    if period in (ALL, "ever"):
        return None
    first = parse_period_key(period, key)
    if period == "day":
        last = first + timedelta(days=1)
    elif period == "week":
        last = first + timedelta(days=7)
    else:
        last = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return midnight(first, tz), midnight(last, tz)


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
