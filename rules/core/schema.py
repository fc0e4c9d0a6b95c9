"""The YAML ruleset format as pydantic models: types, required keys, unknown keys.

Cross-references (a badge naming an unknown rule, levels out of order...) are checked
in `checks.py`, after these models accept the shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _as_list(value: Any) -> Any:
    """YAML authors write `type: post` as often as `type: [post, comment]`."""
    if value is None or isinstance(value, list):
        return value
    return [value]


def _as_moment(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("write a date (2026-12-01) or a time with an offset (2026-12-01T09:00:00+01:00)") from None
    raise ValueError("write a date (2026-12-01) or a time with an offset (2026-12-01T09:00:00+01:00)")


Strings = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], BeforeValidator(_as_list)]
Moment = Annotated[date | datetime, BeforeValidator(_as_moment)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Between(Strict):
    from_: Moment | None = Field(default=None, alias="from")
    until: Moment | None = None

    @model_validator(mode="after")
    def _one_bound(self):
        if self.from_ is None and self.until is None:
            raise ValueError("between needs `from`, `until` or both")
        return self


class Condition(Strict):
    type: Strings | None = None
    channel: Strings | None = None
    program: Strings | None = None
    hashtags_any: Strings | None = None
    hashtags_all: Strings | None = None
    mentions_any: Strings | None = None
    not_self: bool | None = None
    text_min_length: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    between: Between | None = None
    expr: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class Award(Strict):
    to: Literal["actor", "target_author", "mentioned"]
    points: Annotated[StrictInt, Field(ge=-1_000_000, le=1_000_000)]


class Limit(Strict):
    max: Annotated[StrictInt, Field(ge=0)]
    per: Literal["day", "week", "month", "ever"]


class Rule(Strict):
    id: Id
    description: str | None = None
    when: Condition = Condition()
    award: Annotated[list[Award], BeforeValidator(_as_list), Field(min_length=1)]
    limit: Limit | None = None

    @field_validator("award")
    @classmethod
    def _one_award_per_recipient_kind(cls, awards: list[Award]) -> list[Award]:
        kinds = [a.to for a in awards]
        for kind in set(kinds):
            if kinds.count(kind) > 1:
                raise ValueError(f"two awards go `to: {kind}`; add their points into one award")
        return awards


class Boost(Strict):
    id: Id
    description: str | None = None
    when: Condition = Condition()
    factor: Annotated[float, Field(gt=0, le=100)]


class Level(Strict):
    name: Name
    min_points: StrictInt


class Criteria(Strict):
    rule: Id | None = None
    event: Condition | None = None
    points: StrictInt | None = None
    count: Annotated[StrictInt, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _exactly_one_kind(self):
        given = [k for k in ("rule", "event", "points") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("criteria need exactly one of `rule`, `event` or `points`")
        return self


class Tier(Strict):
    name: Name
    count: Annotated[StrictInt, Field(ge=1)] | None = None
    points: StrictInt | None = None


class Badge(Strict):
    id: Id
    name: Name
    description: str | None = None
    image: str | None = None
    criteria: Criteria
    tiers: Annotated[list[Tier], Field(min_length=1)] | None = None


class Leaderboard(Strict):
    id: Id
    name: Name | None = None
    period: Literal["day", "week", "month", "all"] = "all"
    scope: Literal["channel", "team", "program"] | None = None
    rules: Annotated[list[Id], BeforeValidator(_as_list)] | None = None


class Notification(Strict):
    on: Literal["badge_awarded", "level_up", "leaderboard_top", "digest"]
    to: Name | None = None
    template: Name | None = None
    schedule: str | None = None
    board: Id | None = None
    top: Annotated[StrictInt, Field(ge=1, le=100)] | None = None


class RulesetDoc(Strict):
    ruleset: Id
    description: str | None = None
    timezone: str = "UTC"
    levels: list[Level] = []
    rules: list[Rule] = []
    boosts: list[Boost] = []
    badges: list[Badge] = []
    leaderboards: list[Leaderboard] = []
    notifications: list[Notification] = []
