"""Base classes and strict types for request input."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, WithJsonSchema, model_validator


class BodyIn(Schema):
    """A JSON object body. Ninja's Schema would read attributes off any value (a list, a number)
    and call it an empty object; a body that is not an object is a client error instead."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_an_object(cls, value: Any) -> Any:
        raw = value._obj if isinstance(value, DjangoGetter) else value  # Schema's own validator wraps first
        if not isinstance(raw, dict):
            kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(raw), "a number")
            raise ValueError(f"the body must be a JSON object, not {kind}")
        return value


def _iso_date_text(value: Any) -> Any:
    # Pydantic would read "0" or 1700000000 as a Unix time; a calendar date is written YYYY-MM-DD.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-11-30")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text), WithJsonSchema({"type": "string", "format": "date"})]
