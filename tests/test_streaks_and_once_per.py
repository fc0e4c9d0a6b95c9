"""Streaks and `once_per: target` through the API, scored in small batches so facts come back from the database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from engine import scoring
from base.models import StreakState
from engine.scoring import do_score_pending
from tests.helpers import event, yaml

BERLIN = ZoneInfo("Europe/Berlin")

RULESET = yaml("""
    ruleset: habits
    timezone: Europe/Berlin
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: reacting
        when: {type: reaction, not_self: true}
        award: {to: actor, points: 1}
        once_per: target
    streaks:
      - id: daily
        when: {type: post}
        per: day
        bonus: [{length: 3, points: 15}]
    badges:
      - id: on-a-roll
        name: On a Roll
        criteria: {streak: daily}
        tiers: [{name: Bronze, count: 2}, {name: Silver, count: 3}, {name: Gold, count: 5}]
    leaderboards:
      - id: all-time
      - {id: streaks, rules: [daily]}
""")


@pytest.fixture(params=["cold", "warm"])
def habits(request, admin, monkeypatch):
    """The ruleset active; `cold`: no facts kept between batches, so every batch reads them from the database."""
    if request.param == "cold":
        monkeypatch.setattr(scoring, "WARM_FACTS_LIMIT", -1)
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    return admin


def send(admin, *events):
    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def awards(reader, person):
    body = reader.get(f"/people/{person}/awards", limit=100).json()
    return sorted((a["event"], a["rule"], a["points"], a["capped"]) for a in body["awards"])


def react(actor, event_id, target, author="ana@x"):
    return event("reaction", actor, id=event_id, target={"id": target, "author": author})


@override_settings(SCORER_BATCH_SIZE=1)
def test_a_person_scores_a_once_per_target_rule_once_per_target_across_batches_and_undos(habits, reader):
    # given: bob reacts to p1, again under a new id, undoes the first, and reacts once more
    send(habits, react("bob@x", "r1", "p1"), react("bob@x", "r2", "p1"))
    send(habits, {"id": "u1", "type": "undo", "occurred_at": "2026-11-25T11:00:00+00:00", "actor": "bob@x",
                  "target": {"id": "r1"}})
    # when
    send(habits, react("bob@x", "r3", "p1"), react("carol@x", "r4", "p1"), react("bob@x", "r5", "p2"),
         event("reaction", "bob@x", id="r6"), event("reaction", "bob@x", id="r7"))
    # then: only the first reaction on each target paid, the undo took it back, targetless events are free
    assert awards(reader, "bob@x") == [
        ("r1", "reacting", 1, False), ("r2", "reacting", 0, True), ("r3", "reacting", 0, True),
        ("r5", "reacting", 1, False), ("r6", "reacting", 1, False), ("r7", "reacting", 1, False),
        ("u1", "reacting", -1, False),
    ]
    assert awards(reader, "carol@x") == [("r4", "reacting", 1, False)]
    assert reader.get("/people/bob@x").json()["points"] == 3


def noon(day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=BERLIN).isoformat()


@override_settings(SCORER_BATCH_SIZE=2)
def test_a_daily_streak_pays_its_bonus_grants_tiers_and_restarts_after_a_gap(habits, reader):
    # given: days relative to today in Berlin, so the badge progress reads the run as current
    today = datetime.now(BERLIN).date()
    days = [today - timedelta(days=n) for n in range(6, -1, -1)]  # days[6] is today
    # when: ana posts on three days in a row (twice on the third), skips a day, posts on three more
    send(habits, *[event("post", "ana@x", id=f"p{i}", at=noon(days[i])) for i in (0, 1, 2)],
         event("post", "ana@x", id="p2b", at=noon(days[2])))
    send(habits, *[event("post", "ana@x", id=f"p{i}", at=noon(days[i])) for i in (4, 5)])
    # an event from before the run, accepted late, changes nothing
    send(habits, event("post", "ana@x", id="late", at=noon(today - timedelta(days=9))))
    # then: the bonus paid once, on the third day; the second run has length 2 so far
    assert [a for a in awards(reader, "ana@x") if a[1] == "daily"] == [("p2", "daily", 15, False)]
    state = StreakState.objects.get(person__key="ana@x", streak_id="daily")
    assert (state.last_period, state.length, state.best) == (days[5].isoformat(), 2, 3)
    person = reader.get("/people/ana@x").json()
    assert [(b["id"], b["tier"]) for b in person["badges"]] == [("on-a-roll", "Bronze"), ("on-a-roll", "Silver")]
    assert person["points"] == 7 * 10 + 15
    progress = {b["id"]: b for b in reader.get("/people/ana@x/badges").json()}["on-a-roll"]
    assert (progress["have"], progress["need"], progress["next_tier"]) == (2, 5, "Gold")
    # and the board filtered on the streak id counts the bonus
    board = reader.get("/leaderboards/streaks").json()["entries"]
    assert [(e["person"], e["points"]) for e in board] == [("ana@x", 15)]

    # when: the run goes on today
    send(habits, event("post", "ana@x", id="p6", at=noon(days[6])))
    # then: a second run pays its bonus too (once per run); Silver is not granted again
    assert [a for a in awards(reader, "ana@x") if a[1] == "daily"] == [("p2", "daily", 15, False),
                                                                        ("p6", "daily", 15, False)]
    assert len(reader.get("/people/ana@x").json()["badges"]) == 2
    progress = {b["id"]: b for b in reader.get("/people/ana@x/badges").json()}["on-a-roll"]
    assert progress["have"] == 3


@override_settings(SCORER_BATCH_SIZE=1)
def test_a_streak_that_missed_a_day_shows_no_progress(habits, reader):
    # given: two posts in a row, ending three days ago
    today = datetime.now(BERLIN).date()
    send(habits, *[event("post", "dan@x", at=noon(today - timedelta(days=n))) for n in (4, 3)])
    # when
    progress = {b["id"]: b for b in reader.get("/people/dan@x/badges").json()}["on-a-roll"]
    # then: the run is over, though Bronze stays earned
    assert (progress["have"], progress["need"], [e["tier"] for e in progress["earned"]]) == (0, 3, ["Bronze"])
