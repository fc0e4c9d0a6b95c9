"""Rescore the whole event log under the active ruleset and replace everything derived from it.

One database transaction holds the scorer's lock throughout: readers see the old ledger
until it commits, and the boards are rebuilt under staging names and swapped in at the
end. Running it twice gives the same result as running it once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from django.db import transaction

from badges.models import BadgeGrant, BadgeProgress
from leaderboards.rebuild import rebuild_boards
from rules.active import active_ruleset

from . import scoring
from .errors import ApiError
from .models import Award, Event, LevelChange, Person, StreakState
from .redis import get_redis


@dataclass
class RecomputeReport:
    events: int
    awards: int
    points: int
    seconds: float


def do_recompute(progress: Callable[[int, int], None] | None = None) -> RecomputeReport:
    started = time.perf_counter()
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise ApiError(409, "no_ruleset", "no ruleset is active; activate one before recomputing")
    try:
        with transaction.atomic():
            scoring._take_scorer_lock()  # held until commit: live scoring waits for the swap
            _forget_derived_state()
            total = Event.objects.count()
            done = 0
            scoring._warm.clear()
            while (report := scoring.score_next_batch(boards=False)) is not None:
                done += report.events
                if progress:
                    progress(done, total)
            last_batch = scoring.ledger_batch()
            rebuild_boards(get_redis(), ruleset, last_batch)
            awards = Award.objects.count()
            points = sum(Person.objects.values_list("points", flat=True))
    finally:
        # The warm facts may describe a transaction that never committed.
        scoring._warm.clear()
    return RecomputeReport(done, awards, points, time.perf_counter() - started)


def _forget_derived_state() -> None:
    """Everything scoring wrote; the event log itself stays."""
    for model in _derived_models():
        model.objects.all().delete()
    Person.objects.update(points=0, level="")
    Event.objects.update(scored_at=None, scoring_note="")


def _derived_models() -> list:
    return [Award, BadgeGrant, BadgeProgress, LevelChange, StreakState]
