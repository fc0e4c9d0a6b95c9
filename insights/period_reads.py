"""Engagement figures read from the per-period rows insights/period_totals.py keeps: one PeriodGroup
row per period and group, the top posters of each through an index, first activity counts summed.

They answer whole calendar periods for everything, one channel or one programme (grouped by that
dimension or not). Anything else (a team, a channel within a programme, a report's own dates) is
read from the per-person rows by insights/queries.py.
"""

from __future__ import annotations

import math
from datetime import date

from django.db import connection
from django.db.models import Count, Sum

from base.models import Person

from . import figures
from .figures import Window
from .models import AnsweredQuestion, COUNT_COLUMNS, PeriodGroup, PeriodMember


def plan(group: str, channel: str | None, program: str | None, team: str | None) -> tuple[str, str | None] | None:
    """(dimension, the one value to read or None for every value), or None when these rows cannot answer."""
    if team is not None or (channel is not None and program is not None):
        return None
    if channel is not None:
        return ("channel", channel) if group in ("all", "channel") else None
    if program is not None:
        return ("program", program) if group in ("all", "program") else None
    return {"all": ("all", ""), "channel": ("channel", None), "program": ("program", None)}.get(group)


def engagement(group: str, windows: list[Window], interval: str, dimension: str, value: str | None) -> list[dict]:
    """figures.compute for windows[1:] (windows[0] is the previous period), `interval` periods."""
    index = {w.start: i for i, w in enumerate(windows)}
    span = {"interval": interval, "dimension": dimension, "start__gte": windows[0].start, "start__lt": windows[-1].end}
    rows = PeriodGroup.objects.filter(**span)
    earlier = PeriodGroup.objects.filter(interval=interval, dimension=dimension, start__lt=windows[0].start)
    if value is not None:
        rows, earlier = rows.filter(value=value), earlier.filter(value=value)
    rows = list(rows)

    def label(v: str) -> str:
        return "all" if group == "all" else v

    partitions: dict[tuple[str, int], figures.Partition] = {}
    newly: dict[tuple[str, int], int] = {}  # (value, window) -> people first active in the group then
    asked: dict[tuple[str, int], figures.Asked] = {}
    # Named values and starts, so the database seeks them in the (interval, dimension, value, start) index.
    answered = AnsweredQuestion.objects.filter(interval=interval, dimension=dimension, value__in={r.value for r in rows},
                                               start__in=[w.start for w in windows])
    answers = {(v, start): n for v, start, n in answered.values("value", "start").annotate(n=Count("id"))
               .values_list("value", "start", "n")}
    top = _top_posters(rows)
    waits = _middle_waits(rows, answers)
    top_ids = {}
    for row in rows:
        i = index[row.start]
        p = partitions[(label(row.value), i)] = figures.Partition()
        p.counts = {c: getattr(row, c) for c in COUNT_COLUMNS}
        p.active, p.contributors, p.reactors = row.active, row.contributors, row.reactors
        p.new_contributors = row.new_contributors
        newly[(row.value, i)] = row.newly_active
        if row.questions:
            answered_n = answers.get((row.value, row.start), 0)
            middle = waits.get((row.value, row.start))
            median = (middle[0] if answered_n % 2 else (middle[0] + middle[1]) / 2) if middle else None
            asked[(label(row.value), i)] = figures.Asked(row.questions, answered_n, median)
        if row.posters:
            posters = top[(row.value, row.start)]
            p.posts_by_top_poster, p.posts_by_top_tenth = posters[0][1], sum(n for _, n in posters)
            top_ids[(label(row.value), i)] = posters[0][0]
    keys = dict(Person.objects.filter(pk__in=set(top_ids.values())).values_list("pk", "key"))
    for key, pid in top_ids.items():
        partitions[key].top_poster = keys.get(pid)

    if dimension == "all":
        # Everything, unfiltered: participation is against the people directory.
        known: dict = {"all": Person.objects.count()}
    else:
        # People active in the group on or before each period's last day: those first active before
        # the first window, plus those first active in each window up to this one.
        before = dict(earlier.values("value").annotate(n=Sum("newly_active")).values_list("value", "n"))
        known = {}
        for v in {*before, *(v for v, _ in newly)}:
            running = before.get(v) or 0
            for i in range(len(windows)):
                running += newly.get((v, i), 0)
                known[(label(v), i)] = running
    return figures.compute(windows, partitions, asked, known, groups=["all"] if group == "all" else ())


def _top_posters(rows: list[PeriodGroup]) -> dict[tuple[str, date], list[tuple[int, int]]]:
    """(value, start) -> (person id, posts) of the ceil(posters / 10) people who posted most, most first."""
    wanted = [(r, math.ceil(r.posters / 10), 0) for r in rows if r.posters]
    found: dict[tuple[str, date], list[tuple[int, int]]] = {}
    for value, start, person, posts in _firsts(PeriodMember, ("person_id", "posts"), '"posts" > 0',
                                               '"posts" DESC, "person_id"', wanted):
        found.setdefault((value, start), []).append((person, posts))
    for posters in found.values():  # a UNION ALL keeps each part's order in practice, not by the standard
        posters.sort(key=lambda p: (-p[1], p[0]))
    return found


def _middle_waits(rows: list[PeriodGroup], answers: dict[tuple[str, date], int]) -> dict[tuple[str, date], list[float]]:
    """(value, start) -> the middle one or two seconds to a first answer of the period's answered questions."""
    wanted = []
    for r in rows:
        n = answers.get((r.value, r.start), 0)
        if n:
            wanted.append((r, 2 - n % 2, (n - 1) // 2))
    found: dict[tuple[str, date], list[float]] = {}
    for value, start, wait in _firsts(AnsweredQuestion, ("wait",), "1 = 1", '"wait"', wanted):
        found.setdefault((value, start), []).append(wait)
    for middle in found.values():
        middle.sort()
    return found


COMPOUND_LIMIT = 200  # SELECTs per UNION ALL (SQLite allows 500)


def _firsts(model, columns: tuple[str, ...], condition: str, order: str, wanted: list[tuple[PeriodGroup, int, int]]):
    """For each (period group row, limit, offset): its rows of `model` in `order`, `limit` of them from
    `offset`, read from the (interval, dimension, value, start, ...) index. One statement per
    COMPOUND_LIMIT rows (a query per row would cost more in building it than in running it)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    keys = ", ".join(qn(c) for c in ("value", "start", *columns))
    one = (f"SELECT * FROM (SELECT {keys} FROM {table} WHERE {qn('interval')} = %s AND {qn('dimension')} = %s "
           f"AND {qn('value')} = %s AND {qn('start')} = %s AND {condition} ORDER BY {order} LIMIT %s OFFSET %s)")
    out = []
    with connection.cursor() as cursor:
        for i in range(0, len(wanted), COMPOUND_LIMIT):
            chunk = wanted[i:i + COMPOUND_LIMIT]
            sql = " UNION ALL ".join(f"{one} AS t{j}" for j in range(len(chunk)))
            params = [p for r, limit, offset in chunk for p in (r.interval, r.dimension, r.value,
                                                                connection.ops.adapt_datefield_value(r.start), limit, offset)]
            cursor.execute(sql, params)
            out += [(value, _as_date(start), *rest) for value, start, *rest in cursor.fetchall()]
    return out


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
