"""SVG charts for the report, drawn server-side by pygal: inline in the page, printable, no script, no CDN.

One palette for the report and the dashboard (web/insight_charts.py): each series has its colour by
what it counts (posts are always the same blue), whatever order or chart it is drawn in."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date

import pygal
from babel.dates import format_date
from django.core.cache import cache
from pygal.style import Style

PALETTE = ("#1f6f8b", "#e07a1f", "#5b9a3c", "#9b4d96", "#c23b3b", "#777777")
COLOURS = {  # series -> colour, the same in every chart of the report and the dashboard
    "posts": PALETTE[0], "comments": PALETTE[1], "reactions": PALETTE[2], "reshares": PALETTE[3],
    "shoutouts": PALETTE[4], "answers": PALETTE[5],
    "active_people": PALETTE[0], "contributors": PALETTE[1], "new_contributors": PALETTE[2],
    "kudos": PALETTE[3], "givers": PALETTE[0], "receivers": PALETTE[1],
}
# The order the activity series are drawn in, bottom to top, on both pages.
ACTIVITY = (("Posts", "posts"), ("Comments", "comments"), ("Answers", "answers"), ("Likes", "reactions"),
            ("Reshares", "reshares"), ("Shoutouts", "shoutouts"))
STYLE_OPTIONS = dict(
    background="white", plot_background="white", foreground="#333", foreground_strong="#111",
    foreground_subtle="#ddd", opacity="0.9", opacity_hover="1", transition="0s",
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif", label_font_size=12, major_label_font_size=12,
    legend_font_size=12, title_font_size=15, value_font_size=11,
)
STYLE = Style(colors=PALETTE, **STYLE_OPTIONS)


def style_for(series) -> Style:
    """The style for series drawn in this order (figure names; others take the palette in turn)."""
    return Style(colors=tuple(COLOURS.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)),
                 **STYLE_OPTIONS)


# Without js=() pygal links its tooltip script from a CDN; the page must work offline and on paper.
COMMON = dict(style=STYLE, js=(), disable_xml_declaration=True, width=760, height=330, margin=12,
              legend_at_bottom=True, legend_at_bottom_columns=3, truncate_legend=-1, show_y_guides=True,
              explicit_size=True)


def options(series, **extra) -> dict:
    return {**COMMON, "style": style_for(series), **extra}


def week_label(row: dict) -> str:
    """A week on a chart's axis: "W49 (Nov 30)", short enough to stand under a bar."""
    first = date.fromisoformat(row["from"][:10])
    return f"W{first.isocalendar()[1]} ({format_date(first, 'MMM d', locale='en')})"


CHART_SECONDS = 3600  # a drawn chart kept for the next view with the same figures


def drawn(parts: list, draw: Callable[[], str]) -> str:
    """What draw() returns, kept in the cache for the next call with the same parts. pygal takes tens of
    milliseconds a chart; a chart is a function of its kind, words, labels and figures, so parts that name
    all of them make a key that is never stale."""
    key = "insights-chart:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CHART_SECONDS)
    return svg


def _svg(chart) -> str:
    return chart.render(is_unicode=True)


def _lines(kind, title: str, labels: list[str], series: list[tuple[str, list]], **chart_options) -> str:
    """A pygal chart of this kind (StackedBar, Line...), drawn once per process for the same everything."""
    def draw() -> str:
        chart = kind(title=title, **chart_options)
        chart.x_labels = labels
        for label, values in series:
            chart.add(label, values)
        return _svg(chart)

    shown = {k: v for k, v in chart_options.items() if k != "style"}
    colours = chart_options["style"].colors if "style" in chart_options else None
    return drawn(["report", kind.__name__, title, labels, series, shown, colours], draw)


def weekly_activity(weeks: list[dict]) -> str:
    """Stacked bars per week: new posts, comments, likes, reshares, shoutouts, answers."""
    return _lines(pygal.StackedBar, "What people did, per week",
                  [week_label(w) + (" (so far)" if w.get("partial") else "") for w in weeks],
                  [(label, [w["figures"][name]["value"] for w in weeks]) for label, name in ACTIVITY],
                  **options([name for _, name in ACTIVITY]))


def weekly_people(weeks: list[dict]) -> str:
    """Lines per week: active people, contributors, new contributors: is it more than the facilitator?"""
    return _lines(pygal.Line, "Who took part, per week",
                  [week_label(w) + (" (so far)" if w.get("partial") else "") for w in weeks],
                  [(label, [w["figures"][name]["value"] for w in weeks])
                   for label, name in (("Active people", "active_people"), ("Contributors", "contributors"),
                                       ("New contributors", "new_contributors"))],
                  dots_size=4, include_x_axis=True, margin_right=40,
                  **options(["active_people", "contributors", "new_contributors"]))


def breakdown(rows: list[dict], by: str, limit: int = 12) -> str:
    """Horizontal bars per channel, programme or team: contributors and active people."""
    shown = rows[:limit]
    return _lines(pygal.HorizontalBar, f"Contributors and active people per {by}",
                  [r["group"] or (f"No {by} (imports, LMS)" if by in ("channel", "program") else f"No {by}")
                   for r in reversed(shown)],
                  [("Contributors", [r["figures"]["contributors"]["value"] for r in reversed(shown)]),
                   ("Active people", [r["figures"]["active_people"]["value"] for r in reversed(shown)])],
                  **options(["contributors", "active_people"], height=max(260, 120 + 34 * len(shown))))
