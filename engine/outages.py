"""Database and Redis outages: a request that meets one answers 503 with Retry-After, and a long-lived
process (a worker, the relay) drops connections an outage broke, so it carries on once the service is back.

PostgreSQL restarting ends every session: a connection opened before the restart answers "the
connection is closed" from then on. Web requests get a fresh one (CONN_HEALTH_CHECKS and Django's
request signals); workers and the relay call `release_broken_connections` around each job and tick.
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.http import HttpResponse, JsonResponse
from redis import RedisError

log = logging.getLogger("plaudit.outages")

RETRY_AFTER_SECONDS = 5


def release_broken_connections() -> None:
    """Closes every open database connection that no longer answers, and those past their age.

    `close_old_connections` alone checks a connection only after an error on it; one that sat idle
    through a restart has seen none, so each is pinged here (one `SELECT 1`)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block and not conn.is_usable():
            conn.close()
    close_old_connections()


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": a long write (a recompute, say) outlasted the wait."""
    return isinstance(exc, OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def is_database_outage(exc: BaseException) -> bool:
    """The database is away or restarting: the connection broke, or none could be made.

    Every OperationalError of the PostgreSQL driver is one of those (shut down, cannot connect,
    connection lost, cancelled, deadlock); SQLite's other OperationalErrors (no such table, a syntax
    error) are bugs and stay 500s."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError) or is_database_busy(exc):
        return False
    cause = exc.__cause__
    return cause is None or type(cause).__module__.startswith("psycopg") or "unable to open" in str(exc)


def outage_of(exc: BaseException) -> tuple[str, str] | None:
    """The error code and message a request that met `exc` answers with, or None if it is no outage."""
    if is_database_busy(exc):
        return "database_busy", "the database is busy with a long write; retry in a few seconds"
    if is_database_outage(exc):
        return "database_unavailable", "the database is unavailable (restarting or unreachable); retry shortly"
    if isinstance(exc, RedisError):
        return "redis_unavailable", "the leaderboard store is unavailable; retry shortly"
    return None


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plaudit is briefly unavailable</title></head>
<body><h1>Plaudit is briefly unavailable</h1><p>{message}. Nothing you sent was lost; reload the page in a few seconds.</p></body></html>
"""


def outage_response(request, code: str, message: str):
    """JSON for the API and machine routes, a short page for a browser."""
    wants_page = "text/html" in request.headers.get("Accept", "") and not request.path.startswith("/api/")
    if wants_page:
        response = HttpResponse(_PAGE.format(message=message.capitalize()), status=503, content_type="text/html")
    else:
        response = JsonResponse({"error": code, "message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _remember_exception(sender, request=None, **kwargs):
    """Django turns an exception raised inside a middleware into a 500 before the outer middleware
    sees it; the exception is kept on the request so OutageMiddleware can answer 503 instead."""
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and outage_of(exc):
        request._plaudit_outage = exc


got_request_exception.connect(_remember_exception, dispatch_uid="plaudit.outages")


class OutageMiddleware:
    """Outermost: whatever met a database or Redis outage (a view, a page, another middleware)
    answers 503 with Retry-After, never 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Exception as exc:  # with DEBUG_PROPAGATE_EXCEPTIONS, nothing else turns it into a response
            answer = outage_of(exc)
            if answer is None:
                raise
            return self._answer(request, exc, answer)
        exc = getattr(request, "_plaudit_outage", None)
        if response.status_code == 500 and exc is not None:
            return self._answer(request, exc, outage_of(exc))
        return response

    def process_exception(self, request, exc):
        answer = outage_of(exc)
        return self._answer(request, exc, answer) if answer else None

    def _answer(self, request, exc, answer):
        log.warning("%s on %s %s: %s", answer[0], request.method, request.path, exc)
        return outage_response(request, *answer)
