"""The ledger step of a scoring batch: awards, level changes, people's points and levels, streak runs,
and the events marked scored. Also the batch counter that serialises scorers.

One scorer at a time: each batch's transaction starts by bumping ScorerState.last_batch, which
takes the database's write lock on that row, so a second scorer waits until commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import F
from django.utils import timezone

from rules.core import FactsCache, Ruleset

from .batch import BatchPerson, Step
from .dbtimes import time_adapter
from .models import Award, Event, LevelChange, Person, ScorerState, StreakState


class ScorerTurn(NamedTuple):
    batch: int  # this batch's number
    facts_epoch: int  # bumped by every change to people's history outside scoring (bump_facts_epoch)


def take_scorer_lock() -> int:
    return take_scorer_turn().batch


def take_scorer_turn() -> ScorerTurn:
    """Bump the batch counter first thing: the row's write lock serialises scorers until commit.
    One UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL) instead of an update and a read through the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_BATCH)
        row = cursor.fetchone()
        if row is None:  # the first batch ever
            ScorerState.objects.get_or_create(pk=1)
            cursor.execute(_BUMP_BATCH)
            row = cursor.fetchone()
    return ScorerTurn(*row)


_BUMP_BATCH = f"UPDATE {ScorerState._meta.db_table} SET last_batch = last_batch + 1 WHERE id = 1 RETURNING last_batch, facts_epoch"


def bump_facts_epoch() -> ScorerState | None:
    """Say that people's history changed outside scoring (a merge moved one person's awards and counts
    to another, an erasure gave a person a new id, a badge step was granted by hand), in the caller's
    transaction. Every scorer process compares the epoch at its next batch and reads the facts it kept
    from earlier batches again. The row's write lock also keeps scorers out until the caller commits,
    so callers take it before any other lock, as the scorer does. Returns the row (None before the
    first batch ever)."""
    ScorerState.objects.filter(pk=1).update(facts_epoch=F("facts_epoch") + 1)
    return ScorerState.objects.filter(pk=1).first()


def ledger_batch() -> int:
    return ScorerState.objects.filter(pk=1).values_list("last_batch", flat=True).first() or 0


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


class LedgerStep(Step):
    """Builds the batch's awards (batch.awards, which the boards count) and level changes from the
    rules' outcomes, then writes them with what follows from them."""

    levels: list[LevelChange]

    def prepare(self) -> None:
        self.batch.awards, self.levels = ledger_rows(self.batch)

    def write(self) -> None:
        b = self.batch
        insert_awards(b.awards, b.number, b.version)
        LevelChange.objects.bulk_create(self.levels, batch_size=1000)
        write_people(b.facts, b.people, b.ruleset)
        write_streaks(b.facts, b.people)
        with connection.cursor() as cursor:  # plain SQL for the same reason as BatchPerson.read
            cursor.execute(f"UPDATE {Event._meta.db_table} SET scored_at = %s WHERE seq IN ({', '.join(['%s'] * len(b.events))})",
                           [connection.ops.adapt_datetimefield_value(timezone.now())] + [e.seq for e in b.events])
        for o in b.outcomes:
            if o.note:
                Event.objects.filter(source_id=o.event.id).update(scoring_note=o.note[:300])


def ledger_rows(batch) -> tuple[list[LedgerRow], list[LevelChange]]:
    outcomes, people = batch.outcomes, batch.people
    by_source = {e.source_id: e for e in batch.events}
    # Compensations count where the reversed award counted: its time, channel, program and team.
    originals: dict[tuple[str, str, int], Award | LedgerRow] = {}
    reversed_ids = {a.reverses_event for o in outcomes for a in o.awards if a.reverses_event}
    if reversed_ids:
        for award in Award.objects.filter(event__source_id__in=reversed_ids, reverses_event__isnull=True).select_related("event"):
            originals[(award.event.source_id, award.rule_id, award.recipient_id)] = award
        missing = reversed_ids - by_source.keys()
        by_source.update({e.source_id: e for e in Event.objects.filter(source_id__in=missing)})
    awards, levels = [], []
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
        for lv in outcome.levels:
            levels.append(LevelChange(person_id=people[lv.person].id, level=lv.level, previous=lv.previous or "",
                                      min_points=lv.min_points, event_id=event.seq))
    return awards, levels


def insert_awards(awards: list[LedgerRow], batch: int, version: int) -> None:
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


def write_people(facts: FactsCache, people: dict[str, BatchPerson], ruleset: Ruleset) -> None:
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


def write_streaks(facts: FactsCache, people) -> None:
    """The streak runs the facts changed; people: key -> anything with the person's `id`."""
    rows = []
    for key, streak_id in facts.changed_streaks:
        run = facts.streak(key, streak_id)
        rows.append(StreakState(person_id=people[key].id, streak_id=streak_id, last_period=run.last_period,
                                length=run.length, best=run.best))
    StreakState.objects.bulk_create(rows, batch_size=1000, update_conflicts=True, unique_fields=["person", "streak_id"],
                                    update_fields=["last_period", "length", "best"])
