"""A brake on guessing web sign-in passwords: after MAX_FAILURES wrong ones a username waits LOCK_SECONDS.

Counted in Redis, so every web process sees the same count. Without Redis there is no brake:
signing in matters more than it, so each function logs the problem and carries on."""

from __future__ import annotations

import logging

from redis import Redis

from . import keys

log = logging.getLogger("plaudit.web")

MAX_FAILURES = 5  # wrong passwords for one username before it is locked for a while
LOCK_SECONDS = 15 * 60


def locked_for(r: Redis, username: str) -> int:
    """Seconds until the username may try again; 0 when it may now."""
    key = keys.signin_failures(username)
    try:
        if int(r.get(key) or 0) >= MAX_FAILURES:
            return max(1, r.ttl(key))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
    return 0


def do_note_signin_failure(r: Redis, username: str) -> None:
    key = keys.signin_failures(username)
    try:
        pipe = r.pipeline()
        pipe.incr(key)
        pipe.expire(key, LOCK_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)


def do_forget_signin_failures(r: Redis, username: str) -> None:
    try:
        r.delete(keys.signin_failures(username))
    except Exception as exc:
        log.warning("sign-in brake unavailable: %s", exc)
