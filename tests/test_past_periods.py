"""Boards of periods past their grace, built from the ledger when read, stay true to the ledger."""

from __future__ import annotations

import pytest
from django.test import override_settings

from base.redis import get_redis
from engine.scoring import do_score_pending
from leaderboards.rebuild import board_sums
from rulesets.active import active_ruleset
from base.models import Award
from tests.helpers import BASIC_RULESET, event

OLD_WEEK = "2025-W10"
pytestmark = pytest.mark.usefixtures("redis")


def send(admin, *events):
    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def week(reader, around=None) -> tuple[list[tuple[str, int]], dict | None]:
    params = {"period": OLD_WEEK} | ({"around": around} if around else {})
    response = reader.get("/leaderboards/weekly", **params)
    assert response.status_code == 200, response.json()
    body = response.json()
    return [(e["person"], e["points"]) for e in body["entries"]], body["me"]


def ledger_week() -> list[tuple[str, int]]:
    """What the ledger says the old week's board holds, highest first."""
    ruleset, _ = active_ruleset()
    totals = board_sums([ruleset.leaderboard("weekly")], ruleset, Award.objects.all())
    rows = [(person, points) for (placement, person), (points, _) in totals.items() if placement.period == OLD_WEEK]
    return sorted(rows, key=lambda row: -row[1])


def seed(admin, reader):
    """An old week with three people in it, read once (so its board is built and kept a while)."""
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    send(admin, event("post", "ana@example.com", id="a1", at="2025-03-04T10:00:00+00:00"),
         event("post", "ana.ruiz@lms.example", id="l1", at="2025-03-04T11:00:00+00:00"),
         event("post", "ana.ruiz@lms.example", id="l2", at="2025-03-05T11:00:00+00:00"),
         event("post", "bob@example.com", id="b1", at="2025-03-05T10:00:00+00:00"),
         event("post", "bob@example.com", id="b2", at="2025-03-05T12:00:00+00:00"),
         event("post", "bob@example.com", id="b3", at="2025-03-06T12:00:00+00:00"))
    entries, _ = week(reader)
    assert entries == [("bob@example.com", 30), ("ana.ruiz@lms.example", 20), ("ana@example.com", 10)]


@override_settings(LEADERBOARD_GRACE_DAYS=10)
def test_a_merge_shows_on_a_past_period_board_read_before_it(admin, reader):
    # given an old week's board, read (and so built) before the merge
    seed(admin, reader)
    # when the LMS record is merged into ana@example.com
    response = admin.post("/people/ana@example.com/merge", {"from": "ana.ruiz@lms.example"})
    assert response.status_code == 200, response.json()
    # then the old week shows ana with both histories, and finds her for `around`
    entries, me = week(reader, around="ana@example.com")
    assert sorted(entries) == sorted(ledger_week()) == [("ana@example.com", 30), ("bob@example.com", 30)]
    assert me is not None and me["points"] == 30


@override_settings(LEADERBOARD_GRACE_DAYS=10)
def test_a_late_award_to_a_past_period_shows_on_its_board_at_once(admin, reader):
    # given an old week's board, read (and so built) before
    seed(admin, reader)
    # when a late event of that week arrives (a course finished then, reported now)
    send(admin, event("comment", "cy@example.com", id="c1", at="2025-03-06T15:00:00+00:00",
                      target={"id": "b1", "author": "bob@example.com"}))
    # then the board shows it on the next read, as the ledger has it
    entries, me = week(reader, around="cy@example.com")
    assert sorted(entries) == sorted(ledger_week())
    assert ("cy@example.com", 2) in entries and ("bob@example.com", 31) in entries
    assert me is not None and me["points"] == 2


@override_settings(LEADERBOARD_GRACE_DAYS=10)
def test_an_undo_of_an_award_in_a_past_period_shows_on_its_board_at_once(admin, reader):
    # given an old week's board, read (and so built) before
    seed(admin, reader)
    # when one of bob's posts of that week is undone now
    send(admin, {"id": "u1", "type": "undo", "occurred_at": "2026-11-25T12:00:00+00:00", "actor": "bob@example.com",
                 "target": {"id": "b3"}})
    # then the board shows bob's points without it
    entries, _ = week(reader)
    assert sorted(entries) == sorted(ledger_week())
    assert ("bob@example.com", 20) in entries


@override_settings(LEADERBOARD_GRACE_DAYS=10)
def test_a_past_period_nobody_read_is_not_built_by_a_late_award(admin, reader):
    # given an old week nobody has read
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    send(admin, event("post", "ana@example.com", id="a1", at="2025-03-04T10:00:00+00:00"))
    # when a late event of that week is scored
    send(admin, event("post", "bob@example.com", id="b1", at="2025-03-05T10:00:00+00:00"))
    # then the boards keep nothing live for it, and a read builds it from the ledger
    assert not [k for k in get_redis().scan_iter(match=f"plaudit:lb:{{weekly}}:{OLD_WEEK}*")]
    entries, _ = week(reader)
    assert sorted(entries) == sorted(ledger_week()) == [("ana@example.com", 10), ("bob@example.com", 10)]
