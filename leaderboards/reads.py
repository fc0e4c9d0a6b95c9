"""Reading boards for the API: pages, around-me, a person's standings; and opting out."""

from __future__ import annotations

from datetime import datetime

import redis
from django.db import transaction
from django.utils import timezone

from engine.errors import ApiError, NotFound
from engine.models import Person, ScorerState
from engine.redis import get_redis
from rules.core import Ruleset, period_key
from rules.core.periods import parse_period_key
from rules.core.schema import Leaderboard

from . import store
from .placement import expiry
from .rebuild import ensure_past_period, grace


def resolve_period(board: Leaderboard, ruleset: Ruleset, requested: str | None, now: datetime | None = None) -> str:
    """`current` (default) or a label in the board's period format: 2026-11-28, 2026-W48, 2026-11."""
    if board.period == "all":
        if requested not in (None, "", "current", "all"):
            raise ApiError(422, "invalid_period", f"board {board.id!r} counts all time; use period=current or leave it out")
        return "all"
    if requested in (None, "", "current"):
        return period_key(board.period, now or timezone.now(), ruleset.tz)
    try:
        parse_period_key(board.period, requested)
    except ValueError as exc:
        raise ApiError(422, "invalid_period", f"board {board.id!r} is per {board.period}: {exc}") from None
    return requested


def resolve_scope(r: redis.Redis, board: Leaderboard, period: str, scope: str | None) -> str | None:
    if not board.scope:
        if scope:
            raise ApiError(422, "invalid_scope", f"board {board.id!r} has no scope; leave `scope` out")
        return None
    if not scope:
        known = store.scopes(r, board.id, period)
        hint = f" (this period has: {', '.join(known[:20])})" if known else ""
        raise ApiError(422, "scope_required", f"board {board.id!r} has one board per {board.scope}; pass ?scope=<{board.scope}>{hint}")
    return scope


def board_page(r: redis.Redis, ruleset: Ruleset, board: Leaderboard, *, period: str | None, scope: str | None,
               limit: int, offset: int, around: str | None) -> dict:
    period_label = resolve_period(board, ruleset, period)
    if board.period != "all" and expiry(board.period, period_label, ruleset.tz, grace()) <= timezone.now().timestamp():
        ensure_past_period(r, ruleset, board.id, period_label)
    scope_value = resolve_scope(r, board, period_label, scope)
    me = None
    if around:
        person = Person.objects.filter(key=around).first()
        if person is None:
            raise NotFound(f"no person with id {around!r}")
        standing = store.standing(r, board.id, period_label, scope_value, around)
        if standing:
            me = {"rank": standing.rank, "person": around, "name": person.display_name, "points": standing.points,
                  "public": standing.public}
            # Centre the page on the person (or on where they would stand, if they opted out).
            offset = max(0, standing.rank - 1 - limit // 2)
    rows = store.page(r, board.id, period_label, scope_value, offset, limit)
    names = dict(Person.objects.filter(key__in=[p for p, _ in rows]).values_list("key", "name"))
    entries = [{"rank": offset + i + 1, "person": p, "name": names.get(p) or p, "points": pts} for i, (p, pts) in enumerate(rows)]
    return {
        "board": board.id, "name": board.name or board.id, "period": period_label, "scope": scope_value,
        "total": store.size(r, board.id, period_label, scope_value), "offset": offset, "limit": limit,
        "entries": entries, "me": me,
    }


def person_standings(r: redis.Redis, ruleset: Ruleset, person: Person) -> list[dict]:
    """The person's rank on every board's current period (their team's board for team scope)."""
    results = []
    now = timezone.now()
    for board in ruleset.leaderboards:
        period_label = resolve_period(board, ruleset, None, now)
        if board.scope == "team":
            scope_values = [person.team] if person.team else []
        elif board.scope:
            scope_values = store.scopes(r, board.id, period_label)
        else:
            scope_values = [None]
        for scope_value in scope_values:
            standing = store.standing(r, board.id, period_label, scope_value, person.key)
            if standing:
                results.append({"board": board.id, "period": period_label, "scope": scope_value,
                                "rank": standing.rank, "points": standing.points, "public": standing.public})
    return results


def set_public(person: Person, public: bool) -> None:
    """Take a person off every public board, or put them back; their points stay in the ledger."""
    from rules.active import active_ruleset

    with transaction.atomic():
        # Same row the scorer locks: no batch can write this person's board entries meanwhile.
        ScorerState.objects.select_for_update().get_or_create(pk=1)
        Person.objects.filter(pk=person.pk).update(public=public)
        ruleset, _ = active_ruleset()
        if ruleset is not None:
            store.set_visibility(get_redis(), [b.id for b in ruleset.leaderboards], person.key, public)
    person.public = public
