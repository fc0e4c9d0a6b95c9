"""Reads the rollups into insights/figures.py's partitions: a few grouped, indexed queries per answer."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, CharField, Count, F, IntegerField, Min, Q, Sum, Value, When

from base.models import Event, Person

from . import figures, period_reads
from .figures import QuestionRow, Window
from .models import (ActivityDay, ActivityMonth, ActivityWeek, AnsweredQuestion, COUNT_COLUMNS, ContentStats, FirstSeen,
                     HashtagDay, PeriodGroup, PeriodMember, SUM_COLUMNS, TagMember)

ALL = "all"
# interval -> the activity table and its period column
SOURCES = {"day": (ActivityDay, "day"), "week": (ActivityWeek, "start"), "month": (ActivityMonth, "start")}


@dataclass(frozen=True)
class Scope:
    """Filters: only this channel, programme or (current) team of the person who acted."""

    channel: str | None = None
    program: str | None = None
    team: str | None = None

    def q(self, person: str = "person") -> Q:
        q = Q()
        if self.channel is not None:
            q &= Q(channel=self.channel)
        if self.program is not None:
            q &= Q(program=self.program)
        if self.team is not None:
            q &= Q(**{f"{person}__team": self.team})
        return q

    def as_dict(self) -> dict:
        return {k: v for k, v in (("channel", self.channel), ("program", self.program), ("team", self.team)) if v is not None}


def _group_field(group: str, person: str = "person") -> str | None:
    return {"channel": "channel", "program": "program", "team": f"{person}__team", ALL: None}[group]


def _bucket(windows: list[Window], interval: str | None):
    """An expression giving each row's window index: the stored period column, or a CASE for custom windows."""
    if interval in figures.INTERVALS:
        return F(interval), {w.start: i for i, w in enumerate(windows)}
    whens = [When(day__gte=w.start, day__lt=w.end, then=Value(i)) for i, w in enumerate(windows)]
    return Case(*whens, default=Value(-1), output_field=IntegerField()), None


def _index(value, mapping):
    return mapping.get(value, -1) if mapping is not None else value


def engagement(group: str, windows: list[Window], scope: Scope, interval: str | None = None) -> list[dict]:
    """figures.compute over the rollups, for windows[1:] (windows[0] is the previous period).

    Whole periods for everything, one channel or one programme come from the per-period rows
    (insights/period_reads.py), other dates for them (a report's own, a partial period's days) from
    the per-person rows of the months, weeks and days that cover them; teams from the per-person rows
    of `all` joined with the directory; anything else (a channel within a programme, a team within a
    channel) from the per-person rows of each channel and programme.
    """
    if interval in figures.INTERVALS:
        kept = period_reads.plan(group, scope.channel, scope.program, scope.team)
        if kept is not None:
            return period_reads.engagement(group, windows, interval, *kept)
        if scope.channel is None and scope.program is None and group in (ALL, "team"):
            return _from_members(group, windows, scope, interval)
    else:
        kept = period_reads.plan(group, scope.channel, scope.program, scope.team)
        if kept is not None:
            return _from_activity(group, windows, scope, interval, _asked_covering(windows, group, *kept))
    return _from_activity(group, windows, scope, interval, _questions(group, windows, scope, interval))


def _questions(group: str, windows: list[Window], scope: Scope, interval: str | None) -> list[QuestionRow]:
    expr, mapping = _bucket(windows, interval)
    qgrp = F(_group_field(group, "author")) if group != ALL else Value(ALL, output_field=CharField())
    asked = (ContentStats.objects.filter(Q(type="question", removed=False, day__gte=windows[0].start,
                                           day__lt=windows[-1].end) & scope.q("author"))
             .annotate(bucket=expr, grp=qgrp).values_list("bucket", "grp", "occurred_at", "first_answer_at"))
    rows = [QuestionRow(str(g), _index(b, mapping), (first - at).total_seconds() if first else None)
            for b, g, at, first in asked]
    return [q for q in rows if q.window >= 0]


