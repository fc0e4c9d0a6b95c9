"""Domain errors and the one JSON envelope every API error uses.

    {"error": "validation_error", "message": "what went wrong", "details": [{"path": "events[3].occurred_at", "message": "..."}]}
"""

from __future__ import annotations

from typing import Iterable

from pydantic import ValidationError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def body(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(ApiError):
    def __init__(self, what: str):
        super().__init__(404, "not_found", what)


def read_limited_body(request, limit: int, what: str) -> bytes:
    """The raw body, or 413 with the limit when it is larger (whether or not Content-Length says so)."""
    from django.core.exceptions import RequestDataTooBig

    too_large = ApiError(413, "body_too_large", f"{what} is limited to {limit:,} bytes")
    if int(request.headers.get("Content-Length") or 0) > limit:
        raise too_large
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_large from None
    if len(body) > limit:
        raise too_large
    return body


def path_of(loc: Iterable) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_FRIENDLY = {
    "missing": "this field is required",
    "extra_forbidden": "unknown field; see docs/api.md for the event format",
    "timezone_aware": "give the time with an offset, like 2026-11-28T10:15:00+01:00",
    "datetime_from_date_parsing": "give an RFC 3339 time with an offset, like 2026-11-28T10:15:00+01:00",
    "datetime_parsing": "give an RFC 3339 time with an offset, like 2026-11-28T10:15:00+01:00",
}


def issues_from_pydantic(exc: ValidationError, prefix: tuple = ()) -> list[dict]:
    issues = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = _FRIENDLY.get(error["type"]) or error["msg"].removeprefix("Value error, ")
        issues.append({"path": path_of(prefix + loc), "message": message})
    return issues
