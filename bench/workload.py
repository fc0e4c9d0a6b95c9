"""The scorer benchmarks' workload: one award per event that lands on five boards.

Five boards per award (all time, this week, this month, per channel this month, per team),
so 100,000 events make 500,000 board writes. The events fall in the two days before now,
so every period board is live.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

RULESET = """\
ruleset: bench-five-boards
timezone: UTC
rules:
  - id: post
    when: {type: post}
    award: {to: actor, points: 5}
  - id: comment
    when: {type: comment}
    award: {to: actor, points: 2}
  - id: reaction
    when: {type: reaction}
    award: {to: actor, points: 1}
leaderboards:
  - {id: all-time}
  - {id: weekly, period: week}
  - {id: monthly, period: month}
  - {id: channels, period: month, scope: channel}
  - {id: teams, scope: team}
"""
BOARDS = 5
TYPES = ("post", "comment", "comment", "reaction", "reaction", "reaction")


def events(n: int, *, people: int = 5000, start: int = 0, total: int | None = None, seed: int = 3):
    """Events start..start+n of a run of `total`, spread evenly over the two days before now, in order."""
    total = total or n
    rng = random.Random(seed + start)
    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    step = timedelta(days=2) / total
    first = end - timedelta(days=2)
    out = []
    for i in range(start, start + n):
        person = rng.randrange(people)
        out.append({
            "id": f"bench-{i}", "type": rng.choice(TYPES), "occurred_at": (first + step * i).isoformat(),
            "actor": {"id": f"p{person}@example.com", "name": f"Person {person}", "team": f"team-{person % 40}"},
            "channel": f"channel-{rng.randrange(12)}", "text": "Notes from the workshop on pipelines",
        })
    return out


def load(n: int, chunk: int = 1000) -> None:
    """Accept n events as the API would, 1,000 a call."""
    from base.accept import do_accept_events

    for i in range(0, n, chunk):
        do_accept_events(events(min(chunk, n - i), start=i, total=n))