def _people(rows, period, grp, part) -> None:
    """Sums, distinct people and concentration of per-person rows, grouped by (grp, period), into part()."""
    active, contributed, reacted = Q(total__gt=0), Q(contributions__gt=0), Q(reacting__gt=0)
    sums = (rows.annotate(bucket=period, grp=grp).values("bucket", "grp")
            .annotate(**{f"n_{c}": Sum(c) for c in COUNT_COLUMNS},
                      active=Count("person", distinct=True, filter=active),
                      contributors=Count("person", distinct=True, filter=contributed),
                      reactors=Count("person", distinct=True, filter=reacted)))
    for r in sums:
        p = part(r["grp"], r["bucket"])
        p.counts = {c: r[f"n_{c}"] or 0 for c in COUNT_COLUMNS}
        p.active, p.contributors, p.reactors = r["active"], r["contributors"], r["reactors"]

    posters = (rows.filter(posts__gt=0).annotate(bucket=period, grp=grp, pid=F("person_id"))
               .values("bucket", "grp", "pid").annotate(p=Sum("posts")))
    _top_posters(_concentration(_subquery(posters)), part)


def _top_posters(ranked: list[tuple], part) -> None:
    """Each (bucket, group)'s posts by its top poster and top tenth, and the top poster's key, into part()."""
    top_ids = {}
    for bucket, g, top, tenth, pid in ranked:
        p = part(g, bucket)
        p.posts_by_top_poster, p.posts_by_top_tenth = top, tenth
        top_ids[pid] = top_ids.get(pid, []) + [p]
    for pk, key in Person.objects.filter(pk__in=set(top_ids)).values_list("pk", "key"):
        for p in top_ids[pk]:
            p.top_poster = key


def _people_of(rows: tuple[str, tuple], part) -> None:
    """_people of per-person rows given as SQL (`bucket`, `grp`, `pid` and the activity columns)."""
    qn = connection.ops.quote_name
    sums = ", ".join(f"SUM({qn(c)})" for c in COUNT_COLUMNS)
    people = ", ".join(f"COUNT(DISTINCT CASE WHEN {qn(c)} > 0 THEN pid END)" for c in ("total", "contributions", "reacting"))
    inner, params = rows
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT bucket, grp, {sums}, {people} FROM {inner} GROUP BY bucket, grp", params)
        for bucket, g, *counts in cursor.fetchall():
            p = part(g, bucket)
            p.counts = {c: int(n or 0) for c, n in zip(COUNT_COLUMNS, counts)}
            p.active, p.contributors, p.reactors = counts[len(COUNT_COLUMNS):]
    posters = (f"(SELECT bucket, grp, pid, SUM({qn('posts')}) AS p FROM {inner} WHERE {qn('posts')} > 0 "
               "GROUP BY bucket, grp, pid) AS posters", params)
    _top_posters(_concentration(posters), part)


def _apart(windows: list[Window]) -> bool:
    """No day in two windows (so a row of a covering period belongs to one)."""
    ordered = sorted(windows, key=lambda w: w.start)
    return all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))


