"""The ordered batch scorer: pending events -> rules.core -> ledger -> boards.

One scorer at a time: each batch's transaction starts by bumping ScorerState.last_batch,
which takes the database's write lock on that row, so a second scorer waits. Board
updates are applied to Redis inside that transaction, together with the batch number;
a crash before commit leaves Redis one batch ahead, which the next batch detects and
repairs by rebuilding from the ledger (see leaderboards.rebuild.sync_boards).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from badges.models import BadgeGrant, BadgeProgress
from leaderboards import rebuild
from leaderboards.store import send_changes
from leaderboards.visibility import Visibility
from notifications import board_tops
from notifications.triggers import record_for_batch as record_notifications
from rulesets import failures as expression_failures
from rulesets.active import active_ruleset
from rules.core import FactsCache, Outcome, PastAward, Ruleset, StreakRun, evaluate, period_bounds

from base.gc_pause import gc_paused
from base.dbtimes import time_adapter
from base.inbox import catch_up
from base.models import Award, Event, LevelChange, Person, ScorerState, ScoringEvent, StreakState, stored_time
from base.redis import get_redis

log = logging.getLogger(__name__)


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
    started = time.perf_counter()
    batch_size = batch_size or _batch_size()
    r = get_redis()
    with transaction.atomic():
        batch = _take_scorer_lock()
        ruleset, version = active_ruleset()
        if ruleset is None:
            transaction.set_rollback(True)
            return None
        if boards:
            rebuild.sync_boards(r, ruleset, batch - 1)
        events = ScoringEvent.pending(batch_size)
        if not events:
            transaction.set_rollback(True)
            return None
        people = _people_for(events)
        facts = _facts_for(batch, version, LedgerFacts(ruleset, people, events))
        failures_before = dict(ruleset.failures.counts)
        outcomes = [evaluate(ruleset, e.to_core(), facts) for e in events]
        _report_expression_failures(r, ruleset, version, failures_before)
        ledger = _ledger_rows(outcomes, events, people, ruleset)
        changes = rebuild.board_changes(ruleset, (
            (a.recipient_key, a.rule_id, a.points, a.occurred_at, a.channel, a.program, a.team, a.event_id)
            for a in ledger.awards
        ))
        sent = tops = None
        if boards:
            visibility = Visibility(ruleset, ((p.key, p.public, p.role) for p in people.values()))
            tops = board_tops.tops_before(r, ruleset, changes) if announce else None
            # Sent now, its answer read before commit: Redis adds the points while the ledger is written.
            sent = send_changes(r, changes, visibility.hidden_check(), batch=batch)
        try:
            _write_ledger(ledger, outcomes, events, people, facts, ruleset, batch, version)
            if announce:
                record_notifications(ruleset, events)  # outbox rows in this transaction; sent after commit
        except BaseException:
            if sent is not None:
                sent.abandon()  # Redis may now be a batch ahead of the ledger: the next batch rebuilds
            raise
        if sent is not None:
            sent.finish()
            board_tops.record_entries(r, ruleset, tops, changes, events)  # who entered a board's top N
        awards = ledger.awards
    _warm.update(batch=batch, version=version, facts=facts)
    report = BatchReport(batch, len(events), len(awards), time.perf_counter() - started)
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
# directly follows (no other scorer wrote in between) under the same ruleset version;
# otherwise it starts cold and reads the ledger. Bounded, so memory stays flat.
_warm: dict = {}
WARM_FACTS_LIMIT = 500_000


def _facts_for(batch: int, version: int, source: LedgerFacts) -> FactsCache:
    facts = _warm.pop("facts", None)
    follows = _warm.get("batch") == batch - 1 and _warm.get("version") == version
    if facts is None or not follows or facts.size() > WARM_FACTS_LIMIT:
        return FactsCache(source)
    facts.next_batch(source)
    return facts


def _report_expression_failures(r, ruleset: Ruleset, version: int, before: dict[str, int]) -> None:
    """Log this batch's failed expressions and add them to the counts admins see (GET /ruleset)."""
    new = {owner: count - before.get(owner, 0) for owner, count in ruleset.failures.counts.items()
           if count > before.get(owner, 0)}
    for owner, count in new.items():
        log.warning("expression of %s did not hold on %s event(s) because it failed; last: %s",
                    owner, count, ruleset.failures.last_error.get(owner))
    expression_failures.record(r, version, new, ruleset.failures.last_error)


