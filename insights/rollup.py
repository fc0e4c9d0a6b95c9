"""Incremental engagement rollups over the event log, with their own watermark over Event.seq.

Independent of the scorer: a read catches up (a bounded number of events) before it answers,
`manage.py insights_rollup` catches up fully or rebuilds, and nothing else writes these tables.
Each batch writes the per-person rows here and the per-period figures (insights/period_totals.py)
in one transaction.

How undone events count: an undo (an unlike, a deleted post) takes its target out of every figure,
as if it had never happened: its activity, its hashtags, its place in a post's engagement, and a
removed post is never listed. The undo itself is not activity. The engine only accepts an undo of
an earlier event, so the target is always rolled up first; a second undo of the same event changes
nothing.

Sequence gaps: on PostgreSQL a transaction can commit an event with a lower seq after a higher one
is visible. A gap younger than GAP_SETTLE_S stops the catch-up just before it (the next read goes
on); an older gap is a rolled-back insert that will never fill, and is passed.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from base.models import Event
from rulesets.active import active_ruleset

from .models import (
    CONTENT_TYPES, CONTRIBUTION_COLUMNS, COUNT_COLUMNS, COUNTED_TYPES, REACTION_COLUMNS, REPLY_COLUMNS, SUM_COLUMNS,
    ActivityDay, ActivityMonth, ActivityWeek, AnsweredQuestion, ContentStats, FirstSeen, HashtagDay, PeriodGroup,
    PeriodMember, RollupState, TagMember
)
from .period_totals import PeriodTotals
from .upsert import add_counts

BATCH = 5000              # events per transaction
CATCH_UP_LIMIT = 50_000   # events a read rolls up before answering; beyond that it answers with what is there
GAP_SETTLE_S = 10
_FIELDS = ("seq", "source_id", "type", "occurred_at", "actor_id", "channel", "program", "target_id",
           "target_author_id", "hashtags", "received_at")


RELAY_LIMIT = BATCH  # what the serve relay rolls up per round (every 2 s), so reads rarely find much to do


def relay_pass() -> None:
    """One round of the serve relay: keep the rollups close to the log; errors are the caller's to log."""
    do_catch_up_rollups(RELAY_LIMIT)


@dataclass
class Progress:
    events: int       # rolled up by this call
    pending: int      # still to roll up after it
    last_seq: int
    timezone: str
    seconds: float


def rollup_timezone() -> ZoneInfo:
    ruleset, _ = active_ruleset()
    return ruleset.tz if ruleset else ZoneInfo("UTC")


def local_dates(moment: datetime, tz) -> tuple[date, date, date]:
    """(day, the Monday of its ISO week, the first of its month), in tz."""
    day = moment.astimezone(tz).date()
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)


def do_catch_up_rollups(limit: int | None = CATCH_UP_LIMIT, *, rebuild: bool = False) -> Progress:
    """Roll up events past the watermark, at most `limit` (None: all). A timezone change rebuilds from scratch."""
    started = time.perf_counter()
    tz = rollup_timezone()
    state, _ = RollupState.objects.get_or_create(pk=1)
    done = 0
    # Nothing new (the usual case for a read): answer without taking the write lock.
    if not rebuild and state.timezone == str(tz) and not Event.objects.filter(seq__gt=state.last_seq).exists():
        limit = 0
    while limit is None or done < limit:
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(pk=1)
            if rebuild or state.timezone != str(tz):
                _clear(state, tz)
                rebuild = False
            events = _next_events(state.last_seq, BATCH if limit is None else min(BATCH, limit - done))
            if not events:
                break
            _apply(events, tz)
            state.last_seq = events[-1]["seq"]
            state.save(update_fields=["last_seq", "timezone", "rebuilt_at"])
        done += len(events)
    state = RollupState.objects.get(pk=1)
    pending = Event.objects.filter(seq__gt=state.last_seq).count()
    return Progress(done, pending, state.last_seq, state.timezone, time.perf_counter() - started)


def _clear(state: RollupState, tz) -> None:
    for model in (ActivityDay, ActivityWeek, ActivityMonth, HashtagDay, ContentStats, PeriodMember, PeriodGroup, FirstSeen,
                  TagMember, AnsweredQuestion):
        model.objects.all().delete()
    state.last_seq, state.timezone, state.rebuilt_at = 0, str(tz), timezone.now()


def _next_events(after: int, count: int) -> list[dict]:
    rows = list(Event.objects.filter(seq__gt=after).order_by("seq").values(*_FIELDS)[:count])
    settled = timezone.now() - timedelta(seconds=GAP_SETTLE_S)
    expected = after + 1
    for i, row in enumerate(rows):
        if row["seq"] != expected and row["received_at"] > settled:
            return rows[:i]  # a fresh gap: an earlier event may still be committing
        expected = row["seq"] + 1
    return rows


