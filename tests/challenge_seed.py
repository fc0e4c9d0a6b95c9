"""A world with challenges for the page, chat and browser tests: one running of each kind, one ended with
winners, one upcoming; dates around today, in the ruleset's timezone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from base.accept import do_accept_events
from challenges.ending import do_close_ended_challenges
from engine.scoring import do_score_pending
from rulesets.active import active_ruleset, do_activate_ruleset
from tests.helpers import yaml

PEOPLE = {"ana@example.com": ("Ana Ruiz", "Data"), "bob@example.com": ("Bob Stone", "Data"),
          "carol@example.com": ("Carol Diaz", "Sales")}


def ruleset_text(privacy: bool = True) -> str:
    today = timezone.now().date()
    return yaml(f"""
    ruleset: challenge-pages
    timezone: Europe/Berlin
    levels:
      - {{name: Newcomer, min_points: 0}}
    rules:
      - id: original-post
        description: ADMIN NOTE posts from the data guild
        explain: {{en: Share a new post, de: Teile einen neuen Beitrag}}
        when: {{type: post}}
        award: {{to: actor, points: 10}}
        limit: {{max: 5, per: day}}
      - id: comment
        when: {{type: comment}}
        award: {{to: actor, points: 2}}
    streaks:
      - id: daily-learner
        description: ADMIN NOTE streak
        explain: Post on consecutive days
        when: {{type: post}}
        per: day
        bonus: [{{length: 3, points: 15}}]
    badges:
      - id: dbt-finisher
        name: dbt finisher
        explain: Finish dbt week
      - id: first-post
        name: First Post
        criteria: {{rule: original-post}}
    leaderboards:
      - {{id: all-time, name: All time}}
    privacy: {{individual_ranking: {'true' if privacy else 'false'}}}
    challenges:
      - id: dbt-week
        name: dbt week
        description: Share three things you learned about dbt.
        starts: {today - timedelta(days=2)}
        ends: {today + timedelta(days=5)}
        goal: {{rule: original-post, count: 3}}
        when: {{hashtags_any: [dbt]}}
        winners: 2
        reward: {{points: 50, badge: dbt-finisher}}
        announce: {{to: learning-data, at: [start, halfway, last_day, end]}}
      - id: team-comments
        name: Team comments
        starts: {today - timedelta(days=2)}
        ends: {today + timedelta(days=5)}
        kind: team
        goal: {{event: {{type: comment}}, count: 4}}
        winners: 1
      - id: together
        name: Together to 100
        starts: {today - timedelta(days=2)}
        ends: {today + timedelta(days=5)}
        kind: collective
        goal: {{points: 100}}
      - id: past-sprint
        name: Past sprint
        starts: {today - timedelta(days=20)}
        ends: {today - timedelta(days=10)}
        goal: {{rule: original-post, count: 1}}
        winners: 1
        announce: {{to: learning-data, at: [end]}}
      - id: next-month
        name: Next month
        starts: {today + timedelta(days=20)}
        ends: {today + timedelta(days=30)}
        goal: {{points: 30}}
    """)


def seed(privacy: bool = True) -> None:
    do_activate_ruleset(ruleset_text(privacy), activated_by="test", note="challenges")
    now = timezone.now() - timedelta(minutes=5)
    long_ago = timezone.now() - timedelta(days=15)
    people = {k: {"id": k, "name": n, "team": t} for k, (n, t) in PEOPLE.items()}
    events = []

    def add(kind, who, when, n, text="", **extra):
        for i in range(n):
            events.append({"id": f"ch:{who}:{kind}:{when:%Y%m%d}:{i}", "type": kind, "actor": people[who], "text": text,
                           "occurred_at": (when - timedelta(minutes=i)).isoformat(), **extra})

    add("post", "ana@example.com", now, 3, "learning #dbt")
    add("post", "bob@example.com", now, 1, "more #dbt")
    add("comment", "carol@example.com", now, 2, target={"id": "p1", "author": "ana@example.com"})
    add("comment", "bob@example.com", now, 1, target={"id": "p1", "author": "ana@example.com"})
    add("post", "carol@example.com", long_ago, 1, "old news")
    add("post", "bob@example.com", long_ago - timedelta(hours=1), 1, "older news")
    do_accept_events(events)
    do_score_pending()
    do_close_ended_challenges(active_ruleset()[0], timezone.now())
