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
