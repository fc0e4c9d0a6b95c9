"""Who may see a page: signed-in people, admins (Django's is_staff), and a brake on guessing passwords."""

from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect

from .pages import forbidden

log = logging.getLogger("plaudit.web")

MAX_FAILURES = 5  # wrong passwords for one username before it is locked for a while
LOCK_SECONDS = 15 * 60


def signed_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)
    return wrapper


def admin_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        if not request.user.is_staff:
            return forbidden(request, "This page is for admins. Ask an admin if you need something changed here.")
        return view(request, *args, **kwargs)
    return wrapper


def _failures_key(username: str) -> str:
    return f"web:signin-failures:{username.casefold()}"


def locked_for(username: str) -> int:
    """Seconds until the username may try again; 0 when it may now. Without Redis there is no lock."""
    try:
        from base.redis import get_redis

        r = get_redis()
        if int(r.get(_failures_key(username)) or 0) >= MAX_FAILURES:
            return max(1, r.ttl(_failures_key(username)))
    except Exception as exc:  # Redis away: signing in matters more than the brake
        log.warning("sign-in brake unavailable: %s", exc)
    return 0


def note_failure(username: str) -> None:
    try:
        from base.redis import get_redis

        r = get_redis()
        pipe = r.pipeline()
        pipe.incr(_failures_key(username))
        pipe.expire(_failures_key(username), LOCK_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)


def forget_failures(username: str) -> None:
    try:
        from base.redis import get_redis

        get_redis().delete(_failures_key(username))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
