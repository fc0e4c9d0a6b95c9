"""SVG charts for the report, drawn server-side by pygal: inline in the page, printable, no script, no CDN."""

from __future__ import annotations

import pygal
from pygal.style import Style

STYLE = Style(
    background="white", plot_background="white", foreground="#333", foreground_strong="#111",
    foreground_subtle="#ddd", opacity="0.9", opacity_hover="1", transition="0s",
    colors=("#1f6f8b", "#e07a1f", "#5b9a3c", "#9b4d96", "#c23b3b", "#777777"),
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif", label_font_size=12, major_label_font_size=12,
    legend_font_size=12, title_font_size=15, value_font_size=11,
)
# Without js=() pygal links its tooltip script from a CDN; the page must work offline and on paper.
COMMON = dict(style=STYLE, js=(), disable_xml_declaration=True, width=760, height=330, margin=12,
              legend_at_bottom=True, legend_at_bottom_columns=3, truncate_legend=-1, show_y_guides=True,
              explicit_size=True)


def _svg(chart) -> str:
    return chart.render(is_unicode=True)


def weekly_activity(weeks: list[dict]) -> str:
    """Stacked bars per week: new posts, comments, likes, reshares, shoutouts, answers."""
    chart = pygal.StackedBar(title="What people did, per week", **COMMON)
    chart.x_labels = [w["period"] for w in weeks]
    for label, name in (("Posts", "posts"), ("Comments", "comments"), ("Likes", "reactions"),
                        ("Reshares", "reshares"), ("Shoutouts", "shoutouts"), ("Answers", "answers")):
        chart.add(label, [w["figures"][name]["value"] for w in weeks])
    return _svg(chart)


def weekly_people(weeks: list[dict]) -> str:
    """Lines per week: active people, contributors, new contributors: is it more than the facilitator?"""
    chart = pygal.Line(title="Who took part, per week", dots_size=4, include_x_axis=True, margin_right=40, **COMMON)
    chart.x_labels = [w["period"] for w in weeks]
    for label, name in (("Active people", "active_people"), ("Contributors", "contributors"),
                        ("New contributors", "new_contributors")):
        chart.add(label, [w["figures"][name]["value"] for w in weeks])
    return _svg(chart)


def breakdown(rows: list[dict], by: str, limit: int = 12) -> str:
    """Horizontal bars per channel, programme or team: contributors and active people."""
    shown = rows[:limit]
    options = {**COMMON, "height": max(260, 120 + 34 * len(shown))}
    chart = pygal.HorizontalBar(title=f"Contributors and active people per {by}", **options)
    chart.x_labels = [r["group"] or f"(no {by})" for r in reversed(shown)]
    chart.add("Contributors", [r["figures"]["contributors"]["value"] for r in reversed(shown)])
    chart.add("Active people", [r["figures"]["active_people"]["value"] for r in reversed(shown)])
    return _svg(chart)
