"""Plain data the rules core reads and produces. No framework types cross this line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping


# Event, AwardOutcome and PastAward are made once per event or award, the scorer's hottest path, so
# they are not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__,
# which costs about 4 µs for an Event's 13 fields against 1 µs for plain slots, some 7% of a scoring
# batch in all. Nothing assigns to them once made; treat them as read-only.
@dataclass(slots=True)
class Event:
    """One accepted event, as the rules see it.

    `hashtags` are lower-case without `#`; `target_author` is a person id or None.
    """

    seq: int
    id: str
    type: str
    occurred_at: datetime
    actor: str
    channel: str | None = None
    program: str | None = None
    target_id: str | None = None
    target_author: str | None = None
    text: str = ""
    hashtags: frozenset[str] = frozenset()
    mentions: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AwardOutcome:
    rule_id: str
    recipient: str
    points: int
    base_points: int
    factor: float = 1.0
    capped: bool = False
    # For a compensating award written by an undo: the id of the event whose award it reverses.
    reverses_event: str | None = None


@dataclass(frozen=True, slots=True)
class BadgeOutcome:
    person: str
    badge_id: str
    tier: int | None  # index into the badge's tiers; None for a badge without tiers
    tier_name: str | None


@dataclass(frozen=True, slots=True)
class LevelOutcome:
    person: str
    level: str
    min_points: int
    previous: str | None


@dataclass(slots=True)
class Outcome:
    event: Event
    awards: list[AwardOutcome] = field(default_factory=list)
    badges: list[BadgeOutcome] = field(default_factory=list)
    levels: list[LevelOutcome] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class PastAward:
    """An award already in the ledger, as an undo needs it."""

    rule_id: str
    recipient: str
    points: int
    capped: bool


@dataclass(frozen=True, slots=True)
class StreakRun:
    """A person's latest run of a streak: its last period's label, its length, and the best length ever."""

    last_period: str | None = None  # 2026-11-28 or 2026-W48; None before the first qualifying event
    length: int = 0
    best: int = 0
