"""Rebuild, drift check, metrics and past periods built on demand, against a real Redis."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from engine.scoring import do_score_pending
from leaderboards import keys
from tests.helpers import BASIC_RULESET, event


def seed(admin, *events):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def some_activity():
    now = timezone.now()
    stamp = lambda days: (now - timedelta(days=days)).isoformat()  # noqa: E731
    return [
        event("post", {"id": "ana@example.com", "team": "Data"}, id="p1", at=stamp(1), channel="python"),
        event("post", {"id": "bob@example.com", "team": "Sales"}, id="p2", at=stamp(2), channel="cloud"),
        event("comment", "cy@example.com", at=stamp(1), target={"id": "p1", "author": "ana@example.com"}, text="great"),
        event("reaction", "bob@example.com", id="r1", at=stamp(1), target={"id": "p1", "author": "ana@example.com"}),
        event("shoutout", "ana@example.com", at=stamp(0), text="@bob@example.com and @cy@example.com #certified"),
    ]


def check(stdout=None) -> int:
    out = stdout or io.StringIO()
    try:
        call_command("leaderboards", "check", stdout=out)
    except SystemExit as exit_:
        return exit_.code
    return 0


def snapshot(r):
    return {k: r.zrange(k, 0, -1, withscores=True) for k in sorted(r.scan_iter(match="plaudit:lb:*")) if r.type(k) == b"zset"}


def test_the_drift_check_finds_nothing_on_boards_kept_by_scoring(admin, redis):
    seed(admin, *some_activity())
    out = io.StringIO()
    assert check(out) == 0
    assert "drift 0" in out.getvalue()


def test_the_drift_check_reports_a_tampered_entry_and_a_rebuild_repairs_it(admin, redis):
    # given a board entry changed behind the engine's back
    seed(admin, *some_activity())
    redis.zadd("plaudit:lb:{all-time}:all", {"ana@example.com": -999 * 2**32 + 1, "mallory@example.com": -5 * 2**32})
    # when / then
    out = io.StringIO()
    assert check(out) == 1
    assert "drift 2" in out.getvalue() and "mallory@example.com" in out.getvalue()
    call_command("leaderboards", "rebuild", stdout=io.StringIO())
    assert check() == 0


def test_a_rebuild_after_flushall_gives_identical_boards_tie_order_included(admin, redis):
    # given boards kept incrementally, with ties
    seed(admin, *some_activity())
    before = snapshot(redis)
    # when Redis loses everything and the boards are rebuilt
    redis.flushall()
    call_command("leaderboards", "rebuild", stdout=io.StringIO())
    # then
    assert snapshot(redis) == before and before


def test_metrics_show_the_backlog_and_the_last_drift(admin, redis, client):
    # given
    seed(admin, *some_activity())
    assert check() == 0
    admin.post("/events", [event("post", "dan@example.com")])
    # when
    text = client.get("/metrics").content.decode()
    # then
    assert "plaudit_events_pending 1.0" in text
    assert "plaudit_board_drift 0.0" in text
    assert "plaudit_redis_up 1.0" in text


@override_settings(LEADERBOARD_GRACE_DAYS=10)
def test_a_period_past_its_grace_is_not_kept_live_and_is_built_from_the_ledger_when_read(admin, reader, redis):
    # given posts in a week that ended long ago, and one now
    seed(admin, event("post", "ana@example.com", at="2025-03-04T10:00:00+00:00"),
         event("post", "bob@example.com", at="2025-03-05T10:00:00+00:00"),
         event("post", "bob@example.com", at="2025-03-05T11:00:00+00:00"),
         event("post", "cy@example.com", at=timezone.now().isoformat()))
    # then the old week has no live keys
    assert not redis.exists("plaudit:lb:{weekly}:2025-W10")
    # when someone reads it
    board = reader.get("/leaderboards/weekly", period="2025-W10").json()
    # then it is built from the ledger, and kept a while with an expiry
    assert [(e["person"], e["points"]) for e in board["entries"]] == [("bob@example.com", 20), ("ana@example.com", 10)]
    assert 0 < redis.ttl("plaudit:lb:{weekly}:2025-W10") <= 3600
    # and the drift check leaves such boards alone
    assert check() == 0


def test_current_period_boards_expire_after_their_grace(admin, redis):
    seed(admin, event("post", "ana@example.com", at=timezone.now().isoformat()))
    week = next(k for k in redis.scan_iter(match="plaudit:lb:{weekly}:*") if not k.endswith((b"registry", b"state")))
    assert redis.ttl(week) > 62 * 86400 - 60
    assert redis.ttl("plaudit:lb:{all-time}:all") == -1  # all-time never expires


def test_the_drift_check_finds_nothing_on_a_seeded_month_of_demo_activity(db, redis, settings):
    # given a generated month (60 people) scored under the example ruleset, in batches of 200
    from engine.demo_data import generate_month
    from base.accept import do_accept_events
    from rulesets.active import do_activate_ruleset

    settings.SCORER_BATCH_SIZE = 200
    do_activate_ruleset(open("rules/examples/social-learning.yaml").read())
    _, events = generate_month(seed=3, people=60)
    for start in range(0, len(events), 1000):
        do_accept_events(events[start:start + 1000])
    do_score_pending()
    # when
    out = io.StringIO()
    code = check(out)
    # then every entry of every live board matches the ledger
    assert code == 0, out.getvalue()
    checked = int(out.getvalue().split("checked ")[1].split(" ")[0])
    assert checked > 100
