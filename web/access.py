"""Who may see a page: signed-in people, admins (Django's is_staff), and a brake on guessing passwords."""

from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlencode

import redis
from django.conf import settings
from django.shortcuts import redirect

from base import keys as redis_keys
from base.redis import get_redis

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


def locked_for(username: str, r: redis.Redis | None = None) -> int:
    """Seconds until the username may try again; 0 when it may now. Without Redis there is no lock.

    `r` is the caller's connection; without one the shared connection is used."""
    key = redis_keys.signin_failures(username)
    try:
        r = get_redis() if r is None else r
        if int(r.get(key) or 0) >= MAX_FAILURES:
            return max(1, r.ttl(key))
    except Exception as exc:  # Redis away: signing in matters more than the brake
        log.warning("sign-in brake unavailable: %s", exc)
    return 0


def note_failure(username: str, r: redis.Redis | None = None) -> None:
    key = redis_keys.signin_failures(username)
    try:
        r = get_redis() if r is None else r
        pipe = r.pipeline()
        pipe.incr(key)
        pipe.expire(key, LOCK_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)


def forget_failures(username: str, r: redis.Redis | None = None) -> None:
    try:
        (get_redis() if r is None else r).delete(redis_keys.signin_failures(username))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
