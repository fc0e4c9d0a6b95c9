"""Engagement figures read from the per-period rows insights/period_totals.py keeps: one PeriodGroup
row per period and group, the top posters of each through an index, first activity counts summed.

They answer whole calendar periods for everything, one channel or one programme (grouped by that
dimension or not). Anything else (a team, a channel within a programme, a report's own dates) is
read from the per-person rows by insights/queries.py.
"""

from __future__ import annotations

import math

from django.db.models import Count, Sum

from engine.models import Person

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
            asked[(label(row.value), i)] = figures.Asked(row.questions, answered_n,
                                                         _median_wait(row, answered_n) if answered_n else None)
        if row.posters:
            top = _top_posters(row, math.ceil(row.posters / 10))
            p.posts_by_top_poster, p.posts_by_top_tenth = top[0][1], sum(n for _, n in top)
            top_ids[(label(row.value), i)] = top[0][0]
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


def _top_posters(row: PeriodGroup, n: int) -> list[tuple[int, int]]:
    """(person id, posts) of the n people who posted most in this period and group, most first."""
    return list(PeriodMember.objects.filter(interval=row.interval, dimension=row.dimension, value=row.value,
                                            start=row.start, posts__gt=0)
                .order_by("-posts", "person_id").values_list("person_id", "posts")[:n])


def _median_wait(row: PeriodGroup, answered: int) -> float:
    """The median seconds to a first answer of the period's `answered` questions: the middle of the index."""
    waits = (AnsweredQuestion.objects.filter(interval=row.interval, dimension=row.dimension, value=row.value,
                                             start=row.start).order_by("wait").values_list("wait", flat=True))
    middle = list(waits[(answered - 1) // 2:answered // 2 + 1])
    return middle[0] if answered % 2 else (middle[0] + middle[1]) / 2
