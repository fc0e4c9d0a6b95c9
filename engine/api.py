"""The one NinjaAPI at /api/v1: mounts each app's router and maps every error to one envelope."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from redis import RedisError
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from badges.api import router as badges_router
from challenges.api import router as challenges_router
from insights.api import router as insights_router
from kudos.api import router as kudos_router, with_kudos_schemas
from leaderboards.api import router as leaderboards_router
from notifications.api import router as notifications_router
from rulesets.api import router as rules_router

from base.errors import ApiError, Conflict, DomainError, Forbidden, Invalid, NotFound, path_of
from base.ingest import EventIn
from .api_docs import AccessibleSwagger
from .outages import RETRY_AFTER_SECONDS, outage_of
from .routers import event_batches, events, health, people, prompts, recompute

log = logging.getLogger(__name__)

class PlauditAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        # POST /events reads its body itself (one object or an array); publish its schemas here.
        schema = super().get_openapi_schema(*args, **kwargs)
        defs = EventIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(defs.pop("$defs", {}))
        components["EventIn"] = defs
        with_kudos_schemas(schema)
        # Every operation can answer with the one error envelope (bad input, auth, limits, a busy
        # store); say so once per operation instead of listing each status everywhere.
        components["Error"] = ERROR_SCHEMA
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.setdefault("responses", {}).setdefault("default", {
                    "description": "An error: the status says which kind, the message what to fix",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
        return schema


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. validation_error, not_found, unauthorized"},
        "message": {"type": "string", "description": "What went wrong and what to fix, in words"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "path": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


api = PlauditAPI(
    title="Plaudit API",
    version="1",
    description="Events in; points, badges, levels and leaderboards out. See docs/api.md.",
    docs_url="/docs",
    docs=AccessibleSwagger(),
    urls_namespace="api-v1",
)
api.add_router("/events", events.router)
api.add_router("/event-batches", event_batches.router)
api.add_router("/people", people.router)
api.add_router("/healthz", health.router)
api.add_router("/recompute", recompute.router)
api.add_router("/prompts", prompts.router)
api.add_router("", leaderboards_router)
api.add_router("", badges_router)
api.add_router("", rules_router)
api.add_router("", insights_router)
api.add_router("", notifications_router)
api.add_router("", kudos_router)
api.add_router("", challenges_router)


def _envelope(request, status: int, code: str, message: str, details=None):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    return api.create_response(request, body, status=status)


# Each kind of domain error answers with one status; ApiError, raised at the HTTP edge, names its own.
STATUS_OF = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}


def status_of(exc: DomainError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next((STATUS_OF[kind] for kind in type(exc).__mro__ if kind in STATUS_OF), 400)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.body(), status=status_of(exc))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] == "body" and len(loc) > 1:
            loc = loc[2:]  # "body", then the view's parameter name: neither is in the client's JSON
        elif loc and loc[0] in ("query", "path", "header", "form"):
            loc = loc[1:]
        details.append({"path": path_of(loc), "message": error.get("msg", "invalid")})
    return _envelope(request, 422, "validation_error", "the request is not valid", details)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _envelope(request, 401, "unauthorized", "send an API key as `Authorization: Bearer KEY` (manage.py apikey create)")


@api.exception_handler(AuthorizationError)
def _forbidden(request, exc: AuthorizationError):
    return _envelope(request, 403, "forbidden", exc.message)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _envelope(request, exc.status_code, "error", str(exc.message))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _envelope(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(RedisError)
def _outage(request, exc: Exception):
    # The database or Redis is busy, restarting or away: nothing of this request was committed
    # (Redis work runs inside the transaction, or after the commit where it cannot fail the
    # request), so the client retries after Retry-After.
    answer = outage_of(exc)
    if answer is None:
        return _unexpected(request, exc)
    log.warning("%s on %s %s: %s", answer[0], request.method, request.path, exc)
    response = _envelope(request, 503, *answer)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _envelope(request, 500, "internal_error", "something went wrong on our side; it was logged")
