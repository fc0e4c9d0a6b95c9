"""Per-caller rate limits: ingest per API key, reads per person, with 429 and Retry-After.

A caller is an API key (by its digest), else a signed-in person, else an address. Each has a budget
per minute for ingest (POST /api/v1/events and the inbound integrations) and one for reads (GET under
/api/v1). Budgets are fixed one-minute windows counted in Redis, shared by every web process. When
Redis is away the limits are not enforced: refusing ingest then would lose events the database can
still take.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.http import JsonResponse
from redis import RedisError

from .redis import get_redis

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def request_class(request) -> str | None:
    """`ingest`, `read` or None (not limited: admin writes, pages, health, metrics)."""
    path = request.path
    if request.method == "POST" and (path == "/api/v1/events" or path.startswith("/integrations/")):
        return "ingest"
    if request.method == "GET" and path.startswith("/api/v1/") and path != "/api/v1/healthz":
        return "read"
    return None


def caller(request) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode()).hexdigest()[:24]
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
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"plaudit:ratelimit:{kind}:{caller(request)}:{window}"
        try:
            r = get_redis()
            with r.pipeline(transaction=True) as pipe:
                used, _ = pipe.incr(key).expire(key, WINDOW_SECONDS * 2).execute()
        except RedisError as exc:
            log.warning("rate limits not enforced while Redis is unavailable: %s", exc)
            return self.get_response(request)
        if used > limit:
            retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
            what = "event requests" if kind == "ingest" else "reads"
            response = JsonResponse({"error": "rate_limited",
                                     "message": f"at most {limit} {what} a minute for each caller; retry in {retry_after} s"},
                                    status=429)
            response["Retry-After"] = str(retry_after)
            return response
        response = self.get_response(request)
        response["RateLimit-Limit"] = str(limit)
        response["RateLimit-Remaining"] = str(max(0, limit - used))
        return response
