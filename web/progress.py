"""A person's points over time: per week for the last weeks, split by the rule that gave them, as a
server-drawn SVG chart (the insights dashboard's palette) with a table that says the same in words."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pygal
from babel.dates import format_skeleton
from django.core.cache import cache
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from base.models import Award, Person
from challenges.words import title
from insights.charts import options

from .insight_charts import _svg
from .jinja import babel_locale

WEEKS = 12
MAX_SERIES = 5  # rules drawn apiece; the rest are summed as "Other"
CHART_SECONDS = 3600  # a drawn chart kept for the next view with the same figures


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays (midnight, in the reader's timezone) of the last `weeks` weeks, this one last."""
    local = timezone.localtime(now)
    monday = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=local.weekday())
    # Each Monday made aware on its own, so a week across a clock change still starts at midnight.
    naive = monday.replace(tzinfo=None)
    return [timezone.make_aware(naive - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)]


def weekly_points(person: Person, now: datetime | None = None, weeks: int = WEEKS) -> dict:
    """{"weeks": [{"start", "total", "by": {rule: points}}], "rules": [rule ids, most points first]}: the points
    of the last weeks as the ledger has them (capped awards gave none, undos take theirs back)."""
    starts = week_starts(now or timezone.now(), weeks)
    # Summed by the database per week and rule: a leader's weeks hold a thousand awards or more.
    week = Case(*[When(occurred_at__gte=start, then=Value(i)) for i, start in reversed(list(enumerate(starts)))],
                output_field=IntegerField())
    rows = (Award.objects.filter(recipient=person, occurred_at__gte=starts[0], capped=False).annotate(week=week)
            .order_by().values("week", "rule_id").annotate(points=Sum("points")).values_list("week", "rule_id", "points"))
    table = [{"start": s, "total": 0, "by": {}} for s in starts]
    totals: dict[str, int] = {}
    for index, rule, points in rows:
        week = table[index]
        week["total"] += points
        week["by"][rule] = week["by"].get(rule, 0) + points
        totals[rule] = totals.get(rule, 0) + points
    return {"weeks": table, "rules": sorted(totals, key=lambda r: (-totals[r], r))}


def series(data: dict) -> list[tuple[str, list[int]]]:
    """(label, points per week): the rules with the most points, then the rest together as "Other"."""
    shown, rest = data["rules"][:MAX_SERIES], data["rules"][MAX_SERIES:]
    lines = [(title(rule), [w["by"].get(rule, 0) for w in data["weeks"]]) for rule in shown]
    if rest:
        lines.append((gettext("Other"), [sum(w["by"].get(r, 0) for r in rest) for w in data["weeks"]]))
    return lines


def chart(data: dict) -> str:
    """Stacked bars per week, one colour per rule; drawn once per process for the same figures and words."""
    lines = series(data)
    title = gettext("Points per week, by what earned them")
    locale = babel_locale()
    # Short labels ("Dec 7", "7. Dez.") that stand under a bar on a phone; the table has the full dates.
    labels = [format_skeleton("MMMd", w["start"].date(), locale=locale) for w in data["weeks"]]
    # The chart is a function of these alone, so the key names everything drawn and is never stale.
    key = "progress-chart:" + hashlib.sha256(json.dumps([str(locale), title, labels, lines]).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        drawn = pygal.StackedBar(title=title, **options([label for label, _ in lines], height=300))
        drawn.x_labels = labels
        drawn.x_label_rotation = 45
        for label, values in lines:
            drawn.add(label, values)
        svg = _svg(drawn)
        cache.set(key, svg, CHART_SECONDS)
    return svg


def progress_context(person: Person) -> dict:
    """What the profile shows: the chart, and the table behind it (week, total, each series); nothing to
    draw for someone without points in these weeks."""
    data = weekly_points(person)
    if not data["rules"]:
        return {"progress_chart": None}
    lines = series(data)
    return {"progress_chart": chart(data), "progress_series": [label for label, _ in lines],
            "progress_rows": [{"start": w["start"], "total": w["total"], "values": [v[i] for _, v in lines]}
                              for i, w in enumerate(data["weeks"])]}
