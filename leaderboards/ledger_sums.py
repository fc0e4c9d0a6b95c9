"""The ledger summed per board entry by the database, for rebuilds and drift checks.

Walking a million ledger rows through the ORM and working out each row's boards cost a
rebuild 20 seconds. Boards only need sums, so the database groups the rows by what decides
a row's boards (recipient, and the rule, channel, program, team and time only when some
board looks at them), sums the points and keeps the last change for the tie order. Times
are grouped in 15-minute UTC buckets: every real UTC offset is a whole number of quarter
hours, so a day, week, month or season starts on a bucket's edge in any timezone. A bucket
that still straddles a boundary (a zone's local mean time before ~1900, say) is summed row
by row, so the totals are always exactly those of scoring the rows one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Iterator

from django.db import connections
from django.db.models import BigIntegerField, F, Func, Max, QuerySet, Sum, Value
from django.db.models.functions import Cast

from base.models import Person
from rules.core.schema import Leaderboard

from rules.core.placement import BUCKET_SECONDS, EPOCH_SHIFT, bucket_start

# Sorting key of a change: (batch, event seq) packed in one integer, so MAX finds the last one.
# Event seqs stay below 2**32, as placement.SEQ_SPACE assumes.
SEQ_SPACE = 2**32


class Unindexed(Func):
    """A column that SQLite must not answer from an index (its unary `+`).

    A rebuild reads every ledger row: a scan and one sort beat walking the batch or recipient
    index and fetching each row from the table, which SQLite's planner picks without
    statistics (5x slower here on 1,000,000 rows). Other databases see the plain column.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler, conn, **extra):
        return self.as_sql(compiler, conn, template="+%(expressions)s", **extra)


class BucketOf(Func):
    """The 15-minute bucket (a count since 0001-01-01) a stored time falls in."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, conn, **extra):
        # SQLite keeps datetimes as UTC text; strftime('%s') reads it as seconds since 1970. The '%'
        # is doubled twice: once for this template, once more for the driver's parameter style.
        return self.as_sql(compiler, conn, template=(
            f"((CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) + {EPOCH_SHIFT}) / {BUCKET_SECONDS})"), **extra)

    def as_postgresql(self, compiler, conn, **extra):
        return self.as_sql(compiler, conn, template=(
            f"CAST(FLOOR((EXTRACT(EPOCH FROM %(expressions)s) + {EPOCH_SHIFT}) / {BUCKET_SECONDS}) AS BIGINT)"), **extra)


@dataclass(frozen=True)
class Grouping:
    """Which of an award's fields can change the boards it counts on, for a set of boards."""

    rule: bool
    channel: bool
    program: bool
    team: bool
    time: bool

    @classmethod
    def for_boards(cls, boards: list[Leaderboard]) -> "Grouping":
        scopes = {b.scope for b in boards}
        return cls(rule=any(b.rules for b in boards), channel="channel" in scopes, program="program" in scopes,
                   team="team" in scopes or any(b.aggregate == "team" for b in boards),
                   time=any(b.period != "all" for b in boards))


# (column on Award, alias in the grouped query) of the optional grouping columns, in the order of a group.
OPTIONAL = (("rule_id", "g_rule"), ("channel", "g_channel"), ("program", "g_program"), ("team", "g_team"))


def grouped(awards: QuerySet, grouping: Grouping, *, max_batch: int | None = None) -> Iterator[tuple]:
    """The awards summed per group: (person key, rule id, channel, program, team, bucket, points,
    last), where `last` is batch * SEQ_SPACE + event seq of the group's last change (the tie order).
    Rows of 0 points are no change and left out.

    One query, run on the cursor: the ORM's per-value converters cost more than the query
    on 100,000 groups. The grouping is by recipient id; their keys are joined afterwards,
    once per group rather than once per row.
    """
    rows = awards.exclude(points=0)
    if max_batch is not None:
        rows = rows.alias(in_batch=Unindexed("batch")).filter(in_batch__lte=max_batch)
    used = [(field, alias) for (field, alias), wanted in zip(OPTIONAL, (grouping.rule, grouping.channel,
                                                                         grouping.program, grouping.team)) if wanted]
    columns = {"g_recipient": Unindexed("recipient_id"), **{alias: F(field) for field, alias in used}}
    if grouping.time:
        columns["g_bucket"] = BucketOf("occurred_at")
    inner = (rows.annotate(**columns).values(*columns).order_by()
             .annotate(g_total=Cast(Sum("points"), BigIntegerField()),
                       # A 64-bit literal: PostgreSQL would take a bare 2**32 parameter for a 32-bit integer.
                       g_last=Max(F("batch") * Value(SEQ_SPACE, output_field=BigIntegerField()) + F("event_id"),
                                  output_field=BigIntegerField())))
    db = connections[inner.db]
    sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    q = db.ops.quote_name
    # Every row comes out in the same order: '' for a value no board looks at, NULL for no bucket.
    picked = [f"g.{q(alias)}" if alias in columns else "''" for _, alias in OPTIONAL]
    picked.append(f"g.{q('g_bucket')}" if grouping.time else "NULL")
    query = (f"SELECT p.{q('key')}, {', '.join(picked)}, g.{q('g_total')}, g.{q('g_last')} FROM ({sql}) g "
             f"JOIN {q(Person._meta.db_table)} p ON p.{q('id')} = g.{q('g_recipient')}")
    with db.cursor() as cursor:
        cursor.execute(query, params)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk


def rows_in_bucket(awards: QuerySet, bucket: int, max_batch: int | None = None) -> QuerySet:
    """The awards of one bucket, for summing row by row."""
    start = bucket_start(bucket)
    rows = awards.exclude(points=0).filter(occurred_at__gte=start, occurred_at__lt=start + timedelta(seconds=BUCKET_SECONDS))
    return rows if max_batch is None else rows.filter(batch__lte=max_batch)


