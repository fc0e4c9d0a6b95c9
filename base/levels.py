"""How far a person is on the way to the next level; the API and the profile page show the same number."""

from __future__ import annotations


def level_progress(points: int, level, upcoming) -> float:
    """0..1 of the way from the current level's minimum (0 below the first level) to the next level's."""
    start = level.min_points if level else min(0, points)
    span = upcoming.min_points - start
    if span <= 0:
        return 0.0
    return round(min(1.0, max(0.0, (points - start) / span)), 4)
