"""The allowance's calendar periods, and how a person is told when they reset."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from rules.core.periods import period_bounds, period_key

THIS = {"day": "today", "week": "this week", "month": "this month"}


def bounds(per: str, moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the day, ISO week or month holding `moment`, in the ruleset's timezone, as UTC."""
    start, end = period_bounds(per, period_key(per, moment, tz), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def reset_day(resets_at: datetime, tz: ZoneInfo) -> str:
    """The local day the period resets on, as a person reads it: "Monday 7 December"."""
    local = resets_at.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B}"
