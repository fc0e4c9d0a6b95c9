"""xAPI (an LRS subset) at POST /integrations/xapi/statements: statements in, contract events out.

The edge is thin on purpose: authenticate, read the body, map each statement to a contract event
(section 2, xapi_statements.py), then hand them all to `do_accept_events`, which validates and stores them idempotently.
Only what an LMS needs to award points is supported: no GET, no attachments, no voiding queries.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import AuthorizationError

from base import auth
from base.errors import ApiError, read_limited_body
from base.accept import do_accept_events
from base.key_scopes import check_sources

from .xapi_statements import map_statements

XAPI_VERSION = "1.0.3"
# The spec's `X-Experience-API-Version`: any 1.0.x client speaks the statement format we read.
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")


def _version_headers(response: JsonResponse) -> JsonResponse:
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


@csrf_exempt
def statements(request: HttpRequest) -> JsonResponse:
    """One statement or a list; answers with the statement ids, as an LRS does."""
    try:
        if request.method != "POST":
            response = JsonResponse({"error": "method_not_allowed", "message": "this LRS subset accepts POST only"}, status=405)
            response["Allow"] = "POST"
            return _version_headers(response)
        key = _authenticate(request)
        _check_version(request)
        raw = _read_json(request)
        ids, events = map_statements(raw)
        check_sources(key, events)  # a key scoped to other sources may not write xapi: ids
        _accept(events)
        return _version_headers(JsonResponse(ids, safe=False))
    except ApiError as exc:
        response = JsonResponse(exc.body(), status=exc.status)
        if exc.status == 401:
            # Both schemes work; LMSs mostly speak Basic.
            response["WWW-Authenticate"] = 'Basic realm="plaudit-xapi", Bearer realm="plaudit-xapi"'
        return _version_headers(response)


def _authenticate(request: HttpRequest):
    """Basic (any username, an API key as the password) or Bearer; integration or admin keys only."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    token = None
    if scheme.lower() == "bearer":
        token = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            _, _, token = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            token = None
    if not token:
        raise ApiError(401, "unauthorized", "send an integration key: Basic (the key as the password) or Bearer")
    try:
        # The same check /api/v1/events makes, so revocation and roles behave alike.
        key = auth.sender.authenticate(request, token)
    except AuthorizationError as exc:
        raise ApiError(403, "forbidden", exc.message) from None
    if key is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return key


def _check_version(request: HttpRequest) -> None:
    version = request.headers.get("X-Experience-API-Version")
    if version is None:
        raise ApiError(400, "missing_version", f"send the header X-Experience-API-Version: {XAPI_VERSION}")
    if not ACCEPTED_VERSION.match(version.strip()):
        raise ApiError(400, "unsupported_version", f"X-Experience-API-Version {version!r} is not supported; send {XAPI_VERSION}")


def _read_json(request: HttpRequest) -> Any:
    body = read_limited_body(request, settings.MAX_EVENTS_BODY_BYTES, "a request to /integrations/xapi/statements (1 MB)")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "the body nests JSON too deeply") from None


# Event paths (from do_accept_events) back to the statement field a client must fix.
_FIELD_OF = {"id": "id", "type": "verb.id", "occurred_at": "timestamp", "actor": "actor", "program": "context",
             "target": "object.id", "text": "result.response", "attributes": "result", "mentions": "result.response",
             "hashtags": "result.response", "channel": ""}


def _accept(events: list[dict]) -> None:
    try:
        do_accept_events(events)
    except ApiError as exc:
        details = [{"path": _statement_path(d["path"]), "message": d["message"]} for d in exc.details]
        if exc.status == 409:
            raise ApiError(409, "conflict", "a statement with this id was stored before with other content; nothing was stored",
                           details) from None
        status = exc.status if exc.status in (413,) else 400
        raise ApiError(status, "invalid_statement", exc.message.replace("events", "statements"), details) from None


def _statement_path(path: str) -> str:
    match = re.match(r"^events\[(\d+)\]\.?(.*)$", path)
    index, rest = (match.group(1), match.group(2)) if match else (None, path)
    field = _FIELD_OF.get(rest.split(".")[0].split("[")[0], rest)
    prefix = f"statements[{index}]" if index is not None else ""
    return ".".join(p for p in (prefix, field) if p)
