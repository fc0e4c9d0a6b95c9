"""The pages' database queries do not grow with what they show: a profile with many badges and tiers,
and a badge page with many holders, ask as many queries as one with few."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.accept import do_accept_events
from badges.models import BadgeGrant
from engine.scoring import do_score_pending
from rulesets.active import do_activate_ruleset
from tests.helpers import yaml
from tests.web_seed import make_user, signed_in

ANA, BOB = "ana@example.com", "bob@example.com"


def ruleset(badges: int) -> str:
    """Two rules; `badges` badges on each, every one with three tiers that a few posts and comments reach."""
    lines = [f"  - id: {rule}-{i}\n    name: {rule.title()} {i}\n    criteria: {{rule: {rule}}}\n"
             f"    tiers: [{{name: Bronze, count: 1}}, {{name: Silver, count: 2}}, {{name: Gold, count: 3}}]\n"
             for rule in ("post", "comment") for i in range(badges)]
    return yaml("""
        ruleset: many-badges
        timezone: Europe/Berlin
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
          - id: comment
            when: {type: comment}
            award: {to: actor, points: 2}
        leaderboards:
          - {id: all-time, name: All time}
        badges:
    """) + "".join(lines)


def seed(badges: int, tag: str, people: int = 1) -> None:
    """Ana and `people` others (tag0@example.com, ...) post and comment four times each under a ruleset of
    `badges` badges a rule; every seed's events are new, so each seed earns its own grants."""
    do_activate_ruleset(ruleset(badges), activated_by="test")
    now = timezone.now() - timedelta(minutes=5)
    keys = [ANA] + [f"{tag}{i}@example.com" for i in range(people)]
    do_accept_events([{"id": f"{tag}-{kind}-{who}-{i}", "type": kind,
                       "occurred_at": (now + timedelta(seconds=i)).isoformat(),
                       "actor": {"id": who, "name": who.split("@")[0].title()}}
                      for who in keys for kind in ("post", "comment") for i in range(4)])
    do_score_pending()


def queries(url: str) -> int:
    if not User.objects.filter(username=ANA).exists():
        make_user(ANA)
    client = signed_in(ANA)
    client.get(url)  # warm: the compiled ruleset, the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_a_profiles_queries_do_not_grow_with_its_badges_and_tiers(redis):
    seed(badges=1, tag="few")
    assert BadgeGrant.objects.filter(person__key="few0@example.com").count() == 6
    few, own_few = queries("/people/few0@example.com"), queries(f"/people/{ANA}")
    seed(badges=6, tag="many")
    assert BadgeGrant.objects.filter(person__key="many0@example.com").count() == 36
    assert BadgeGrant.objects.filter(person__key=ANA).count() == 36
    assert queries("/people/many0@example.com") == few
    assert queries(f"/people/{ANA}") == own_few


@pytest.mark.django_db
def test_a_badge_pages_queries_do_not_grow_with_its_holders_or_the_viewers_tiers(redis):
    seed(badges=1, tag="few")
    few = queries("/badges/post-0")
    seed(badges=6, tag="many", people=30)
    assert BadgeGrant.objects.filter(badge_id="post-0").count() == 3 * 32
    assert BadgeGrant.objects.filter(badge_id="post-5", person__key=ANA).count() == 3
    assert queries("/badges/post-0") == few
    assert queries("/badges/post-5") == few


@pytest.mark.django_db
def test_the_points_per_week_are_the_ledgers_placed_in_the_readers_weeks(redis):
    from base.models import Award, Person
    from tests.web_seed import seed_world
    from web.progress import week_starts, weekly_points

    seed_world()  # posts last week and this week, comments this week
    for key in ("ana@example.com", "bob@example.com"):
        person = Person.objects.get(key=key)
        starts = week_starts(timezone.now())
        expected = [{} for _ in starts]
        for award in Award.objects.filter(recipient=person, capped=False, occurred_at__gte=starts[0]):
            week = expected[max(i for i, s in enumerate(starts) if award.occurred_at >= s)]
            week[award.rule_id] = week.get(award.rule_id, 0) + award.points
        data = weekly_points(person)
        assert [w["by"] for w in data["weeks"]] == expected
        assert [w["total"] for w in data["weeks"]] == [sum(w.values()) for w in expected]
        assert sum(w["total"] for w in data["weeks"]) == person.points > 0
