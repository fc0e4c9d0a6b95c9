"""`when:` mappings compiled into predicates over an Event.

Every condition given must hold. A CEL `expr` that fails on an event (a missing field,
a wrong type) does not hold; the failure is counted so admins can see it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

import cel

from .model import Event
from .periods import midnight
from .schema import Condition

Predicate = Callable[[Event], bool]


class ExpressionError(ValueError):
    pass


@dataclass
class ExpressionFailures:
    """How often each rule's expression failed, with the last reason, for the admin pages."""

    counts: Counter = field(default_factory=Counter)
    last_error: dict[str, str] = field(default_factory=dict)

    def record(self, owner: str, error: Exception) -> None:
        self.counts[owner] += 1
        self.last_error[owner] = f"{type(error).__name__}: {error}"


def compile_expression(source: str):
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ExpressionError(str(exc).replace("\n", " ")) from None
    unknown = set(program.variables()) - {"event"}
    if unknown:
        raise ExpressionError(f"expressions can only use `event`, not {', '.join(sorted(unknown))}")
    return program


def event_as_cel(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        # In UTC: the CEL library cannot convert zoneinfo timezones, only fixed offsets.
        "occurred_at": event.occurred_at.astimezone(timezone.utc),
        "actor": event.actor,
        "channel": event.channel or "",
        "program": event.program or "",
        "target": {"id": event.target_id or "", "author": event.target_author or ""},
        "text": event.text,
        "hashtags": sorted(event.hashtags),
        "mentions": list(event.mentions),
        "attributes": dict(event.attributes),
    }


def moment(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A `between` bound as an instant: a date is midnight, a time without offset is local, in `tz`."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return midnight(value, tz)


def compile_condition(cond: Condition, tz: ZoneInfo, owner: str, failures: ExpressionFailures,
                      *, type_and_channel_known: bool = False) -> Predicate:
    """`type_and_channel_known`: the caller only asks about events of the condition's types and
    channels (Ruleset.rules_for picks rules that way), so those checks can be left out."""
    checks: list[Predicate] = []
    if cond.type and not type_and_channel_known:
        types = frozenset(cond.type)
        checks.append(lambda e: e.type in types)
    if cond.channel and not type_and_channel_known:
        channels = frozenset(cond.channel)
        checks.append(lambda e: e.channel in channels)
    if cond.program:
        programs = frozenset(cond.program)
        checks.append(lambda e: e.program in programs)
    if cond.hashtags_any:
        any_tags = frozenset(normalize_hashtag(t) for t in cond.hashtags_any)
        checks.append(lambda e: not any_tags.isdisjoint(e.hashtags))
    if cond.hashtags_all:
        all_tags = frozenset(normalize_hashtag(t) for t in cond.hashtags_all)
        checks.append(lambda e: all_tags <= e.hashtags)
    if cond.mentions_any:
        people = frozenset(cond.mentions_any)
        checks.append(lambda e: not people.isdisjoint(e.mentions))
    if cond.not_self:
        checks.append(lambda e: e.target_author is None or e.target_author != e.actor)
    if cond.text_min_length:  # a minimum of 0 always holds
        length = cond.text_min_length
        checks.append(lambda e: len(e.text.strip()) >= length)
    if cond.between:
        start = moment(cond.between.from_, tz) if cond.between.from_ else None
        end = moment(cond.between.until, tz) if cond.between.until else None
        checks.append(lambda e: (start is None or e.occurred_at >= start) and (end is None or e.occurred_at < end))
    if cond.expr:
        program = compile_expression(cond.expr)

        def expression_holds(e: Event) -> bool:
            try:
                return program.execute({"event": event_as_cel(e)}) is True
            except Exception as exc:  # the library raises KeyError, TypeError, ValueError...
                failures.record(owner, exc)
                return False

        checks.append(expression_holds)

    if not checks:
        return lambda e: True
    if len(checks) == 1:
        return checks[0]

    def every(e: Event) -> bool:  # a plain loop: measurably cheaper than all() over a generator
        for check in checks:
            if not check(e):
                return False
        return True

    return every


def normalize_hashtag(tag: str) -> str:
    return tag.lstrip("#").casefold()
