"""The ordered batch scorer: pending events, batch after batch, through the steps of STEPS.

Each batch is one database transaction that starts by bumping the batch counter (base.ledger:
the row's write lock serialises scorers). Within it, every step's hooks run in the order of
STEPS, one hook at a time (base/batch.py says when each runs): the rules are evaluated, the
ledger and badges are written, the boards are sent to Redis before the ledger is written and
read back before commit, and the messages go to the outbox. A hook that fails rolls the whole
batch back, and every step abandons what it sent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from badges.facts import LedgerFacts
from badges.scoring import BadgesStep
from challenges.scoring import ChallengesStep, forget_warm_standings
from base.batch import Batch, Step, people_for
from base.gc_pause import gc_paused
from base.inbox import catch_up
from base.ledger import LedgerStep, take_scorer_turn
from base.models import Event, ScoringEvent, stored_time
from base.redis import get_redis
from leaderboards.scoring import BoardsStep
from notifications.scoring import NotificationsStep
from rules.core import FactsCache
from rulesets.active import active_ruleset
from rulesets.scoring import RulesStep

log = logging.getLogger(__name__)

# Every batch, in this order: where an award, a badge, a board write and a message are made.
STEPS: tuple[type[Step], ...] = (
    RulesStep,          # rulesets: the rules evaluated over the batch's events, failed expressions reported
    LedgerStep,         # base: awards, level changes, people's points and levels, streaks, events marked scored
    BadgesStep,         # badges: badge grants and badge progress
    ChallengesStep,     # challenges: progress, winners; rewards join the outcomes as each event is evaluated
    BoardsStep,         # leaderboards: the batch's points on the Redis boards
    NotificationsStep,  # notifications: badge, level and top-N messages in the outbox
)


@dataclass
class BatchReport:
    batch: int
    events: int
    awards: int
    seconds: float


def do_score_pending(max_batches: int | None = None) -> int:
    """Score every pending event, batch after batch; returns how many events were scored."""
    catch_up()  # batches received with Prefer: respond-async become events first, in the order they came
    scored = batches = 0
    while max_batches is None or batches < max_batches:
        with gc_paused():
            report = score_next_batch()
        if report is None:
            break
        scored += report.events
        batches += 1
        if settings.SCORER_PAUSE_SECONDS and connection.vendor == "sqlite" and _senders_active():
            # SQLite has one write lock: leave it free a moment for the senders waiting on it
            # (engine/sqlite_backend/base.py), or they wait until the backlog is done.
            time.sleep(settings.SCORER_PAUSE_SECONDS)
    return scored


def score_next_batch(batch_size: int | None = None, *, boards: bool = True, announce: bool = True) -> BatchReport | None:
    """Score the oldest pending events. `boards=False` leaves Redis alone (a recompute rebuilds it after);
    `announce=False` records no notifications (a recompute or a backfill must not flood the channels)."""
    steps = tuple(s for s in STEPS if (boards or s is not BoardsStep) and (announce or s is not NotificationsStep))
    return _score_batch(steps, batch_size or _batch_size())


def rescore_pending(progress: Callable[[int], None] | None = None) -> int:
    """Score every pending event into the ledger, inside the caller's transaction, which holds the
    scorer's lock (a recompute): no boards (the caller rebuilds them) and no messages. Facts are neither
    taken from earlier batches nor kept after: the caller's transaction may still roll back."""
    done = 0
    _warm.clear()
    forget_warm_standings()
    try:
        while (report := score_next_batch(boards=False, announce=False)) is not None:
            done += report.events
            if progress:
                progress(done)
    finally:
        _warm.clear()
        forget_warm_standings()
    return done


def forget_warm_facts() -> None:
    """The next batch reads its facts from the ledger (after the database was emptied or replaced)."""
    _warm.clear()
    forget_warm_standings()


def _score_batch(step_kinds: tuple[type[Step], ...], batch_size: int) -> BatchReport | None:
    started = time.perf_counter()
    r = get_redis()
    with transaction.atomic():
        number, facts_epoch = take_scorer_turn()
        if _warm.get("epoch") != facts_epoch:
            # A merge, an erasure or a badge granted by hand, in any process, changed people's history since
            # this process's last batch: what it kept of points, counts, badge steps and standings is read again.
            forget_warm_facts()
        ruleset, version = active_ruleset()
        if ruleset is None:
            transaction.set_rollback(True)
            return None
        batch = Batch(number, version, ruleset, r)
        steps = [kind(batch) for kind in step_kinds]
        for step in steps:
            step.start()
        batch.events = ScoringEvent.pending(batch_size)
        if not batch.events:
            transaction.set_rollback(True)
            return None
        batch.people = people_for(batch.events)
        batch.facts = _facts_for(number, version, LedgerFacts(ruleset, batch.people, batch.events))
        for step in steps:
            step.prepare()
        try:
            for step in steps:
                step.send()
            for step in steps:
                step.write()
            for step in steps:
                step.finish()
        except BaseException:
            for step in steps:
                step.abandon()
            raise
    _warm.update(batch=number, version=version, facts=batch.facts, epoch=facts_epoch)
    report = BatchReport(number, len(batch.events), len(batch.awards), time.perf_counter() - started)
    log.info("scored batch %s: %s events, %s awards in %.3fs", report.batch, report.events, report.awards, report.seconds)
    return report


def _batch_size() -> int:
    """SCORER_BATCH_SIZE while senders are active; larger batches for a backlog nobody adds to,
    where holding the database's write lock longer makes nobody wait (engine/settings.py)."""
    size, backlog = settings.SCORER_BATCH_SIZE, settings.SCORER_BACKLOG_BATCH_SIZE
    if backlog <= size:
        return size
    return size if _senders_active() else backlog


def _senders_active() -> bool:
    """Whether an event was accepted in the last SCORER_QUIET_SECONDS."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT received_at FROM {Event._meta.db_table} ORDER BY seq DESC LIMIT 1")
        newest = cursor.fetchone()
    return newest is not None and stored_time(newest[0]) >= timezone.now() - timedelta(seconds=settings.SCORER_QUIET_SECONDS)


# The facts of the last batch this process committed. The next batch may reuse them when it
# directly follows (no other scorer wrote in between) under the same ruleset version and facts
# epoch (no merge, erasure or hand-made grant since); otherwise it starts cold and reads the
# ledger. Bounded, so memory stays flat.
_warm: dict = {}
WARM_FACTS_LIMIT = 500_000


def _facts_for(batch: int, version: int, source: LedgerFacts) -> FactsCache:
    facts = _warm.pop("facts", None)
    follows = _warm.get("batch") == batch - 1 and _warm.get("version") == version
    if facts is None or not follows or facts.size() > WARM_FACTS_LIMIT:
        return FactsCache(source)
    facts.next_batch(source)
    return facts
