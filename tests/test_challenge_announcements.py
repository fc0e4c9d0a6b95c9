"""Challenge announcements (docs/notifications.md): start, halfway and last day from the relay at their
moment in the ruleset's timezone, once each; the end from the challenge's end, naming the winners (or,
in works-council mode, how many reached the goal); to Slack, Teams, a signed webhook or email."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest

from challenges.ending import do_close_ended_challenges
from notifications.challenge_news import moments, publish_due_moments
from notifications.models import Notification
from rulesets.active import active_ruleset
from tests.helpers import event, yaml
from tests.test_notifications import SECRET, _deliver_all, _put_channel, _score, allow_local, receiver  # noqa: F401

RULESET = yaml("""
    ruleset: announce
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
    badges:
      - {id: finisher, name: dbt week finisher}
    challenges:
      - id: dbt-week
        name: dbt week
        description: Share three things you learned about dbt.
        starts: 2026-12-07
        ends: 2026-12-14
        goal: {rule: original-post, count: 2}
        winners: 2
        reward: {points: 50, badge: finisher}
        announce: {to: learning-data, at: [start, halfway, last_day, end]}
      - id: spring
        name: Spring week
        starts: 2026-03-26
        ends: 2026-04-02
        kind: collective
        goal: {points: 30}
        announce: {to: learning-data, at: [halfway]}
""")

UTC = dt_timezone.utc
START = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # midnight of 7 December in Berlin
HALFWAY = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)  # Thursday noon in Berlin
LAST_DAY = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)  # midnight of 13 December in Berlin
END = datetime(2026, 12, 13, 23, 0, tzinfo=UTC)


def _setup(admin, receiver, kind: str, ruleset: str = RULESET):
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200
    body = {"kind": kind, "url": f"{receiver.url}/{kind}"} if kind != "email" else {"kind": "email", "recipients": ["team@example.com"]}
    if kind == "webhook":
        body["secret"] = SECRET
    assert _put_channel(admin, "learning-data", **body).status_code == 201
    return active_ruleset()[0]


def _play_the_week(admin, ruleset):
    """The relay's rounds: before the start, at each moment twice, then the end."""
    sent = []
    for now in (START - timedelta(seconds=1), START, START + timedelta(minutes=5), HALFWAY - timedelta(seconds=1),
                HALFWAY, HALFWAY + timedelta(seconds=2)):
        sent.append(len(publish_due_moments(ruleset, now=now)))
    _score(admin, event("post", {"id": "ana@example.com", "name": "Ana Ruiz"}, at="2026-12-08T10:00:00+01:00"),
           event("post", "ana@example.com", at="2026-12-09T10:00:00+01:00"),
           event("post", {"id": "bob@example.com", "name": "Bob Stone"}, at="2026-12-11T10:00:00+01:00"))
    for now in (LAST_DAY, LAST_DAY + timedelta(hours=3)):
        sent.append(len(publish_due_moments(ruleset, now=now)))
    for now in (END + timedelta(seconds=1), END + timedelta(seconds=3)):
        sent.append(len([e for e in do_close_ended_challenges(ruleset, now) if e.challenge_id == "dbt-week"]))
    return sent


def test_moments_are_wall_clock_times_in_the_rulesets_timezone_across_a_dst_change(admin):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    ruleset = active_ruleset()[0]
    week = moments(ruleset.challenge("dbt-week"), ruleset.tz)
    assert {k: v.astimezone(UTC) for k, v in week.items()} == {"start": START, "halfway": HALFWAY, "last_day": LAST_DAY}
    spring = moments(ruleset.challenge("spring"), ruleset.tz)
    # 26 March to 1 April 2026: summer time begins on 29 March, so the middle (noon in Berlin) is 10:00 UTC
    assert spring["halfway"].astimezone(UTC) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