class _Batch:
    """The deltas of one batch of events, written in one go by flush()."""
    def __init__(self, tz):
        self.tz = tz
        self.activity: dict[tuple, Counter] = defaultdict(Counter)
        self.weeks: dict[tuple, Counter] = defaultdict(Counter)
        self.months: dict[tuple, Counter] = defaultdict(Counter)
        self.hashtags: Counter = Counter()
        self.tags: Counter = Counter()  # TagMember key -> uses
        self.content: dict[str, ContentStats] = {}   # source_id -> stats (loaded or new)
        self.new_content: set[str] = set()
        self.changed: set[str] = set()
        self.recount_answers: set[str] = set()
        self.periods = PeriodTotals()

    def count(self, e: dict, sign: int) -> None:
        day, week, month = local_dates(e["occurred_at"], self.tz)
        column = COUNTED_TYPES.get(e["type"], "other")
        sums = Counter({column: sign, "total": sign})
        if column in CONTRIBUTION_COLUMNS:
            sums["contributions"] = sign
        elif column in REACTION_COLUMNS:
            sums["reacting"] = sign
        where = (e["channel"], e["program"], e["actor_id"])
        for counts in (self.activity[(day, week, month, *where)], self.weeks[(week, *where)],
                       self.months[(month, *where)]):
            counts.update(sums)
        self.periods.count(e, {"day": day, "week": week, "month": month}, sums, sign)
        for tag in {str(t).casefold().lstrip("#")[:100] for t in e["hashtags"] or []}:
            if tag:
                self.hashtags[(day, week, month, e["channel"], e["program"], e["actor_id"], tag)] += sign
                for interval, start in (("day", day), ("week", week), ("month", month)):
                    self.tags[(interval, start, tag, e["actor_id"])] += sign

    def add_content(self, e: dict) -> None:
        day, week, month = local_dates(e["occurred_at"], self.tz)
        self.content[e["source_id"]] = ContentStats(
            event_seq=e["seq"], source_id=e["source_id"], type=e["type"], occurred_at=e["occurred_at"], day=day,
            week=week, month=month, channel=e["channel"], program=e["program"], author_id=e["actor_id"])
        self.new_content.add(e["source_id"])

    def reply(self, e: dict, sign: int) -> None:
        stats = self.content.get(e["target_id"])
        if stats is None or stats.author_id == e["actor_id"]:
            return  # a reply to something not rolled up as content, or to one's own content
        column = REPLY_COLUMNS[e["type"]]
        setattr(stats, column, max(0, getattr(stats, column) + sign))
        if column == "answers":
            if sign > 0 and (stats.first_answer_at is None or e["occurred_at"] < stats.first_answer_at):
                stats.first_answer_at = e["occurred_at"]
            elif sign < 0:
                self.recount_answers.add(stats.source_id)
        self.changed.add(stats.source_id)

    def remove(self, source_id: str) -> None:
        stats = self.content.get(source_id)
        if stats is not None:
            stats.removed = True
            self.changed.add(source_id)

    def flush(self) -> None:
        add_counts(ActivityDay, self.activity, ("day", "week", "month", "channel", "program", "person_id"),
                   COUNT_COLUMNS + SUM_COLUMNS, conflict=("day", "channel", "program", "person_id"))
        for model, deltas in ((ActivityWeek, self.weeks), (ActivityMonth, self.months)):
            add_counts(model, deltas, ("start", "channel", "program", "person_id"), COUNT_COLUMNS + SUM_COLUMNS)
        self.periods.flush()
        add_counts(HashtagDay, {key: Counter(uses=n) for key, n in self.hashtags.items() if n},
                   ("day", "week", "month", "channel", "program", "person_id", "tag"), ("uses",),
                   conflict=("day", "channel", "program", "person_id", "tag"))
        for source_id in self.recount_answers:
            stats = self.content[source_id]
            stats.first_answer_at = _first_answer(stats)
        for source_id in self.new_content | self.changed:
            stats = self.content[source_id]
            stats.engagement = stats.comments + stats.answers + stats.reactions + stats.reshares
        add_counts(TagMember, {key: Counter(uses=n) for key, n in self.tags.items() if n},
                   ("interval", "start", "tag", "person_id"), ("uses",))
        ContentStats.objects.bulk_create([self.content[s] for s in self.new_content], batch_size=2000)
        _update_content([self.content[s] for s in self.changed - self.new_content])
        _answered([self.content[s] for s in self.new_content | self.changed if self.content[s].type == "question"])


