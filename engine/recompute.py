"""Rescore the event log under the active ruleset and replace what was derived from it.

One database transaction holds the scorer's lock throughout: readers see the old ledger
until it commits, and the boards are rebuilt under staging names and swapped in at the
end. Running it twice gives the same result as running it once.

With `since`, only events that occurred from that moment on are rescored. Everything the
ledger says about earlier events stands: their awards, badges and levels, and the points,
caps and badge counts that follow from them. The counters that the ledger cannot tell
(badge `event` criteria and streak runs) are counted again over the earlier events, in
acceptance order, under the active ruleset. The rescored events are then scored after all
of the earlier ones, in their own acceptance order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from django.db import connection, transaction
from django.db.models import Sum

from badges.models import BadgeGrant, BadgeProgress
from badges.scoring import restore_grants, take_grants, write_badge_progress
from challenges.recompute import forget_progress
from leaderboards.rebuild import rebuild_boards
from rulesets.active import active_ruleset
from rules.core import FactsCache, Ruleset, evaluate

from . import scoring
from base.errors import Conflict
from base.inbox import catch_up
from base.ledger import ledger_batch, take_scorer_lock, write_streaks
from base.models import Award, Event, LevelChange, Person, ScoringEvent, StreakState
from base.redis import get_redis


@dataclass
class RecomputeReport:
    events: int
    awards: int
    points: int
    seconds: float


def do_recompute(progress: Callable[[int, int], None] | None = None, *, since: datetime | None = None) -> RecomputeReport:
    started = time.perf_counter()
    catch_up()  # every event received so far is rescored, including those of respond-async batches
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active; activate one before recomputing")
    try:
        with transaction.atomic():
            take_scorer_lock()  # held until commit: live scoring waits for the swap
            if since is None:
                grants = _forget_everything()
            else:
                grants = _forget_since(ruleset, since)
            total = Event.objects.filter(scored_at__isnull=True).count()
            if progress:
                progress(0, total)
            done = scoring.rescore_pending((lambda done: progress(done, total)) if progress else None)
            restore_grants(grants)
            rebuild_boards(get_redis(), ruleset, ledger_batch())
            awards = Award.objects.count()
            points = Person.objects.aggregate(total=Sum("points"))["total"] or 0
    finally:
        # The warm facts may describe a transaction that never committed.
        scoring.forget_warm_facts()
    return RecomputeReport(done, awards, points, time.perf_counter() - started)


def _forget_everything() -> dict:
    """Everything scoring wrote; the event log itself stays. Returns the badge grants taken, which
    restore_grants links back after the rescore."""
    grants = take_grants(BadgeGrant.objects.all())
    for model in (Award, BadgeProgress, LevelChange, StreakState):
        model.objects.all().delete()
    forget_progress()
    Person.objects.update(points=0, level="")
    Event.objects.update(scored_at=None, scoring_note="")
    return grants


def _forget_since(ruleset: Ruleset, since: datetime) -> dict:
    rescored = Event.objects.filter(occurred_at__gte=since)
    grants = take_grants(BadgeGrant.objects.filter(event__in=rescored))
    for model in (Award, LevelChange):
        model.objects.filter(event__in=rescored).delete()
    forget_progress(rescored)
    _recount_people(ruleset)
    _recount_counters(ruleset, Event.objects.filter(occurred_at__lt=since))
    rescored.update(scored_at=None, scoring_note="")
    return grants


def _recount_people(ruleset: Ruleset) -> None:
    """Points and levels as the kept ledger has them."""
    Person.objects.update(points=0, level="")
    totals = Award.objects.values("recipient_id").annotate(total=Sum("points")).values_list("recipient_id", "total")
    rows = []
    for person_id, total in totals.iterator(chunk_size=5000):
        level = ruleset.level_for(total)
        rows.append((total, level.name if level else "", person_id))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Person._meta.db_table} SET points = %s, level = %s WHERE id = %s", rows)


def _recount_counters(ruleset: Ruleset, kept) -> None:
    """Badge event counts and streak runs over the kept events, replayed in memory in acceptance order."""
    BadgeProgress.objects.all().delete()
    StreakState.objects.all().delete()
    facts = FactsCache()
    for event in ScoringEvent.read(kept.order_by("seq")):
        evaluate(ruleset, event.to_core(), facts)
    keys = {key for key, _ in facts.changed_event_counts} | {key for key, _ in facts.changed_streaks}
    people = {p.key: p for p in Person.objects.filter(key__in=keys)}
    write_badge_progress(facts, people)
    write_streaks(facts, people)