def _activity_covering(windows: list[Window], scope: Scope, grp) -> tuple[str, tuple] | None:
    """The per-person rows of the whole months, weeks and days that cover each window, with its index as
    `bucket`: a month of the daily rows of a channel within a programme is a few times as many rows."""
    columns = (*COUNT_COLUMNS, *SUM_COLUMNS)
    tables = {"month": (ActivityMonth, "start"), "week": (ActivityWeek, "start"), "day": (ActivityDay, "day")}
    parts = []
    for i, w in enumerate(windows):
        for interval, starts in _cover_starts(w.start, w.end).items():
            if starts:
                model, at = tables[interval]
                parts.append(model.objects.filter(Q(**{f"{at}__in": starts}) & scope.q())
                             .annotate(bucket=Value(i, output_field=IntegerField()), grp=grp, pid=F("person_id"))
                             .values("bucket", "grp", "pid", *columns))
    if not parts:
        return None
    return _subquery(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


def _directory(group: str, scope: Scope) -> dict:
    """Known people for `all` or `team` without a channel or programme: the people directory."""
    people_dir = Person.objects.all() if scope.team is None else Person.objects.filter(team=scope.team)
    if group == ALL:
        return {ALL: people_dir.count()}
    return {r["team"]: r["n"] for r in people_dir.values("team").annotate(n=Count("id"))}


def _from_members(group: str, windows: list[Window], scope: Scope, interval: str) -> list[dict]:
    """Teams (or `all` within a team): each person's row of the period, summed by their current team."""
    mapping = {w.start: i for i, w in enumerate(windows)}
    grp = F(_group_field(group)) if group != ALL else Value(ALL, output_field=CharField())
    partitions: dict[tuple[str, int], figures.Partition] = {}

    def part(g, start) -> figures.Partition:
        return partitions.setdefault((str(g), mapping[_as_date(start)]), figures.Partition())

    everything = {"interval": interval, "dimension": "all", "value": "", "start__gte": windows[0].start,
                  "start__lt": windows[-1].end}
    rows = PeriodMember.objects.filter(Q(**everything) & scope.q()).annotate(grp=grp)
    # A row per person and period: distinct people are rows, and the posters of a period are few
    # enough to rank here (cheaper than a window function over a join).
    sums = (rows.values("start", "grp").annotate(**{f"n_{c}": Sum(c) for c in COUNT_COLUMNS},
                                                 active=Count("id", filter=Q(total__gt=0)),
                                                 contributors=Count("id", filter=Q(contributions__gt=0)),
                                                 reactors=Count("id", filter=Q(reacting__gt=0))))
    for r in sums:
        p = part(r["grp"], r["start"])
        p.counts = {c: r[f"n_{c}"] or 0 for c in COUNT_COLUMNS}
        p.active, p.contributors, p.reactors = r["active"], r["contributors"], r["reactors"]
    posters: dict[tuple, list[tuple[int, int]]] = {}
    for start, g, pid, posts in rows.filter(posts__gt=0).values_list("start", "grp", "person_id", "posts"):
        posters.setdefault((g, start), []).append((-posts, pid))
    top_ids: dict[int, list[figures.Partition]] = {}
    for (g, start), ranked in posters.items():
        ranked.sort()
        p = part(g, start)
        p.posts_by_top_poster = -ranked[0][0]
        p.posts_by_top_tenth = -sum(n for n, _ in ranked[:math.ceil(len(ranked) / 10)])
        top_ids.setdefault(ranked[0][1], []).append(p)
    for pk, key in Person.objects.filter(pk__in=set(top_ids)).values_list("pk", "key"):
        for p in top_ids[pk]:
            p.top_poster = key
    firsts = (FirstSeen.objects.filter(Q(dimension="all", first_contribution__gte=windows[0].start,
                                         first_contribution__lt=windows[-1].end) & scope.q())
              .annotate(grp=grp).values("grp", "first_contribution").annotate(n=Count("id")))
    for r in firsts:
        start = windows[_window_of(windows, _as_date(r["first_contribution"]))].start
        part(r["grp"], start).new_contributors += r["n"]
    waits: dict[tuple[str, int], list[float]] = {}
    answered = AnsweredQuestion.objects.filter(Q(**everything) & scope.q("author"))
    agrp = F(_group_field(group, "author")) if group != ALL else Value(ALL, output_field=CharField())
    for start, g, wait in answered.annotate(grp=agrp).values_list("start", "grp", "wait"):
        waits.setdefault((str(g), mapping[_as_date(start)]), []).append(wait)
    asked = {key: figures.Asked(p.counts.get("questions", 0), len(waits.get(key, ())),
                                statistics.median(waits[key]) if key in waits else None)
             for key, p in partitions.items() if p.counts.get("questions")}
    return figures.compute(windows, partitions, asked, _directory(group, scope),
                           groups=[ALL] if group == ALL else ())


def _from_activity(group: str, windows: list[Window], scope: Scope, interval: str | None,
                   questions: list[QuestionRow]) -> list[dict]:
    """From the per-person rows of each channel and programme: any filters, any windows.

    Distinct people, concentration and first contributions are counted by the database (grouped
    queries, a window function), so the rows read here grow with groups times periods, not with people.
    """
    expr, mapping = _bucket(windows, interval)
    model, at = SOURCES.get(interval, (ActivityDay, "day"))
    period = F(at) if model is not ActivityDay else expr  # the activity table's bucket; `expr` is for day columns
    grp = F(_group_field(group)) if group != ALL else Value(ALL, output_field=CharField())
    # Only the windows' days: a partial period's comparison spans two short windows a period apart.
    span = _days_of(windows, at) & scope.q()
    active, contributed = Q(total__gt=0), Q(contributions__gt=0)

    partitions: dict[tuple[str, int], figures.Partition] = {}

    def part(g, bucket) -> figures.Partition:
        return partitions.setdefault((str(g), _index(_as_date(bucket), mapping)), figures.Partition())

    # Each person's first day in a group is kept by the rollups (FirstSeen) for everything, a channel and a
    # programme; other groupings (a team, a channel within a programme) find it in the activity rows.
    kept = period_reads.plan(group, scope.channel, scope.program, scope.team)
    if kept is not None and mapping is None:  # a report's own dates, a partial period's days
        _people(*_members_covering(windows, group, *kept), part)
    elif mapping is None and _apart(windows) and (covering := _activity_covering(windows, scope, grp)) is not None:
        _people_of(covering, part)  # the same for a channel within a programme, a team...
    else:
        _people(model.objects.filter(span), period, grp, part)
    directory = scope.channel is None and scope.program is None and group in (ALL, "team")
    first_active: dict = {}
    if kept is not None:
        first_contributions = _first_seen(group, "first_contribution", windows[0].start, windows[-1].end, *kept)
        if not directory:
            first_active = _first_seen(group, "first_active", None, windows[-1].end, *kept)
    elif directory:
        # Only the people who contributed in the span: their rows are found through the (person, period)
        # index instead of reading every row ever written. Periods are whole (a week table for weeks),
        # so the period of a first contribution says which window it is in.
        in_span = model.objects.filter(span & contributed).values("person_id")
        firsts = (model.objects.filter(Q(**{f"{at}__lt": windows[-1].end, "person_id__in": in_span}) & scope.q())
                  .annotate(grp=grp, pid=F("person_id")).values("grp", "pid").annotate(fc=Min(at, filter=contributed)))
        first_contributions = _count_by(firsts, "fc")
    else:
        # Known people need every row of the scope before the end anyway: the first contributions are read
        # in the same pass (a first contribution in a window is a contribution in the span, so the people
        # counted are the same as through the index above).
        firsts = (model.objects.filter(Q(**{f"{at}__lt": windows[-1].end}) & scope.q())
                  .annotate(grp=grp, pid=F("person_id")).values("grp", "pid")
                  .annotate(fa=Min(at, filter=active), fc=Min(at, filter=contributed)))
        first_active, first_contributions = _count_firsts(firsts)
    for (g, day), n in first_contributions.items():
        i = _window_of(windows, day)
        if i >= 0:
            part(g, windows[i].start if mapping is not None else i).new_contributors += n

    if directory:
        known: dict = _directory(group, scope)
    else:
        known = {}
        for (g, day), n in first_active.items():
            for i, w in enumerate(windows):
                if day < w.end:
                    known[(g, i)] = known.get((g, i), 0) + n

    partitions = {k: v for k, v in partitions.items() if k[1] >= 0}
    return figures.compute(windows, partitions, questions, known, groups=[ALL] if group == ALL else ())


def _days_of(windows: list[Window], at: str = "day") -> Q:
    """The windows' days, and no day between them."""
    spans: list[list[date]] = []
    for w in sorted(windows, key=lambda w: w.start):
        if spans and w.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], w.end)
        else:
            spans.append([w.start, w.end])
    q = Q()
    for start, end in spans:
        q |= Q(**{f"{at}__gte": start, f"{at}__lt": end})
    return q


