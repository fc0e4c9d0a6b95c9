"""The Jinja2 environment of the pages: `url`, `static`, messages, gettext (`{% trans %}`, `_()`), and
number and date filters formatted for the active language (Babel) in the active timezone."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_decimal
from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from jinja2 import Environment


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def babel_locale() -> Locale:
    """The Babel locale of the language the request speaks (en, de...)."""
    return _parsed(translation.get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=64)
def _parsed(code: str) -> Locale:
    # Parsed once per language: a page formats hundreds of numbers, and parsing took longer than formatting.
    try:
        return Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def number(value) -> str:
    """1234567 -> 1,234,567 in English, 1.234.567 in German; negative numbers keep their sign."""
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale())


def when(value: datetime | None) -> str:
    """A time people can read, in the person's timezone (else the server's): November 28, 2026, 10:15 AM UTC;
    28. November 2026, 10:15 CET."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    locale = babel_locale()
    return f"{format_date(local, 'long', locale=locale)}, {format_time(local, 'short', locale=locale)} {local.tzname()}"


def day(value: date | datetime | str | None) -> str:
    """A day, long form for the language: November 28, 2026; 28. November 2026. ISO strings are read first."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, "long", locale=babel_locale())


def period(row: dict) -> str:
    """A period as people name it, with its dates: "Week 49 (Nov 30 – Dec 6)", "November 2026", a day."""
    start, end = date.fromisoformat(row["from"][:10]), date.fromisoformat(row["until"][:10]) - timedelta(days=1)
    locale = babel_locale()
    if start == end:
        return format_date(start, "long", locale=locale)
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and start.month == end.month:
        return format_skeleton("yMMMM", start, locale=locale)
    dates = format_interval(start, end, "MMMd" if start.year == end.year else "yMMMd", locale=locale)
    if (end - start).days == 6 and start.weekday() == 0:
        return translation.gettext("Week %(n)s (%(dates)s)") % {"n": start.isocalendar()[1], "dates": dates}
    return dates


def signed(value: int) -> str:
    return f"+{number(value)}" if value > 0 else number(value)


def challenges_of(person, viewer):
    """The running challenges with a person's progress (web/challenge_parts.html reads them itself)."""
    from .challenge_pages import challenges_of as running

    return running(person, viewer)


def environment(**options) -> Environment:
    extensions = list(options.pop("extensions", [])) + ["jinja2.ext.i18n"]
    env = Environment(extensions=extensions, **options)
    # Django's gettext looks the text up in the language active for the request; plurals go through
    # ngettext. newstyle: `_('%(n)s points', n=3)` formats after translating, and escapes safely.
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True,
                                  pgettext=translation.pgettext, npgettext=translation.npgettext)
    env.globals.update(url=url, static=static, get_messages=get_messages,
                       language=lambda: translation.get_language() or settings.LANGUAGE_CODE,
                       languages=settings.LANGUAGES, challenges_of=challenges_of)
    env.filters.update(number=number, when=when, day=day, signed=signed, period=period)
    return env
