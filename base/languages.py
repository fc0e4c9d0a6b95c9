"""Which of the languages Plaudit speaks (settings.LANGUAGES) a BCP 47 tag asks for, and the
timezone a person's IANA name stands for: one place for the pages, the API and the notifications."""

from __future__ import annotations

from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import translation


def supported_language(tag: str | None) -> str | None:
    """de-AT -> de, en_GB -> en, fr -> None: the language of ours a tag asks for, if any."""
    if not tag:
        return None
    code = tag.strip().replace("_", "-").lower()[:35]
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def default_language() -> str:
    return settings.LANGUAGE_CODE


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone a person's `timezone` names (Europe/Berlin), None when unknown or not a zone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@contextmanager
def speaking(tag: str | None, timezone_name: str | None = None):
    """Render in the language a tag asks for (the default language when we do not speak it) and, when
    given and known, in that timezone: for texts written for one person outside a request."""
    from django.utils import timezone as dj_timezone

    language = supported_language(tag) or default_language()
    tz = zone(timezone_name)
    with translation.override(language):
        if tz is None:
            yield language
        else:
            with dj_timezone.override(tz):
                yield language