def _members_covering(windows: list[Window], group: str, dimension: str, value: str | None) -> tuple:
    """The per-person rows of whole months, weeks and days that cover each window (for everything, a
    channel or a programme), with each row's window index and group: a person's rows are a few
    periods, not a row per day, channel and programme."""
    cover, bucket = _covering(windows)
    rows = PeriodMember.objects.filter(cover, dimension=dimension)
    if value is not None:
        rows = rows.filter(value=value)
    grp = F("value") if group != ALL else Value(ALL, output_field=CharField())
    return rows, bucket, grp


def _covering(windows: list[Window]) -> tuple[Q, Case]:
    """The per-period rows of the whole months, weeks and days that cover the windows, and each row's
    window index (-1 for none) from its period's start."""
    cover, whens = Q(), []
    for i, w in enumerate(windows):
        cover |= _cover(w.start, w.end)
        whens.append(When(start__gte=w.start, start__lt=w.end, then=Value(i)))
    return cover, Case(*whens, default=Value(-1), output_field=IntegerField())


def _asked_covering(windows: list[Window], group: str, dimension: str, value: str | None) -> dict:
    """The questions of each window and group, and the waits for a first answer, from the per-period
    rows of the whole months, weeks and days that cover it (a question counts in its own day's period)."""
    cover, bucket = _covering(windows)
    grp = F("value") if group != ALL else Value(ALL, output_field=CharField())
    where = Q(cover, dimension=dimension) & (Q(value=value) if value is not None else Q())
    asked = (PeriodGroup.objects.filter(where, questions__gt=0).annotate(bucket=bucket, grp=grp)
             .values("bucket", "grp").annotate(n=Sum("questions")).values_list("bucket", "grp", "n"))
    waits: dict[tuple[str, int], list[float]] = {}
    for i, g, wait in AnsweredQuestion.objects.filter(where).annotate(bucket=bucket, grp=grp).values_list("bucket", "grp", "wait"):
        waits.setdefault((str(g), i), []).append(wait)
    out = {}
    for i, g, n in asked:
        answered = waits.get((str(g), i), [])
        out[(str(g), i)] = figures.Asked(n, len(answered), statistics.median(answered) if answered else None)
    return out


