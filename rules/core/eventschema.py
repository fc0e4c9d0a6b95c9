"""The event JSON of the contract (section 2) as pydantic models.

Ingest validates what channels send with `EventDoc`; rule tests validate the events they
carry with a subclass of it, so both accept exactly the same events.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

MAX_ATTRIBUTES_BYTES = 4096
# Attributes nest at most this deep: deeper JSON is no record of learning, and every reader
# (the content hash, the database's JSON, rule expressions) would recurse through it.
MAX_ATTRIBUTES_DEPTH = 32
# An event lists at most this many hashtags and mentions, given or found in its text.
MAX_HASHTAGS = MAX_MENTIONS = 100
MAX_HASHTAG_LENGTH = 100
MAX_PERSON_ID_LENGTH = 200

NUL_MESSAGE = "holds the NUL character (\\u0000), which cannot be stored; remove it"
SURROGATE_MESSAGE = "holds a lone surrogate (\\ud800 to \\udfff without its pair), which is not Unicode text; remove it"


def _storable(value: str) -> str:
    # PostgreSQL stores no NUL in text or jsonb; pydantic refuses lone surrogates in strings itself.
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


# Every string of an event: what one database could not store, no database stores.
Text = Annotated[str, AfterValidator(_storable)]
PersonId = Annotated[Text, Field(min_length=1, max_length=MAX_PERSON_ID_LENGTH)]


def _person_object(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class PersonDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: PersonId
    name: Annotated[Text, Field(max_length=200)] | None = None
    team: Annotated[Text, Field(max_length=100)] | None = None


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
    channel: Annotated[Text, Field(max_length=200)] | None = None
    program: Annotated[Text, Field(max_length=200)] | None = None
    target: TargetDoc | None = None
    text: Annotated[Text, Field(max_length=10_000)] | None = None
    hashtags: Annotated[list[Annotated[Text, Field(min_length=1, max_length=MAX_HASHTAG_LENGTH)]],
                        Field(max_length=MAX_HASHTAGS)] | None = None
    mentions: Annotated[list[PersonId], Field(max_length=MAX_MENTIONS)] | None = None
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
        problem = _attributes_problem(value, "attributes", 1)
        if problem:
            raise ValueError(problem)
        try:
            # allow_nan=False: a number too big for a float (1e999) parses as infinity, which JSON cannot hold.
            size = len(json.dumps(value, separators=(",", ":"), allow_nan=False))
        except (TypeError, ValueError):
            raise ValueError("attributes hold JSON values only: strings, numbers (finite), booleans, null, lists and mappings") from None
        if size > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"attributes are limited to {MAX_ATTRIBUTES_BYTES} bytes of JSON")
        return value


def _attributes_problem(value: Any, path: str, depth: int) -> str | None:
    """What in the attributes no database stores or no reader should recurse through, with its path
    inside them; None when nothing. Walks by hand, so the depth is checked before any recursion."""
    if depth > MAX_ATTRIBUTES_DEPTH and isinstance(value, (dict, list)):
        return (f"attributes nest at most {MAX_ATTRIBUTES_DEPTH} levels deep (the attributes' own mapping is the "
                f"first); the list or mapping at {path} is deeper")
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                problem = _string_problem(key, f"the key {key!r} in {path}")
                if problem:
                    return problem
            problem = _attributes_problem(item, f"{path}.{key}", depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = _attributes_problem(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    elif isinstance(value, str):
        return _string_problem(value, path)
    return None


def _string_problem(value: str, where: str) -> str | None:
    if "\x00" in value:
        return f"{where} {NUL_MESSAGE}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{where} {SURROGATE_MESSAGE}"
    return None
