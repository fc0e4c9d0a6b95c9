"""The dashboard's charts: pygal SVG drawn on the server, inline, no script and no CDN, in the
printable report's style (insights/charts.py), so the two read alike."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

import re

import pygal

from insights.charts import ACTIVITY as ACTIVITY_SERIES, COMMON, drawn, options

from .jinja import period as period_label

# Interval and group names as a reader says them.
WORDS = {"day": gettext_noop("day"), "week": gettext_noop("week"), "month": gettext_noop("month"),
         "channel": gettext_noop("channel"), "program": gettext_noop("programme"), "team": gettext_noop("team")}


def _word(value: str) -> str:
    return gettext(WORDS[value]) if value in WORDS else value


# The report's series in the report's order, so each has the same colour on both pages; the labels
# are translated when drawn (the catalog has them from these marks).
ACTIVITY = ACTIVITY_SERIES
_LABELS = (gettext_noop("Posts"), gettext_noop("Comments"), gettext_noop("Answers"), gettext_noop("Likes"),
           gettext_noop("Reshares"), gettext_noop("Shoutouts"))
MAX_LINES = 6  # groups drawn as lines; the table and the CSV have every group


def _svg(chart) -> str:
    """The SVG without pygal's inline config script: it only feeds the tooltip script, which is never loaded,
    and the page then runs no script of the chart at all (labels are admin-visible user text)."""
    return re.sub(r"<script\b[^>]*>.*?</script>", "", chart.render(is_unicode=True), flags=re.S)


def _chart(kind, title: str, labels: list[str], series: list[tuple[str, list]], styled_by: list[str] | None,
           **extra) -> str:
    """A pygal chart of this kind, coloured by these figure names (None: the palette in turn); drawn once
    per process for the same words and figures (insights.charts.drawn)."""
    def draw() -> str:
        chart = kind(title=title, **(options(styled_by, **extra) if styled_by is not None else {**COMMON, **extra}))
        chart.x_labels = labels
        for label, values in series:
            chart.add(label, values)
        return _svg(chart)

    return drawn(["dashboard", kind.__name__, title, labels, series, styled_by, extra], draw)


def _periods(rows: list[dict]) -> list[str]:
    return sorted({r["period"] for r in rows})


def _labels(rows: list[dict], periods: list[str]) -> list[str]:
    """The periods as people name them, with their dates ("Week 49 (Nov 30 – Dec 6)"); the one not
    over yet says so."""
    named = {r["period"]: period_label(r) for r in rows}
    partial = {r["period"] for r in rows if r.get("partial")}
    return [named[p] + " " + gettext("(so far)") if p in partial else named[p] for p in periods]


def no_group(group: str) -> str:
    return {"channel": gettext("No channel (imports, LMS)"), "program": gettext("No programme (imports, LMS)"),
            "team": gettext("No team")}.get(group, "")


def activity(rows: list[dict], interval: str) -> str:
    """Stacked bars per period: what people did, summed over the groups (counts add up across groups)."""
    periods = _periods(rows)
    series = []
    for label, name in ACTIVITY:
        totals = dict.fromkeys(periods, 0)
        for r in rows:
            totals[r["period"]] += r["figures"][name]["value"] or 0
        series.append((gettext(label), [totals[p] for p in periods]))
    return _chart(pygal.StackedBar, gettext('What people did, per %(interval)s') % {"interval": _word(interval)},
                  _labels(rows, periods), series, [name for _, name in ACTIVITY])


def people(rows: list[dict], group: str, interval: str) -> str:
    """Lines per period: for everything, active people, contributors and new contributors; per group,
    the active people of the busiest groups (people are not summed: one person acts in several groups)."""
    periods = _periods(rows)
    title = gettext('Who took part, per %(interval)s') % {"interval": _word(interval)} if group == "all" else gettext('Active people per %(group)s, per %(interval)s') % {"group": _word(group), "interval": _word(interval)}
    lines = dict(dots_size=4, include_x_axis=True, margin_right=40)
    if group == "all":
        by_period = {r["period"]: r for r in rows}
        series = [(label, [by_period[p]["figures"][name]["value"] if p in by_period else None for p in periods])
                  for label, name in ((gettext('Active people'), "active_people"), (gettext("Contributors"), "contributors"),
                                      (gettext('New contributors'), "new_contributors"))]
        return _chart(pygal.Line, title, _labels(rows, periods), series,
                      ["active_people", "contributors", "new_contributors"], **lines)
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["group"]] = totals.get(r["group"], 0) + (r["figures"]["active_people"]["value"] or 0)
    busiest = sorted(totals, key=lambda g: (-totals[g], g))[:MAX_LINES]
    series = []
    for name in busiest:
        values = {r["period"]: r["figures"]["active_people"]["value"] for r in rows if r["group"] == name}
        series.append((name or no_group(group), [values.get(p) for p in periods]))
    return _chart(pygal.Line, title, _labels(rows, periods), series, None, **lines)


def kudos(periods: list[dict], interval: str) -> str:
    """Lines per period: kudos given, and the distinct people who gave and received them."""
    series = [(label, [p[name] for p in periods])
              for label, name in ((gettext("Kudos"), "kudos"), (gettext("Givers"), "givers"), (gettext("Receivers"), "receivers"))]
    return _chart(pygal.Line, gettext('Kudos givers and receivers, per %(interval)s') % {"interval": _word(interval)},
                  [period_label(p) for p in periods], series, ["kudos", "givers", "receivers"],
                  dots_size=4, include_x_axis=True, margin_right=40)