def _first_seen(group: str, column: str, since: date | None, until: date, dimension: str,
                value: str | None) -> dict[tuple[str, date], int]:
    """Like _count_by, from the rollups' first days: how many people of each group had their first
    activity or contribution (`column`) there on each day in [since, until)."""
    rows = FirstSeen.objects.filter(dimension=dimension, **{f"{column}__lt": until})
    if since is not None:
        rows = rows.filter(**{f"{column}__gte": since})
    if value is not None:
        rows = rows.filter(value=value)
    counted = rows.values("value", column).annotate(n=Count("id")).values_list("value", column, "n")
    return {(ALL if group == ALL else str(v), _as_date(day)): n for v, day, n in counted}


def _subquery(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return f"({sql}) AS sub", tuple(params)


def _concentration(posters: tuple[str, tuple]) -> list[tuple]:
    """Per bucket and group: posts by the top poster, by the top tenth of posters (rounded up), and the top poster's id,
    from the SQL of (bucket, grp, pid, p) rows.

    The ranking runs in the database (ROW_NUMBER and COUNT over a window: SQLite 3.25+ and PostgreSQL)."""
    inner, params = posters
    sql = ("SELECT bucket, grp, MAX(p), SUM(CASE WHEN rn <= (cnt + 9) / 10 THEN p ELSE 0 END), "
           "MAX(CASE WHEN rn = 1 THEN pid END) FROM ("
           "SELECT bucket, grp, pid, p, ROW_NUMBER() OVER (PARTITION BY bucket, grp ORDER BY p DESC, pid) AS rn, "
           f"COUNT(*) OVER (PARTITION BY bucket, grp) AS cnt FROM {inner}) AS ranked GROUP BY bucket, grp")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # int(): PostgreSQL sums whole numbers as numeric, which would reach the JSON as a string.
        return [(_as_date(b), g, int(top), int(tenth), pid) for b, g, top, tenth, pid in cursor.fetchall()]


def _count_by(history, column: str) -> dict[tuple[str, date], int]:
    """How many (group, person) pairs have their first activity or contribution on each day."""
    inner, params = _subquery(history)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT grp, {column}, COUNT(*) FROM {inner} WHERE {column} IS NOT NULL GROUP BY grp, {column}",
                       params)
        return {(str(g), _as_date(day)): n for g, day, n in cursor.fetchall()}


