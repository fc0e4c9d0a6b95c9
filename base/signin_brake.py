"""A brake on guessing web sign-in passwords: after MAX_FAILURES wrong ones a username waits LOCK_SECONDS.

Counted in Redis, so every web process sees the same count. Without Redis there is no brake:
signing in matters more than it, so each function logs the problem and carries on."""

from __future__ import annotations

import logging

from .redis import get_redis

log = logging.getLogger("plaudit.web")

MAX_FAILURES = 5  # wrong passwords for one username before it is locked for a while
LOCK_SECONDS = 15 * 60


def _failures_key(username: str) -> str:
    return f"web:signin-failures:{username.casefold()}"


def locked_for(username: str) -> int:
    """Seconds until the username may try again; 0 when it may now."""
    try:
        r = get_redis()
        if int(r.get(_failures_key(username)) or 0) >= MAX_FAILURES:
            return max(1, r.ttl(_failures_key(username)))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
    return 0


def do_note_signin_failure(username: str) -> None:
    try:
        pipe = get_redis().pipeline()
        pipe.incr(_failures_key(username))
        pipe.expire(_failures_key(username), LOCK_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)


def do_forget_signin_failures(username: str) -> None:
    try:
        get_redis().delete(_failures_key(username))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