def test_slack_gets_each_moment_once_as_block_kit_and_the_end_names_the_winners(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "slack")
    assert _play_the_week(admin, ruleset) == [0, 1, 0, 0, 1, 0, 1, 0, 1, 0]
    _deliver_all()
    texts = [m.json()["text"] for m in receiver.received]
    assert len(texts) == 4 and all(m.json()["blocks"][0]["type"] == "section" for m in receiver.received)
    assert texts[0].startswith("*dbt week*: the challenge starts today")
    assert "Goal: 2 times: points from 'Original post'. The first 2 to reach the goal win. Reward: 50 points and the badge dbt week finisher." in texts[0]
    assert "halfway through" in texts[1] and "the last day" in texts[2]
    assert "*Winners*\n1. Ana Ruiz" in texts[3] and "Bob Stone" not in texts[3]
    assert [n.trigger for n in Notification.objects.order_by("id")] == [
        "challenge_started", "challenge_halfway", "challenge_last_day", "challenge_ended"]


def test_a_relay_that_was_away_sends_only_the_latest_moment(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "slack")
    assert len(publish_due_moments(ruleset, now=HALFWAY + timedelta(hours=1))) == 1
    assert publish_due_moments(ruleset, now=HALFWAY + timedelta(hours=2)) == []
    assert [n.trigger for n in Notification.objects.all()] == ["challenge_halfway"]
    assert publish_due_moments(ruleset, now=END + timedelta(hours=1)) == []  # over: nothing but the end


def test_teams_gets_adaptive_cards(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "teams")
    _play_the_week(admin, ruleset)
    _deliver_all()
    cards = [m.json()["attachments"][0]["content"] for m in receiver.received]
    assert len(cards) == 4 and all(c["type"] == "AdaptiveCard" for c in cards)
    assert cards[0]["body"][0]["text"] == "The challenge dbt week starts"
    assert cards[3]["body"][0]["text"] == "The challenge dbt week has ended"
    assert "**Winners**" in str(cards[3]) and "Ana Ruiz" in str(cards[3])


def test_a_webhook_gets_signed_challenge_events_with_data(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "webhook")
    _play_the_week(admin, ruleset)
    _deliver_all()  # the receiver verifies each signature
    bodies = [m.json() for m in receiver.received]
    assert [b["type"] for b in bodies] == ["challenge.started", "challenge.halfway", "challenge.last_day", "challenge.ended"]
    end = bodies[3]["data"]
    assert end["challenge"]["id"] == "dbt-week" and end["challenge"]["goal"] == 2
    assert [w["name"] for w in end["winners"]] == ["Ana Ruiz"] and end["reached"] == 1


def test_email_gets_text_and_html(admin, receiver, allow_local, smtp_inbox):
    ruleset = _setup(admin, receiver, "email")
    _play_the_week(admin, ruleset)
    _deliver_all()
    assert len(smtp_inbox.messages) == 4
    last = smtp_inbox.messages[3].content.decode()
    assert "Subject: The challenge dbt week has ended" in last and "text/html" in last and "Ana Ruiz" in last


def test_works_council_mode_names_no_winners_but_how_many_reached_the_goal(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "slack", RULESET.replace("challenges:\n", "privacy: {individual_ranking: false}\nchallenges:\n"))
    _play_the_week(admin, ruleset)
    _deliver_all()
    end = receiver.received[-1].json()["text"]
    assert "1 person reached the goal" in end and "Ana Ruiz" not in end


def test_a_german_ruleset_announces_in_german(admin, receiver, allow_local):
    ruleset = _setup(admin, receiver, "slack", RULESET.replace("timezone: Europe/Berlin", "timezone: Europe/Berlin\nlanguage: de"))
    _play_the_week(admin, ruleset)
    _deliver_all()
    texts = [m.json()["text"] for m in receiver.received]
    assert "die Challenge beginnt heute" in texts[0] and "Ziel:" in texts[0]
    assert "*Gewinner*" in texts[3]


def test_no_channel_no_announcement(admin):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    assert publish_due_moments(active_ruleset()[0], now=START) == []
    assert not Notification.objects.exists()
