"""Challenge standings against an independent oracle: a week in Europe/Berlin that crosses the end of
summer time (2026-10-25), generated events accepted out of time order, undos, several scoring batches.

The oracle is plain Python over the event list, written from the contract (section 8) alone: the
window's bounds are written out in UTC, and a goal, its winners and undo are counted by hand.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from django.test import override_settings

from base.models import Award
from engine.scoring import do_score_pending
from tests.helpers import yaml

UTC = timezone.utc
RULESET = yaml("""
    ruleset: oracle
    timezone: Europe/Berlin
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
    challenges:
      - id: dbt-week
        name: dbt week
        starts: 2026-10-22
        ends: 2026-10-29
        goal: {rule: original-post, count: 3}
        when: {hashtags_any: [dbt]}
        winners: 3
        reward: {points: 25}
""")
# Midnight in Berlin: 2026-10-22 is summer time (UTC+2), 2026-10-29 winter time (UTC+1).
WINDOW_START = datetime(2026, 10, 21, 22, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 10, 28, 23, 0, tzinfo=UTC)
GOAL, PLACES, REWARD = 3, 3, 25
PEOPLE = [f"p{i}@x" for i in range(8)]


def generate(seed: int, n: int = 160) -> list[dict]:
    rng = random.Random(seed)
    edges = [WINDOW_START, WINDOW_END, WINDOW_START - timedelta(seconds=1), WINDOW_END - timedelta(seconds=1),
             datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]  # around the change
    events, posts, undone = [], [], set()
    for i in range(n):
        if posts and rng.random() < 0.15:
            target = rng.choice(posts)
            events.append({"id": f"u{i}", "type": "undo", "occurred_at": "2026-10-30T10:00:00+00:00",
                           "actor": target[1], "target": {"id": target[0]}})
            undone.add(target[0])
            continue
        when = rng.choice(edges) if rng.random() < 0.2 else WINDOW_START + timedelta(
            minutes=rng.randint(-24 * 60, int((WINDOW_END - WINDOW_START).total_seconds() // 60) + 24 * 60))
        actor = rng.choice(PEOPLE)
        tags = ["dbt"] if rng.random() < 0.7 else ["python"]
        events.append({"id": f"e{i}", "type": "post", "occurred_at": when.isoformat(), "actor": actor, "hashtags": tags})
        posts.append((f"e{i}", actor))
    return events


def oracle(events: list[dict]) -> tuple[list[tuple], dict[str, int]]:
    """Standings as (person, progress, reached_at, winner) in the contract's order, and reward points per person."""
    counted: dict[str, set[str]] = {}  # person -> ids of their counted events
    owner: dict[str, str] = {}
    reached: dict[str, tuple[datetime, int]] = {}
    winners: list[str] = []
    undone: set[str] = set()
    for order, e in enumerate(events):
        if e["type"] == "undo":
            target = e["target"]["id"]
            if target in undone:
                continue
            undone.add(target)
            person = owner.get(target)
            if person and target in counted[person]:
                counted[person].discard(target)
                if person in reached and person not in winners and len(counted[person]) < GOAL:
                    del reached[person]
            continue
        at = datetime.fromisoformat(e["occurred_at"])
        if not (WINDOW_START <= at < WINDOW_END) or "dbt" not in e["hashtags"]:
            continue
        person = e["actor"]
        counted.setdefault(person, set()).add(e["id"])
        owner[e["id"]] = person
        if person not in reached and len(counted[person]) >= GOAL:
            reached[person] = (at, order)
            if len(winners) < PLACES:
                winners.append(person)
    rows = [(p, len(ids), reached.get(p, (None,))[0], p in winners) for p, ids in counted.items()]
    rows.sort(key=lambda r: (r[2] is None, reached[r[0]] if r[0] in reached else (0, 0), -r[1], r[0]))
    return rows, {p: REWARD for p in winners}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_standings_over_a_dst_change_match_the_oracle(admin, reader, seed):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    events = generate(seed)
    rng = random.Random(seed)
    start = 0
    while start < len(events):  # several requests and batches of varying size
        size = rng.randint(1, 40)
        with override_settings(SCORER_BATCH_SIZE=rng.randint(1, 25)):
            assert admin.post("/events", events[start:start + size]).status_code == 202
            do_score_pending()
        start += size

    expected, rewards = oracle(events)
    body = reader.get("/challenges/dbt-week", limit=100).json()
    got = [(s["person"], s["progress"], datetime.fromisoformat(s["reached_at"]) if s["reached_at"] else None, s["winner"])
           for s in body["standings"]]
    assert got == expected
    assert [s["rank"] for s in body["standings"]] == list(range(1, len(got) + 1))
    given = dict(Award.objects.filter(rule_id="challenge:dbt-week").values_list("recipient__key", "points"))
    assert given == rewards and len(rewards) >= 1
