"""The event JSON of the contract (section 2) as pydantic models.

Ingest validates what channels send with `EventDoc`; rule tests validate the events they
carry with a subclass of it, so both accept exactly the same events.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

MAX_ATTRIBUTES_BYTES = 4096

PersonId = Annotated[str, Field(min_length=1, max_length=200)]


def _person_object(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class PersonDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: PersonId
    name: Annotated[str, Field(max_length=200)] | None = None
    team: Annotated[str, Field(max_length=100)] | None = None


# A person is written as an id or as an object with `id` and optional `name` and `team`.
PersonRef = Annotated[PersonDoc, BeforeValidator(_person_object, json_schema_input_type=PersonId | PersonDoc)]


class TargetDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: PersonId
    author: PersonRef | None = None


class EventDoc(BaseModel):
    """One thing a person did in a channel."""

    model_config = ConfigDict(extra="forbid")
    id: PersonId
    type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    occurred_at: AwareDatetime
    actor: PersonRef
    channel: Annotated[str, Field(max_length=200)] | None = None
    program: Annotated[str, Field(max_length=200)] | None = None
    target: TargetDoc | None = None
    text: Annotated[str, Field(max_length=10_000)] | None = None
    hashtags: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=100)] | None = None
    mentions: Annotated[list[PersonId], Field(max_length=100)] | None = None
    attributes: dict[str, Any] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        try:
            utc = value.astimezone(timezone.utc)
        except OverflowError:
            utc = None
        if utc is None or not 1970 <= utc.year <= 9000:
            raise ValueError("occurred_at must fall between the years 1970 and 9000")
        return value

    @field_validator("attributes")
    @classmethod
    def _attributes_small(cls, value: dict | None) -> dict | None:
        if value is None:
            return value
        try:
            # allow_nan=False: a number too big for a float (1e999) parses as infinity, which JSON cannot hold.
            size = len(json.dumps(value, separators=(",", ":"), allow_nan=False))
        except (TypeError, ValueError):
            raise ValueError("attributes hold JSON values only: strings, numbers (finite), booleans, null, lists and mappings") from None
        if size > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"attributes are limited to {MAX_ATTRIBUTES_BYTES} bytes of JSON")
        return value
