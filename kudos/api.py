"""The kudos routes: give (POST /kudos), the feed (GET /kudos), undo (DELETE /kudos/{id}), and a
person's allowance (GET /people/{id}/allowance). Each calls one action or read and answers."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, ValidationError

from base import auth
from base.errors import ApiError, Conflict, NotFound, issues_from_pydantic, read_limited_body
from base.models import Person

from .actions import MAX_MESSAGE, MAX_RECEIVERS, KudosRefused, do_give_kudos, do_undo_kudos
from .allowance import allowance_for
from .feed import MAX_LIMIT, feed

router = Router(tags=["kudos"])

MAX_BODY_BYTES = 64 * 1024


class KudosIn(BaseModel):
    """A kudos to give. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from", description="The giver's person id.")
    to: list[str] = Field(description=f"The receivers' person ids: 1 to {MAX_RECEIVERS}, never the giver.")
    message: str = Field(description=f"What they are thanked for: 1 to {MAX_MESSAGE:,} characters; its #tags count as values.")
    values: list[str] = Field(default=[], description="Company values of the ruleset's `kudos.values` (any case, `#` optional).")
    channel: str | None = Field(default=None, description="Where it was given (a Slack channel, say).")
    id: str | None = Field(default=None, description="The event id; a repeat with the same id and content uses no allowance.")


class AllowanceLeftOut(Schema):
    left: int
    resets_at: datetime


class GivenOut(Schema):
    event: str
    allowance: AllowanceLeftOut


class RefusedOut(Schema):
    error: str
    message: str
    allowance: AllowanceLeftOut | None


class KudosItemOut(Schema):
    event: str
    from_: str = Field(alias="from")
    to: list[str]
    message: str
    values: list[str]
    channel: str | None
    occurred_at: datetime


class FeedOut(Schema):
    items: list[KudosItemOut]
    next_cursor: str | None


class AllowanceOut(Schema):
    left: int
    amount: int
    per: str
    resets_at: datetime


KUDOS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KudosIn"}}}}}


@router.post("/kudos", auth=[auth.sender, auth.person], response={201: GivenOut, 409: RefusedOut, 422: RefusedOut},
             openapi_extra=KUDOS_BODY, summary="Give a kudos")
def give_kudos(request):
    """The allowance is checked now: a refused kudos is not stored, and the answer says why and how many are left.
    A signed-in person (the web pages' session, with its CSRF token) gives only as themselves."""
    body = _kudos_in(read_limited_body(request, MAX_BODY_BYTES, "a kudos (64 KB)"))
    key = getattr(request, "api_key", None)
    if key is None and body.from_ != request.person_key:
        raise ApiError(403, "not_yourself", f"signed in, you give kudos as yourself: send \"from\": {request.person_key!r}")
    sources = tuple(key.sources) if key is not None and key.role == "integration" and key.sources else ()
    event_id = body.id
    if sources:
        if event_id is None:
            event_id = f"{sources[0]}kudos:{uuid.uuid4().hex}"
        elif not event_id.startswith(sources):
            raise ApiError(403, "source_not_allowed", f"{event_id!r} does not start with this key's sources {', '.join(sources)}")
    given = do_give_kudos(giver=body.from_, receivers=body.to, message=body.message, values=body.values,
                          channel=body.channel, event_id=event_id)
    return Status(201, {"event": given.event_id, "allowance": given.allowance.as_json()})


def _kudos_in(raw: bytes) -> KudosIn:
    """The body, or a refusal (validation_error, allowance null) naming each field to fix."""
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise KudosRefused("validation_error", "The body is not JSON: send {\"from\", \"to\", \"message\"}.") from None
    try:
        return KudosIn.model_validate(data)
    except ValidationError as exc:
        details = [{**d, "path": d["path"].replace("from_", "from")} for d in issues_from_pydantic(exc)]
        raise KudosRefused("validation_error", f"The kudos is not valid: {details[0]['path'] or 'body'}: "
                           f"{details[0]['message']}.", details=details) from None


@router.get("/kudos", auth=auth.reader, response=FeedOut, by_alias=True, summary="The kudos feed")
def kudos_feed(request, to: str | None = None, from_: str | None = Query(None, alias="from"), value: str | None = None,
               limit: int = Query(20, ge=1, le=MAX_LIMIT), cursor: str | None = None):
    """Newest `occurred_at` first; undone kudos are left out. Pass `next_cursor` as `cursor` for the next page."""
    items, next_cursor = feed(to=to, from_=from_, value=value, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.delete("/kudos/{path:event_id}", auth=auth.sender, response={204: None}, summary="Undo a kudos")
def undo_kudos(request, event_id: str):
    """Its points are taken back when scored, and its allowance is given back at once. An integration
    key with sources undoes only kudos whose id starts with one of them."""
    key = request.api_key
    if key.role == "integration" and key.sources and not event_id.startswith(tuple(key.sources)):
        raise ApiError(403, "source_not_allowed", f"this key undoes only events of its sources "
                       f"({', '.join(key.sources)}); {event_id!r} is not one of them")
    do_undo_kudos(event_id=event_id)
    return Status(204, None)


@router.get("/people/{person_id}/allowance", auth=auth.reader, response=AllowanceOut,
            summary="How many kudos a person has left")
def person_allowance(request, person_id: str):
    if not Person.objects.filter(key=person_id).exists():
        raise NotFound(f"no person has the id {person_id!r}")
    allowance = allowance_for(person_id)
    if allowance is None:
        raise Conflict("kudos_not_enabled", "kudos are not enabled: the active ruleset has no `kudos:` section")
    return {"left": allowance.left, "amount": allowance.amount, "per": allowance.per, "resets_at": allowance.resets_at}


def with_kudos_schemas(schema: dict) -> dict:
    """The OpenAPI components the raw-body route refers to."""
    schema.setdefault("components", {}).setdefault("schemas", {})["KudosIn"] = KudosIn.model_json_schema(by_alias=True)
    return schema
