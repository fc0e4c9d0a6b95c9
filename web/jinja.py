"""The Jinja2 environment of the pages: `url`, `static`, messages, and a few number and date filters."""

from __future__ import annotations

from datetime import datetime

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import Environment


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def number(value) -> str:
    """1234567 -> 1,234,567; negative numbers keep their sign."""
    if value is None:
        return ""
    return f"{value:,}"


def when(value: datetime | None) -> str:
    """A short time people can read, in the server's timezone: 2026-11-28 10:15 UTC."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else f"{value:,}"


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(url=url, static=static, get_messages=get_messages)
    env.filters.update(number=number, when=when, signed=signed)
    return env
