"""Per-caller rate limits: ingest per API key, reads per person, with 429 and Retry-After.

A caller is an API key (its row, found as authentication finds it: never the header's spelling,
nor Basic's user name), else a signed-in person, else an address. Each has a budget
per minute for ingest (POST /api/v1/events and the inbound integrations) and one for reads (GET under
/api/v1). Requests are counted per one-minute window in Redis, shared by every web process, and a
budget applies to the last sixty seconds, estimated from this window's count and the previous
window's count weighted by how much of it those sixty seconds still cover. Fixed windows alone let a
caller spend its budget at the end of one minute and again at the start of the next: twice the
budget in a few seconds. When Redis is away the limits are not enforced: refusing ingest then would
lose events the database can still take.
"""

from __future__ import annotations

import logging
import math
import time

import redis
from django.conf import settings
from django.http import JsonResponse
from redis import RedisError

from base.api_keys import active_key_id
from base.redis import get_redis

from . import keys

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
clock = time.time  # the wall clock; tests set their own to place requests either side of a window's end


def request_class(request) -> str | None:
    """`ingest`, `read` or None (not limited: admin writes, pages, health, metrics)."""
    path = request.path
    if request.method == "POST" and (path == "/api/v1/events" or path.startswith("/integrations/")):
        return "ingest"
    if request.method == "GET" and path.startswith("/api/v1/") and path != "/api/v1/healthz":
        return "read"
    return None


def caller(request) -> str:
    """Who sends the request, for its budget and its idempotency keys: `key:ID` for an active API key
    however the header spells it, `user:ID` for a signed-in person, else `addr:ADDRESS`. An unknown
    or revoked key counts against its address, so made-up keys share one budget."""
    known = getattr(request, "_plaudit_caller", None)
    if known is None:
        known = request._plaudit_caller = _caller(request)
    return known


def _caller(request) -> str:
    authorization = request.headers.get("Authorization", "")
    key_id = active_key_id(authorization) if authorization else None
    if key_id is not None:
        return f"key:{key_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "addr:" + request.META.get("REMOTE_ADDR", "unknown")


def budget(kind: str) -> int:
    return settings.RATE_LIMIT_INGEST_PER_MINUTE if kind == "ingest" else settings.RATE_LIMIT_READS_PER_MINUTE


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kind = request_class(request)
        limit = budget(kind) if kind else 0
        if not limit:  # not a limited request, or the limit is switched off (0)
            return self.get_response(request)
        r, who, now = get_redis(), caller(request), clock()
        try:
            current, previous = count_request(r, kind, who, now)
        except RedisError as exc:
            log.warning("rate limits not enforced while Redis is unavailable: %s", exc)
            return self.get_response(request)
        into_window = now / WINDOW_SECONDS - int(now // WINDOW_SECONDS)  # 0..1
        used = previous * (1 - into_window) + current
        if used > limit:
            current -= 1  # a refused request costs nothing: else retrying early would push the wait out
            refund_request(r, kind, who, now)
            retry_after = max(1, math.ceil(_seconds_until_room(limit, previous, current, into_window) - 1e-6))
            what = "event requests" if kind == "ingest" else "reads"
            response = JsonResponse({"error": "rate_limited",
                                     "message": f"at most {limit} {what} a minute for each caller; retry in {retry_after} s"},
                                    status=429)
            response["Retry-After"] = str(retry_after)
            return response
        response = self.get_response(request)
        response["RateLimit-Limit"] = str(limit)
        response["RateLimit-Remaining"] = str(max(0, limit - math.ceil(used)))
        return response


def count_request(r: redis.Redis, kind: str, who: str, now: float) -> tuple[int, int]:
    """Count one request in its window; returns this window's count with it and the previous window's."""
    window = int(now // WINDOW_SECONDS)
    key = keys.rate_limit(kind, who, window)
    with r.pipeline(transaction=True) as pipe:
        current, _, previous = pipe.incr(key).expire(key, WINDOW_SECONDS * 2).get(
            keys.rate_limit(kind, who, window - 1)).execute()
    return current, int(previous or 0)


def refund_request(r: redis.Redis, kind: str, who: str, now: float) -> None:
    """Take back a refused request's count; Redis going away meanwhile only leaves it counted."""
    try:
        r.decr(keys.rate_limit(kind, who, int(now // WINDOW_SECONDS)))
    except RedisError:
        pass


def _seconds_until_room(limit: int, previous: int, current: int, into_window: float) -> float:
    """How long until one more request fits, if the caller sends nothing meanwhile: the previous
    window's weight falls as this one goes on, then this window's count becomes the previous one."""
    room = limit - 1  # what the counts may add up to for the next request to fit
    if current <= room and previous:  # within this window, once enough of the previous one has slid out
        return ((1 - (room - current) / previous) - into_window) * WINDOW_SECONDS
    # In the next window, once enough of this one has slid out (a budget of 1 waits it out whole).
    return (1 - into_window + (1 - room / current)) * WINDOW_SECONDS