def _count_firsts(firsts) -> tuple[dict[tuple[str, date], int], dict[tuple[str, date], int]]:
    """_count_by of both first days (`fa`, `fc`) of each (group, person), from one grouped query."""
    inner, params = _subquery(firsts)
    active: dict[tuple[str, date], int] = {}
    contribution: dict[tuple[str, date], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT grp, fa, fc, COUNT(*) FROM {inner} GROUP BY grp, fa, fc", params)
        for g, fa, fc, n in cursor.fetchall():
            for counted, day in ((active, fa), (contribution, fc)):
                if day is not None:
                    key = (str(g), _as_date(day))
                    counted[key] = counted.get(key, 0) + n
    return active, contribution


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _window_of(windows: list[Window], day: date) -> int:
    for i, w in enumerate(windows):
        if w.start <= day < w.end:
            return i
    return -1


def top_hashtags(since: date, until: date, scope: Scope, limit: int = 10) -> list[dict]:
    """The most used hashtags in [since, until), with the uses in the same number of days before.

    Without a channel or programme filter they are read from TagMember, a range as its whole months,
    weeks and days; with one, from the daily rows of each channel and programme."""
    previous_start = since - (until - since)
    if scope.channel is None and scope.program is None:
        rows, earlier = (TagMember.objects.filter(_cover(a, b) & scope.q()) for a, b in ((since, until), (previous_start, since)))
    else:
        rows, earlier = (HashtagDay.objects.filter(Q(day__gte=a, day__lt=b) & scope.q())
                         for a, b in ((since, until), (previous_start, since)))
    # People whose uses were all taken back (a deleted post) did not use the tag.
    current = list(rows.values("tag").annotate(n=Sum("uses"), people=Count("person", distinct=True, filter=Q(uses__gt=0)))
                   .filter(n__gt=0).order_by("-n", "tag")[:limit])
    before = dict(earlier.filter(tag__in=[r["tag"] for r in current]).values("tag").annotate(n=Sum("uses"))
                  .values_list("tag", "n"))
    return [{"tag": r["tag"], "uses": r["n"], "people": r["people"], "previous": before.get(r["tag"], 0),
             "change": r["n"] - before.get(r["tag"], 0)} for r in current]


def _cover_starts(since: date, until: date) -> dict[str, list[date]]:
    """[since, until) as whole months, then whole weeks, then days: interval -> the starts; none read twice."""
    starts: dict[str, list[date]] = {"month": [], "week": [], "day": []}
    day = since
    while day < until:
        interval = next(i for i in starts if figures.period_start(i, day) == day and figures.next_start(i, day) <= until)
        starts[interval].append(day)
        day = figures.next_start(interval, day)
    return starts


def _cover(since: date, until: date) -> Q:
    """[since, until) as TagMember (or PeriodMember) periods: whole months, then whole weeks, then days."""
    q = Q()
    for interval, days in _cover_starts(since, until).items():
        if days:
            q |= Q(interval=interval, start__in=days)
    return q


def top_posts(since: date, until: date, scope: Scope, limit: int = 10) -> list[dict]:
    """The content with the most responses from others in [since, until), with a short quote.

    Poll votes are listed but not ranked: a poll collects votes by design, and the point of the list is
    the conversation a post started (comments, answers, likes, reshares)."""
    # Each month's best are the first rows of its index (content rows keep their engagement), and the
    # best of the range are among the best of its months.
    ranked = []
    month = since.replace(day=1)
    while month < until:
        ranked += (ContentStats.objects.filter(Q(month=month, day__gte=since, day__lt=until, removed=False,
                                                 engagement__gt=0) & scope.q("author"))
                   .order_by("-engagement", "-comments", "occurred_at", "event_seq").select_related("author")[:limit])
        month = figures.next_start("month", month)
    stats = sorted(ranked, key=lambda s: (-s.engagement, -s.comments, s.occurred_at, s.event_seq))[:limit]
    texts = dict(Event.objects.filter(seq__in=[s.event_seq for s in stats]).values_list("seq", "text"))
    out = []
    for s in stats:
        shown = s.author.public  # people who opted out of public boards are quoted without their name
        out.append({
            "id": s.source_id, "type": s.type, "occurred_at": s.occurred_at.isoformat(), "channel": s.channel,
            "program": s.program, "author": s.author.key if shown else None,
            "author_name": s.author.display_name if shown else None, "team": s.author.team,
            "quote": figures.quote(texts.get(s.event_seq, "")), "engagement": s.engagement, "comments": s.comments,
            "answers": s.answers, "reactions": s.reactions, "reshares": s.reshares, "votes": s.votes,
        })
    return out


def names(keys: set[str]) -> dict[str, str | None]:
    """Display names of these people, None for those who opted out of public boards."""
    return {p.key: (p.display_name if p.public else None) for p in Person.objects.filter(key__in=keys)}
