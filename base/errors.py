"""Domain errors and the one JSON envelope every API error uses.

    {"error": "validation_error", "message": "what went wrong", "details": [{"path": "events[3].occurred_at", "message": "..."}]}
"""

from __future__ import annotations

from typing import Iterable

from pydantic import ValidationError


class DomainError(Exception):
    """What the domain refuses, in its own words: a stable code, a message saying what to fix, and
    maybe details by path. Reads and actions raise its kinds below; engine/api.py maps each kind to
    its HTTP status once, pages and commands show the message."""

    def __init__(self, code: str, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or []

    def body(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """No such thing (a person, a board, a batch...)."""

    def __init__(self, message: str, code: str = "not_found", details: list[dict] | None = None):
        super().__init__(code, message, details)


class Conflict(DomainError):
    """The request is understood, but the state forbids it (no active ruleset, a batch that is not refused)."""


class Forbidden(Conflict):
    """The state forbids showing this to anyone who asks (works-council mode: no individual rankings).
    A kind of Conflict, so whatever shows a Conflict's message shows this one too; the API answers 403."""


class Invalid(DomainError):
    """The request is understood, but a value in it is wrong (a period, a scope, a date range)."""


class ApiError(DomainError):
    """An answer decided at the HTTP edge, with its status: a body too large, JSON that does not parse, a header."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(code, message, details)
        self.status = status


def read_limited_body(request, limit: int, what: str) -> bytes:
    """The raw body, or 413 with the limit when it is larger (whether or not Content-Length says so)."""
    from django.core.exceptions import RequestDataTooBig

    too_large = ApiError(413, "body_too_large", f"{what} is limited to {limit:,} bytes")
    header = request.headers.get("Content-Length") or "0"
    try:
        length = int(header)
    except ValueError:
        raise ApiError(400, "invalid_content_length", f"Content-Length must be a number of bytes, not {header[:50]!r}") from None
    if length > limit:
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
