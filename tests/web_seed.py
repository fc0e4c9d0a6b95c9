"""A small world for the page tests: a ruleset with tests, people, a week before and this week, sign-ins."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from base.accept import do_accept_events
from engine.scoring import do_score_pending
from rulesets.active import do_activate_ruleset
from tests.helpers import yaml

PASSWORD = "correct horse battery"

WEB_RULESET = yaml("""
    ruleset: web-pages
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 30}
      - {name: Expert, min_points: 100}
    rules:
      - id: original-post
        description: A new post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: comment
        description: A comment on someone's post
        when: {type: comment, not_self: true}
        award: {to: actor, points: 2}
    badges:
      - id: first-post
        name: First Post
        criteria: {rule: original-post}
      - id: commenter
        name: Commenter
        criteria: {rule: comment}
        tiers: [{name: Bronze, count: 2}, {name: Silver, count: 5}]
    leaderboards:
      - {id: all-time, name: All time}
      - {id: weekly, name: This week, period: week}
      - {id: teams, name: By team, period: all, scope: team}
    challenges:
      - id: web-week
        name: Web week
        starts: 2020-01-06
        ends: 2099-01-05
        goal: {rule: original-post, count: 4}
    prompts:
      - {id: monday-question, schedule: "0 9 * * MON", to: C0123ABCD, text: "What did you learn last week?"}
    tests:
      - name: a post earns ten points
        events:
          - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana@example.com}
        expect:
          points: {ana@example.com: 10}
""")
# The line of `points: 10` in original-post, for the workbench tests.
POST_POINTS_LINE = WEB_RULESET.splitlines().index("    award: {to: actor, points: 10}") + 1

PEOPLE = [("ana@example.com", "Ana Ruiz", "Data"), ("bob@example.com", "Bob Stone", "Data"),
          ("carol@example.com", "Carol Diaz", "Sales"), ("dan@example.com", "Dan Ek", "Sales")]


def seed_world() -> None:
    """Last week: bob leads, ana second. This week: ana leads (she moved up), then carol, bob, dan."""
    do_activate_ruleset(WEB_RULESET, activated_by="test", note="first version")
    now = timezone.now() - timedelta(seconds=30)
    last_week = now - timedelta(days=7)
    people = {key: {"id": key, "name": name, "team": team} for key, name, team in PEOPLE}
    events = []

    def add(kind, who, when, n, **extra):
        for i in range(n):
            events.append({"id": f"web:{who}:{kind}:{when:%Y%m%d}:{i}", "type": kind, "actor": people[who],
                           "occurred_at": (when - timedelta(seconds=i)).isoformat(), **extra})

    add("post", "bob@example.com", last_week, 3)
    add("post", "ana@example.com", last_week, 2)
    add("post", "ana@example.com", now, 3)
    add("comment", "ana@example.com", now, 2, target={"id": "p1", "author": "bob@example.com"})
    add("post", "carol@example.com", now, 2)
    add("post", "bob@example.com", now, 1)
    add("comment", "dan@example.com", now, 1, target={"id": "p1", "author": "bob@example.com"})
    do_accept_events(events)
    do_score_pending()


def make_user(username: str, *, admin: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if admin:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def signed_in(username: str, csrf: bool = False) -> Client:
    """A browser-like client, signed in; `csrf` makes it check CSRF tokens as a real browser's requests are."""
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(username=username, password=PASSWORD)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())
