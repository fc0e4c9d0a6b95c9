"""Idempotency-Key on the API's POST, PUT and PATCH: a request repeated with the same key has one effect.

The first request with a key runs; until it finishes, repeats wait for it; afterwards they get its
answer. The same key with another body is refused (422). Keys are scoped to the caller (the API
key however the header spells it, else the signed-in person, else the address) and kept for a
day. Answers of 5xx are not kept, so a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import time

import redis
from django.http import HttpResponse, JsonResponse

from base.api_keys import token_of
from base.models import ApiKey
from base.redis import get_redis

from . import keys

HEADER = "Idempotency-Key"
TTL_SECONDS = 24 * 3600
WAIT_SECONDS = 30
METHODS = {"POST", "PUT", "PATCH"}


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_key = request.headers.get(HEADER)
        if raw_key is None or request.method not in METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 1 <= len(raw_key) <= 200:
            return _error(422, "invalid_idempotency_key", f"{HEADER} is 1 to 200 characters")
        try:
            body = request.body
        except Exception:  # too large: let the view answer with its own message
            return self.get_response(request)
        scope = hashlib.sha256("\n".join([_caller(request), request.method, request.path,
                                          raw_key]).encode()).hexdigest()
        fingerprint = hashlib.sha256(request.get_full_path().encode() + b"\n" + body).hexdigest()
        r = get_redis()
        key = keys.idempotency(scope)
        if start(r, key, fingerprint):
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                forget(r, key)
            else:
                remember(r, key, fingerprint, response)
            return response
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            record = stored(r, key)
            if record is None:  # the first attempt failed with a 5xx: this one runs
                return self.__call__(request)
            if record["request"] != fingerprint:
                return _error(422, "idempotency_key_reused", f"this {HEADER} was used with a different request")
            if record["state"] == "done":
                replay = HttpResponse(record["body"], status=record["status"], content_type=record["type"])
                replay["Idempotent-Replayed"] = "true"
                return replay
            if time.monotonic() > deadline:
                return _error(409, "idempotency_key_in_use", f"a request with this {HEADER} is still running; retry later")
            time.sleep(0.05)


def _caller(request) -> str:
    """The key's digest, read as authentication reads the header (the scheme in any case, Basic's
    password), which names its row as surely as its id does; else the signed-in person, else the
    address. No database query: repeats wait here holding no connection, a hundred of them at once."""
    token = token_of(request.headers.get("Authorization", ""))
    if token is not None:
        return "key:" + ApiKey.hash(token)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "addr:" + request.META.get("REMOTE_ADDR", "unknown")


def start(r: redis.Redis, key: str, fingerprint: str) -> bool:
    """Mark the key's request as running; False if a request with this key already ran or runs."""
    return bool(r.set(key, json.dumps({"state": "running", "request": fingerprint}), nx=True, ex=TTL_SECONDS))


def remember(r: redis.Redis, key: str, fingerprint: str, response) -> None:
    r.set(key, json.dumps({"state": "done", "request": fingerprint, "status": response.status_code,
                           "type": response.get("Content-Type", ""), "body": response.content.decode("utf-8", "replace")}),
          ex=TTL_SECONDS)


def forget(r: redis.Redis, key: str) -> None:
    """Drop the record: the next request with the key runs."""
    r.delete(key)


def stored(r: redis.Redis, key: str) -> dict | None:
    value = r.get(key)
    return None if value is None else json.loads(value)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)
