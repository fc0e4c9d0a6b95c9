"""Engagement figures from plain rows: pure Python, no Django, so every figure can be checked by hand.

insights/queries.py reads the rollups into these rows; docs/insights.md defines each figure.
Periods are `Window`s of local dates [start, end); the first window given is only the previous
period of the second, so each reported figure comes with its previous value and the change.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
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
class Asked:
    """The questions of one group and window, as the database can count them without listing them."""

    questions: int
    answered: int                  # by someone other than the asker
    median_seconds: float | None   # to the first such answer, over the answered ones


def asked_per_window(rows: Iterable[QuestionRow]) -> dict[tuple[str, int], Asked]:
    waits: dict[tuple[str, int], list[float | None]] = {}
    for q in rows:
        waits.setdefault((q.group, q.window), []).append(q.seconds_to_first_answer)
    out = {}
    for key, listed in waits.items():
        answered = [s for s in listed if s is not None]
        out[key] = Asked(len(listed), len(answered), statistics.median(answered) if answered else None)
    return out


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


@dataclass
class Partition:
    """What is known of one group in one window; the database computes these (insights/queries.py),
    and `from_people` computes them from plain per-person rows, for tests and the benchmark."""

    counts: dict[str, int] = field(default_factory=dict)  # rollup column -> events
    active: int = 0
    contributors: int = 0
    reactors: int = 0
    posts_by_top_poster: int = 0
    posts_by_top_tenth: int = 0  # by the ceil(posters / 10) people who posted most
    top_poster: str | None = None
    new_contributors: int = 0   # people whose first contribution in the group falls in the window


def from_people(windows: list[Window], people: Iterable[PersonRow],
                history: Mapping[tuple[str, str], History]) -> dict[tuple[str, int], Partition]:
    per: dict[tuple[str, int], dict[str, dict[str, int]]] = {}  # (group, window) -> person -> counts
    for row in people:
        counts = per.setdefault((row.group, row.window), {}).setdefault(row.person, {})
        for column, n in row.counts.items():
            counts[column] = counts.get(column, 0) + (n or 0)
    partitions = {}
    for (group, i), persons in per.items():
        part = Partition()
        for c in persons.values():
            for column, n in c.items():
                part.counts[column] = part.counts.get(column, 0) + n
        active = [p for p, c in persons.items() if any(c.values())]
        contributors = [p for p in active if any(persons[p].get(col, 0) for col in CONTRIBUTION)]
        part.active, part.contributors = len(active), len(contributors)
        part.reactors = sum(1 for p in active if any(persons[p].get(col, 0) for col in REACTING))
        posts = sorted(((c.get("posts", 0), p) for p, c in persons.items() if c.get("posts", 0)),
                       key=lambda x: (-x[0], x[1]))
        if posts:
            part.posts_by_top_poster, part.top_poster = posts[0]
            part.posts_by_top_tenth = sum(n for n, _ in posts[:math.ceil(len(posts) / 10)])
        for p in contributors:
            first = history.get((group, p))
            if first is None or first.first_contribution is None or first.first_contribution >= windows[i].start:
                part.new_contributors += 1
        partitions[(group, i)] = part
    return partitions


def known_from_history(windows: list[Window], history: Mapping[tuple[str, str], History]) -> dict[tuple[str, int], int]:
    """Known people per group and window: those active in the group on or before the window's last day."""
    firsts: dict[str, list[date]] = {}
    for (group, _), h in history.items():
        if h.first_active is not None:
            firsts.setdefault(group, []).append(h.first_active)
    return {(g, i): sum(1 for d in days if d < w.end) for g, days in firsts.items() for i, w in enumerate(windows)}


def compute(windows: list[Window], partitions: Mapping[tuple[str, int], Partition],
            questions: Iterable[QuestionRow] | Mapping[tuple[str, int], Asked],
            known: Mapping[tuple[str, int], int] | Mapping[str, int], *, groups: Iterable[str] = ()) -> list[dict]:
    """One row per group and reported window (windows[1:]), each figure with its previous value and change.

    `questions`: one row per question, or what they add up to per (group, window).
    `known`: known people per (group, window), or per group when it does not change with the window
    (the people directory).
    """
    asked = questions if isinstance(questions, Mapping) else asked_per_window(questions)
    all_groups = sorted({g for g, _ in partitions} | {g for g, _ in asked} | set(groups))
    rows = []
    for group in all_groups:
        figures = []
        for i in range(len(windows)):
            people = known.get((group, i), known.get(group, 0)) if known else 0
            figures.append(_figures(partitions.get((group, i)) or Partition(), asked.get((group, i)), people))
        for i in range(1, len(windows)):
            current, previous = figures[i], figures[i - 1]
            rows.append({
                "group": group, "period": windows[i].label, "from": windows[i].start.isoformat(),
                "until": windows[i].end.isoformat(), "top_poster": current.pop("_top_poster"),
                "figures": {name: {"value": current[name], "previous": previous[name],
                                   "change": _change(current[name], previous[name])} for name in FIGURES},
            })
    return rows


def _figures(part: Partition, asked: Asked | None, known: int) -> dict:
    f: dict = {name: part.counts.get(column, 0) or 0 for name, column in COUNT_FIGURES.items()}
    asked = asked or Asked(0, 0, None)
    f["questions_answered"] = asked.answered
    f["answered_share"] = _share(asked.answered, asked.questions)
    f["median_hours_to_first_answer"] = round(asked.median_seconds / 3600, 2) if asked.median_seconds is not None else None
    f["active_people"] = part.active
    f["contributors"] = part.contributors
    f["reactors"] = part.reactors
    f["known_people"] = known
    f["participation"] = _share(part.active, known)
    posts = f["posts"]
    f["top_poster_share"] = _share(part.posts_by_top_poster, posts) if posts else None
    f["top10_share"] = _share(part.posts_by_top_tenth, posts) if posts else None
    f["_top_poster"] = part.top_poster
    f["new_contributors"] = part.new_contributors
    f["returning_contributors"] = part.contributors - part.new_contributors
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
