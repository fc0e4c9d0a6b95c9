"""The allowance's calendar periods, and how a person is told when they reset."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.utils.translation import get_language, gettext_lazy, to_locale

from rules.core.periods import period_bounds, period_key

# The weekday and the day, in each language's own order.
DAY_PATTERNS = {"en": "EEEE d MMMM", "de": "EEEE, d. MMMM"}
# In the language active when the words are written: the giver's, in chat and on the pages.
THIS = {"day": gettext_lazy("today"), "week": gettext_lazy("this week"), "month": gettext_lazy("this month")}


def bounds(per: str, moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the day, ISO week or month holding `moment`, in the ruleset's timezone, as UTC."""
    start, end = period_bounds(per, period_key(per, moment, tz), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def reset_day(resets_at: datetime, tz: ZoneInfo) -> str:
    """The local day the period resets on, as a person reads it: "Monday 7 December" ("Montag, 7. Dezember")."""
    local = resets_at.astimezone(tz)
    locale = to_locale(get_language() or "en")
    return format_date(local.date(), DAY_PATTERNS.get(locale.split("_")[0], "EEEE d MMMM"), locale=locale)
