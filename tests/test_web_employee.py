"""What an employee sees on their own pages: when badges were earned, where they stand, the public grant page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from badges.models import BadgeGrant
from tests.web_seed import make_user, seed_world, signed_in, text
from web.jinja import day


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


def ana_first_post() -> BadgeGrant:
    return BadgeGrant.objects.select_related("event").get(person__key="ana@example.com", badge_id="first-post")


def test_a_badge_was_earned_when_its_event_happened_not_when_it_was_scored(world):
    grant = ana_first_post()
    occurred, scored = grant.event.occurred_at, grant.granted_at
    assert (scored - occurred).days >= 6  # last week's post, scored now
    page = text(signed_in("ana@example.com").get("/badges/first-post"))
    earned = re.search(r"earned ([^<]+?)\.", page).group(1)
    assert day(occurred) in earned and day(scored) not in earned
    body = json.loads(Client().get(f"/openbadges/assertions/{grant.uuid}").content)
    assert body["issuedOn"] == occurred.isoformat()


def test_the_start_page_lists_every_board_with_your_rank_or_what_it_takes(world):
    # Eve posted nothing this week (nor ever): no rank anywhere, and each board says what puts her on it.
    from tests.web_seed import PEOPLE  # noqa: F401
    from base.accept import do_accept_events
    from engine.scoring import do_score_pending
    do_accept_events([{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "occurred_at": "2026-01-05T09:00:00+00:00"}])
    do_score_pending()
    make_user("eve@example.com")
    page = text(signed_in("eve@example.com").get("/"))
    assert "You are not on a board yet" not in page
    # the weekly board has 4 people, the last (dan) with 2 points: 3 put her on it
    assert 'href="/boards/weekly?period=' in page and "You are not on this board yet: 3 points put you on it." in page
    assert 'href="/boards/all-time?period=all"' in page
    board = text(signed_in("eve@example.com").get("/boards/weekly"))
    assert "You are not on this board yet: 3 points put you on it." in board
    # ana holds her ranks
    page = text(signed_in("ana@example.com").get("/"))
    assert '<span class="rank">#1</span>' in page


def test_an_empty_board_and_a_full_one_say_what_it_takes(world, redis):
    from base.accept import do_accept_events
    from django.utils import timezone
    from engine.scoring import do_score_pending
    from leaderboards.reads import points_to_enter
    from rulesets.active import active_ruleset
    ruleset, _ = active_ruleset()
    assert points_to_enter(redis, ruleset.leaderboard("weekly"), "2020-W01", None) == {"place": "first", "points": 1}
    now = timezone.now().isoformat()
    do_accept_events([{"id": f"web:many:{i}", "type": "post", "actor": {"id": f"p{i}@example.com", "name": f"P {i}"},
                       "occurred_at": now} for i in range(8)]
                     + [{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com"},
                         "occurred_at": now}])
    do_score_pending()
    make_user("eve@example.com")
    # 12 people this week; #10 has 10 points (one post), so 11 put eve in the top 10
    board = text(signed_in("eve@example.com").get("/boards/weekly"))
    assert "You are not on this board yet: 11 points put you in the top 10." in board
    assert "11 points put you in the top 10" in text(signed_in("eve@example.com").get("/"))