def _take_scorer_lock() -> int:
    """Bump the batch counter first thing: the row's write lock serialises scorers until commit.
    One UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL) instead of an update and a read through the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_BATCH)
        row = cursor.fetchone()
        if row is None:  # the first batch ever
            ScorerState.objects.get_or_create(pk=1)
            cursor.execute(_BUMP_BATCH)
            row = cursor.fetchone()
    return row[0]


_BUMP_BATCH = f"UPDATE {ScorerState._meta.db_table} SET last_batch = last_batch + 1 WHERE id = 1 RETURNING last_batch"


def ledger_batch() -> int:
    return ScorerState.objects.filter(pk=1).values_list("last_batch", flat=True).first() or 0


def _people_for(events: list[ScoringEvent]) -> dict[str, BatchPerson]:
    keys = set()
    for e in events:
        keys.add(e.actor_key)
        if e.target_author_key:
            keys.add(e.target_author_key)
        keys.update(e.mentions)
    undo_targets = [e.target_id for e in events if e.type == "undo"]
    if undo_targets:
        keys.update(Award.objects.filter(event__source_id__in=undo_targets).values_list("recipient__key", flat=True))
    people = BatchPerson.read(keys)
    missing = [Person(key=k) for k in keys if k not in people]
    if missing:  # mentions stored before people were created at ingest
        Person.objects.bulk_create(missing, ignore_conflicts=True)
        people.update(BatchPerson.read([p.key for p in missing]))
    return people


class BatchPerson(NamedTuple):
    """What a batch needs of a person, read as one tuple per row (model instances cost several times more)."""

    id: int
    key: str
    points: int
    team: str
    public: bool
    role: str

    @classmethod
    def read(cls, keys) -> dict[str, BatchPerson]:
        keys = list(keys)
        if not keys:
            return {}
        # Plain SQL: the ORM prepares each of the few hundred keys of the IN list one by one.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, key, points, team, public, role FROM {Person._meta.db_table} "
                           f"WHERE key IN ({', '.join(['%s'] * len(keys))})", keys)
            return {row[1]: cls(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) for row in cursor.fetchall()}


class LedgerFacts:
    """FactsSource over the database: what the ledger says before this batch.

    Each kind of fact is read for all of the batch's people in one query, the first time
    any of them is asked for: a batch costs a handful of queries, not a few per event.
    """

    def __init__(self, ruleset: Ruleset, people: dict[str, BatchPerson], events: list[ScoringEvent] | None = None):
        self.ruleset, self.people = ruleset, people
        self._ids = {p.id: key for key, p in people.items()}
        # The batch's targets, so `once_per: target` is answered for all of them in one query.
        self._targets = None if events is None else {e.target_id for e in events if e.target_id}
        self._rule_counts: dict[tuple[str, str], int] | None = None
        self._event_counts: dict[tuple[str, str], int] | None = None
        self._tiers: dict[tuple[str, str], int] | None = None
        self._targeted: set[tuple[str, str, str]] | None = None
        self._streaks: dict[tuple[str, str], StreakRun] | None = None

    def _by_person(self, rows) -> dict[tuple[str, str], int]:
        return {(self._ids[person_id], other): n for person_id, other, n in rows}

    def cap_counts(self, rule_id, per, period):
        awards = Award.objects.filter(rule_id=rule_id, capped=False, reverses_event__isnull=True)
        bounds = period_bounds(per, period, self.ruleset.tz)
        if bounds:
            awards = awards.filter(occurred_at__gte=bounds[0], occurred_at__lt=bounds[1])
        return dict(awards.values("recipient__key").annotate(n=Count("id")).values_list("recipient__key", "n"))

    def rule_count(self, person, rule_id):
        if self._rule_counts is None:
            rows = (Award.objects.filter(recipient_id__in=self._ids, capped=False).values("recipient_id", "rule_id")
                    .annotate(given=Count("id", filter=Q(reverses_event__isnull=True)),
                              reversed=Count("id", filter=Q(reverses_event__isnull=False)))
                    .values_list("recipient_id", "rule_id", "given", "reversed"))
            self._rule_counts = {(self._ids[pid], rule): given - rev for pid, rule, given, rev in rows}
        return self._rule_counts.get((person, rule_id), 0)

    def event_count(self, person, badge_id):
        if self._event_counts is None:
            self._event_counts = self._by_person(
                BadgeProgress.objects.filter(person_id__in=self._ids).values_list("person_id", "badge_id", "count"))
        return self._event_counts.get((person, badge_id), 0)

    def points(self, person):
        return self.people[person].points

    def badge_tiers(self, person, badge_id):
        if self._tiers is None:
            self._tiers = self._by_person(
                BadgeGrant.objects.filter(person_id__in=self._ids).values("person_id", "badge_id")
                .annotate(n=Count("id")).values_list("person_id", "badge_id", "n"))
        return self._tiers.get((person, badge_id), 0)

    def awards_of(self, event_id):
        rows = Award.objects.filter(event__source_id=event_id, reverses_event__isnull=True).order_by("id")
        return [PastAward(rule_id, key, points, capped)
                for rule_id, key, points, capped in rows.values_list("rule_id", "recipient__key", "points", "capped")]

    def is_undone(self, event_id):
        return Event.objects.filter(type="undo", target_id=event_id, scored_at__isnull=False).exists()

    def target_awarded(self, rule_id, person, target_id):
        if self._targets is None or target_id not in self._targets:  # a caller that did not name the batch's events
            return (rule_id, person, target_id) in self._awarded_on(Q(rule_id=rule_id, event__target_id=target_id))
        if self._targeted is None:
            once = [r.id for r in self.ruleset.rules if r.spec.once_per == "target"]
            self._targeted = self._awarded_on(Q(rule_id__in=once, event__target_id__in=self._targets))
        return (rule_id, person, target_id) in self._targeted

    @staticmethod
    def _awarded_on(where: Q) -> set[tuple[str, str, str]]:
        # Undone awards included (reverses_event is only set on the compensations): once per target is never given back.
        rows = Award.objects.filter(where, capped=False, reverses_event__isnull=True)
        return set(rows.values_list("rule_id", "recipient__key", "event__target_id"))

    def streak(self, person, streak_id):
        if self._streaks is None:
            rows = StreakState.objects.filter(person_id__in=self._ids).values_list(
                "person_id", "streak_id", "last_period", "length", "best")
            self._streaks = {(self._ids[pid], sid): StreakRun(last, length, best) for pid, sid, last, length, best in rows}
        return self._streaks.get((person, streak_id), StreakRun())


class LedgerRow(NamedTuple):
    """An award as written to the ledger: a plain tuple, far cheaper to build than a model instance."""

    event_id: int
    rule_id: str
    recipient_id: int
    recipient_key: str
    points: int
    base_points: int
    factor: float
    capped: bool
    reverses_event_id: int | None
    occurred_at: datetime
    channel: str
    program: str
    team: str
    occurred_at_text: str | None = None  # the event's stored text of occurred_at, copied as is (ScoringEvent)


@dataclass
class LedgerRows:
    """What a batch adds to the ledger, built before anything is written."""

    awards: list[LedgerRow]
    grants: list[BadgeGrant]
    levels: list[LevelChange]


def _ledger_rows(outcomes: list[Outcome], events: list[ScoringEvent], people: dict[str, BatchPerson],
                 ruleset: Ruleset) -> LedgerRows:
    by_source = {e.source_id: e for e in events}
    # Compensations count where the reversed award counted: its time, channel, program and team.
    originals: dict[tuple[str, str, int], Award | LedgerRow] = {}
    reversed_ids = {a.reverses_event for o in outcomes for a in o.awards if a.reverses_event}
    if reversed_ids:
        for award in Award.objects.filter(event__source_id__in=reversed_ids, reverses_event__isnull=True).select_related("event"):
            originals[(award.event.source_id, award.rule_id, award.recipient_id)] = award
        missing = reversed_ids - by_source.keys()
        by_source.update({e.source_id: e for e in Event.objects.filter(source_id__in=missing)})
    awards, grants, levels = [], [], []
    for outcome in outcomes:
        event = by_source[outcome.event.id]
        for a in outcome.awards:
            recipient = people[a.recipient]
            if a.reverses_event:
                original = originals[(a.reverses_event, a.rule_id, recipient.id)]
                row = LedgerRow(event.seq, a.rule_id, recipient.id, recipient.key, a.points, 0, 1.0, False,
                                by_source[a.reverses_event].seq, original.occurred_at, original.channel,
                                original.program, original.team)
            else:
                row = LedgerRow(event.seq, a.rule_id, recipient.id, recipient.key, a.points, a.base_points, a.factor,
                                a.capped, None, event.occurred_at, event.channel, event.program, recipient.team,
                                event.occurred_at_text)
                originals[(event.source_id, a.rule_id, recipient.id)] = row
            awards.append(row)
        for b in outcome.badges:
            badge = ruleset.badge(b.badge_id)
            grants.append(BadgeGrant(person_id=people[b.person].id, badge_id=b.badge_id, badge_name=badge.spec.name,
                                     step=b.tier or 0, tier_name=b.tier_name or "", event_id=event.seq))
        for lv in outcome.levels:
            levels.append(LevelChange(person_id=people[lv.person].id, level=lv.level, previous=lv.previous or "",
                                      min_points=lv.min_points, event_id=event.seq))
    return LedgerRows(awards, grants, levels)


def _write_ledger(ledger: LedgerRows, outcomes: list[Outcome], events: list[ScoringEvent], people: dict[str, BatchPerson],
                  facts: FactsCache, ruleset: Ruleset, batch: int, version: int) -> None:
    _insert_awards(ledger.awards, batch, version)
    BadgeGrant.objects.bulk_create(ledger.grants, batch_size=1000)
    LevelChange.objects.bulk_create(ledger.levels, batch_size=1000)
    _write_people(facts, people, ruleset)
    _write_event_counts(facts, people)
    _write_streaks(facts, people)
    with connection.cursor() as cursor:  # plain SQL for the same reason as BatchPerson.read
        cursor.execute(f"UPDATE {Event._meta.db_table} SET scored_at = %s WHERE seq IN ({', '.join(['%s'] * len(events))})",
                       [connection.ops.adapt_datetimefield_value(timezone.now())] + [e.seq for e in events])
    for o in outcomes:
        if o.note:
            Event.objects.filter(source_id=o.event.id).update(scoring_note=o.note[:300])


def _insert_awards(awards: list[LedgerRow], batch: int, version: int) -> None:
    """One executemany of one INSERT: bulk_create builds and checks a model instance per row, which cost
    about half of the ledger's time. The values are adapted for the database as Django would."""
    if not awards:
        return
    stamp = time_adapter()
    created = stamp(timezone.now())
    rows = [(a.event_id, a.rule_id, a.recipient_id, a.points, a.base_points, a.factor, a.capped, a.reverses_event_id,
             a.occurred_at_text or stamp(a.occurred_at), a.channel, a.program, a.team, batch, version, created) for a in awards]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Award._meta.db_table} (event_id, rule_id, recipient_id, points, base_points, factor, capped, "
            "reverses_event_id, occurred_at, channel, program, team, batch, ruleset_version, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


# Rows per statement where one statement carries many: 3 parameters a row, far below PostgreSQL's
# 65,535 parameters a statement.
ROWS_PER_STATEMENT = 1000


def _write_people(facts: FactsCache, people: dict[str, BatchPerson], ruleset: Ruleset) -> None:
    rows = []
    for key in facts.changed_points:
        points = facts.points(key)
        level = ruleset.level_for(points)
        rows.append((points, level.name if level else "", people[key].id))
    if not rows:
        return
    # Django's bulk_update builds a CASE per row and costs far more than either form below.
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"UPDATE {table} SET points = %s, level = %s WHERE id = %s", rows)
            return
        # One statement per chunk: a statement per row took PostgreSQL twice as long (bench.profile scorer).
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            values = ", ".join(["(%s::bigint, %s::text, %s::bigint)"] * len(chunk))
            cursor.execute(f"UPDATE {table} AS p SET points = v.points, level = v.level FROM (VALUES {values}) "
                           "AS v(points, level, id) WHERE p.id = v.id", [value for row in chunk for value in row])


def _write_event_counts(facts: FactsCache, people: dict[str, Person]) -> None:
    rows = [BadgeProgress(person_id=people[key].id, badge_id=badge_id, count=facts.event_count(key, badge_id))
            for key, badge_id in facts.changed_event_counts]
    BadgeProgress.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                      unique_fields=["person", "badge_id"], update_fields=["count"])


def _write_streaks(facts: FactsCache, people: dict[str, Person]) -> None:
    rows = []
    for key, streak_id in facts.changed_streaks:
        run = facts.streak(key, streak_id)
        rows.append(StreakState(person_id=people[key].id, streak_id=streak_id, last_period=run.last_period,
                                length=run.length, best=run.best))
    StreakState.objects.bulk_create(rows, batch_size=1000, update_conflicts=True, unique_fields=["person", "streak_id"],
                                    update_fields=["last_period", "length", "best"])
