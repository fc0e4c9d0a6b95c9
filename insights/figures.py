"""Engagement figures from plain rows: pure Python, no Django, so every figure can be checked by hand.

insights/queries.py reads the rollups into these rows; docs/insights.md defines each figure.
Periods are `Window`s of local dates [start, end); the first window given is only the previous
period of the second, so each reported figure comes with its previous value and the change.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping

INTERVALS = ("day", "week", "month")
COUNT_FIGURES = {  # figure -> the rollup column it sums
    "posts": "posts", "comments": "comments", "reactions": "reactions", "reshares": "reshares",
    "shoutouts": "shoutouts", "questions": "questions", "answers": "answers", "polls": "polls", "votes": "votes",
    "follows": "follows", "joins": "joins", "courses_completed": "courses", "certifications": "certifications",
}
CONTRIBUTION = ("posts", "comments", "questions", "answers", "shoutouts", "polls")
REACTING = ("reactions", "reshares")
FIGURES = (*COUNT_FIGURES, "questions_answered", "answered_share", "median_hours_to_first_answer",
           "active_people", "contributors", "reactors", "known_people", "participation",
           "top_poster_share", "top10_share", "new_contributors", "returning_contributors")
QUOTE_CHARS = 200


@dataclass(frozen=True)
class Window:
    label: str
    start: date  # inclusive, local
    end: date    # exclusive, local


@dataclass(frozen=True)
class PersonRow:
    group: str
    window: int          # index into the windows
    person: str
    counts: Mapping[str, int]  # rollup column -> events


@dataclass(frozen=True)
class QuestionRow:
    group: str
    window: int
    seconds_to_first_answer: float | None  # None: not answered by anyone else (yet)


@dataclass(frozen=True)
class History:
    first_active: date | None
    first_contribution: date | None


def period_start(interval: str, day: date) -> date:
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown interval {interval!r}")


def next_start(interval: str, start: date) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def label(interval: str, start: date) -> str:
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if interval == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return start.isoformat()


def calendar_windows(interval: str, since: date, until: date) -> list[Window]:
    """The periods covering [since, until), whole periods, preceded by the one before the first."""
    start = period_start(interval, since)
    previous = period_start(interval, start - timedelta(days=1))
    windows = [Window(label(interval, previous), previous, start)]
    while start < until:
        end = next_start(interval, start)
        windows.append(Window(label(interval, start), start, end))
        start = end
    return windows


def range_windows(since: date, until: date) -> list[Window]:
    """[since, until) as one period, preceded by the same number of days before it."""
    previous = since - (until - since)
    return [Window(f"{previous}..{since}", previous, since), Window(f"{since}..{until}", since, until)]


def compute(windows: list[Window], people: Iterable[PersonRow], questions: Iterable[QuestionRow],
            history: Mapping[tuple[str, str], History], *, directory: Mapping[str, int] | None = None,
            groups: Iterable[str] = ()) -> list[dict]:
    """One row per group and reported window (windows[1:]), each figure with its previous value and change.

    `directory`: known people per group from the people directory; None counts as known everyone
    active in the group on or before the window's last day (`history`).
    """
    per: dict[tuple[str, int], dict[str, dict[str, int]]] = {}  # (group, window) -> person -> counts
    for row in people:
        counts = per.setdefault((row.group, row.window), {}).setdefault(row.person, {})
        for column, n in row.counts.items():
            counts[column] = counts.get(column, 0) + (n or 0)
    asked: dict[tuple[str, int], list[float | None]] = {}
    for q in questions:
        asked.setdefault((q.group, q.window), []).append(q.seconds_to_first_answer)
    known_history: dict[str, list[date]] = {}
    for (group, _), h in history.items():
        if h.first_active is not None:
            known_history.setdefault(group, []).append(h.first_active)

    all_groups = sorted({g for g, _ in per} | {g for g, _ in asked} | set(groups))
    rows = []
    for group in all_groups:
        figures = []
        for i, window in enumerate(windows):
            if directory is not None:
                known = directory.get(group, 0)
            else:
                known = sum(1 for d in known_history.get(group, ()) if d < window.end)
            figures.append(_figures(window, per.get((group, i), {}), asked.get((group, i), []), history, group, known))
        for i in range(1, len(windows)):
            current, previous = figures[i], figures[i - 1]
            rows.append({
                "group": group, "period": windows[i].label, "from": windows[i].start.isoformat(),
                "until": windows[i].end.isoformat(), "top_poster": current.pop("_top_poster"),
                "figures": {name: {"value": current[name], "previous": previous[name],
                                   "change": _change(current[name], previous[name])} for name in FIGURES},
            })
    return rows


def _figures(window: Window, people: dict[str, dict[str, int]], asked: list[float | None],
             history: Mapping[tuple[str, str], History], group: str, known: int) -> dict:
    f: dict = {name: sum(c.get(column, 0) for c in people.values()) for name, column in COUNT_FIGURES.items()}
    answered = sorted(s for s in asked if s is not None)
    f["questions_answered"] = len(answered)
    f["answered_share"] = _share(len(answered), len(asked))
    f["median_hours_to_first_answer"] = round(statistics.median(answered) / 3600, 2) if answered else None

    active = [p for p, c in people.items() if any(c.values())]
    contributors = [p for p in active if any(people[p].get(col, 0) for col in CONTRIBUTION)]
    f["active_people"] = len(active)
    f["contributors"] = len(contributors)
    f["reactors"] = sum(1 for p in active if any(people[p].get(col, 0) for col in REACTING))
    f["known_people"] = known
    f["participation"] = _share(len(active), known)

    posts = sorted(((c.get("posts", 0), p) for p, c in people.items() if c.get("posts", 0)), key=lambda x: (-x[0], x[1]))
    total = sum(n for n, _ in posts)
    f["top_poster_share"] = _share(posts[0][0], total) if posts else None
    f["top10_share"] = _share(sum(n for n, _ in posts[:math.ceil(len(posts) / 10)]), total) if posts else None
    f["_top_poster"] = posts[0][1] if posts else None

    new = 0
    for p in contributors:
        first = history.get((group, p))
        if first is None or first.first_contribution is None or first.first_contribution >= window.start:
            new += 1
    f["new_contributors"] = new
    f["returning_contributors"] = len(contributors) - new
    return f


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _change(value, previous):
    if value is None or previous is None:
        return None
    return round(value - previous, 3) if isinstance(value, float) or isinstance(previous, float) else value - previous


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters (an ellipsis included)."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:!?-") + "…"