def _answered(questions: list[ContentStats]) -> None:
    """Rewrite the AnsweredQuestion rows of questions whose answers or removal may have changed."""
    if not questions:
        return
    AnsweredQuestion.objects.filter(question__in=[q.event_seq for q in questions]).delete()
    rows = []
    for q in questions:
        if q.removed or q.first_answer_at is None:
            continue
        wait = (q.first_answer_at - q.occurred_at).total_seconds()
        for interval in ("day", "week", "month"):
            for dimension, value in (("all", ""), ("channel", q.channel), ("program", q.program)):
                rows.append(AnsweredQuestion(interval=interval, start=getattr(q, interval), dimension=dimension,
                                             value=value, question=q.event_seq, author_id=q.author_id, wait=wait))
    AnsweredQuestion.objects.bulk_create(rows, batch_size=2000)


_CONTENT_COUNTS = ("comments", "reactions", "reshares", "answers", "votes", "engagement")


def _update_content(changed: list[ContentStats]) -> None:
    """Write the new counts of content rows loaded in this transaction (bulk_update is far slower)."""
    if not changed:
        return
    ops = connection.ops
    table = ops.quote_name(ContentStats._meta.db_table)
    sets = ", ".join(f"{ops.quote_name(c)} = %s" for c in (*_CONTENT_COUNTS, "first_answer_at", "removed"))
    params = [(*(getattr(s, c) for c in _CONTENT_COUNTS), ops.adapt_datetimefield_value(s.first_answer_at), s.removed,
               s.pk) for s in changed]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", params)


def _apply(events: list[dict], tz) -> None:
    batch = _Batch(tz)
    undos = [e for e in events if e["type"] == "undo"]
    undone = _effective_undos(undos)  # undo seq -> the event it takes back
    reply_targets = {e["target_id"] for e in events if e["type"] in REPLY_COLUMNS and e["target_id"]}
    reply_targets |= {o["target_id"] for o in undone.values() if o["type"] in REPLY_COLUMNS and o["target_id"]}
    removed_content = {o["source_id"] for o in undone.values() if o["type"] in CONTENT_TYPES}
    for stats in ContentStats.objects.filter(source_id__in=reply_targets | removed_content):
        batch.content[stats.source_id] = stats
    for e in events:
        if e["type"] in CONTENT_TYPES:
            batch.add_content(e)
    _replies_before(batch, events[0]["seq"])
    for e in events:
        if e["type"] == "undo":
            original = undone.get(e["seq"])
            if original is not None:
                batch.count(original, -1)
                if original["type"] in REPLY_COLUMNS:
                    batch.reply(original, -1)
                if original["type"] in CONTENT_TYPES:
                    batch.remove(original["source_id"])
            continue
        batch.count(e, +1)
        if e["type"] in REPLY_COLUMNS and e["target_id"]:
            batch.reply(e, +1)
    batch.flush()


def _effective_undos(undos: list[dict]) -> dict[int, dict]:
    """undo seq -> the original event, for the first undo of each target only."""
    if not undos:
        return {}
    targets = {u["target_id"] for u in undos}
    first_undo = dict(Event.objects.filter(type="undo", target_id__in=targets).values("target_id")
                      .annotate(first=Min("seq")).values_list("target_id", "first"))
    originals = {row["source_id"]: row for row in Event.objects.filter(source_id__in=targets).values(*_FIELDS)}
    return {u["seq"]: originals[u["target_id"]] for u in undos
            if first_undo.get(u["target_id"]) == u["seq"] and u["target_id"] in originals}


def _replies_before(batch: _Batch, first_seq: int) -> None:
    """Replies accepted before their content (an integration that sends out of order) count once it arrives."""
    if not batch.new_content:
        return
    earlier = Event.objects.filter(target_id__in=batch.new_content, seq__lt=first_seq, type__in=list(REPLY_COLUMNS))
    # Undos from this batch on are applied to the counts as they come; earlier ones mean "never counted".
    undone = set(Event.objects.filter(type="undo", seq__lt=first_seq, target_id__in=earlier.values("source_id"))
                 .values_list("target_id", flat=True))
    for row in earlier.values(*_FIELDS):
        if row["source_id"] not in undone:
            batch.reply(row, +1)


def _first_answer(stats: ContentStats) -> datetime | None:
    answers = Event.objects.filter(type="answer", target_id=stats.source_id).exclude(actor_id=stats.author_id)
    undone = Event.objects.filter(type="undo", target_id__in=answers.values("source_id")).values("target_id")
    return answers.exclude(source_id__in=undone).aggregate(first=Min("occurred_at"))["first"]


def request_rebuild() -> None:
    """Recount the rollups from the event log on the next catch-up (the relay does it in rounds).

    For changes that move history between people (a merge): cheaper to recount than to move
    rows that clash on their unique keys, and always right.
    """
    RollupState.objects.filter(pk=1).update(timezone="")
