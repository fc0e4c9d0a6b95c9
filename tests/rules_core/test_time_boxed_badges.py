"""Time-boxed badges: only events inside the window grant them; counting goes on outside it."""

from __future__ import annotations

from datetime import datetime, timezone
from textwrap import dedent

import pytest

from rules.core import Event, FactsCache, RulesetError, evaluate, load_ruleset

RULESET = dedent("""\
    ruleset: t
    timezone: Europe/Berlin
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 1}
    badges:
      - id: learning-week
        name: Learning Week Poster
        criteria: {rule: post, count: 2}
        available: {from: 2026-12-01, until: 2026-12-08}
""")


def post(n: int, at: str) -> Event:
    return Event(seq=n, id=f"e{n}", type="post", occurred_at=datetime.fromisoformat(at), actor="ana")


def badges_after(events: list[Event]) -> list[list[str]]:
    ruleset, facts = load_ruleset(RULESET), FactsCache()
    return [[b.badge_id for b in evaluate(ruleset, e, facts).badges] for e in events]


def test_the_badge_is_granted_by_an_event_inside_its_window():
    # given two posts in the window (the first at 00:30 Berlin time on its first day)
    events = [post(1, "2026-11-30T23:30:00+00:00"), post(2, "2026-12-03T10:00:00+00:00")]
    # then the second reaches the count and grants it
    assert badges_after(events) == [[], ["learning-week"]]


def test_counts_reached_before_the_window_grant_it_at_the_first_event_inside():
    # given the count reached in November, then a post inside the window
    events = [post(1, "2026-11-20T10:00:00+00:00"), post(2, "2026-11-21T10:00:00+00:00"), post(3, "2026-12-02T10:00:00+00:00")]
    # then nothing before the window, the badge with the first event inside it
    assert badges_after(events) == [[], [], ["learning-week"]]


def test_no_event_after_the_window_grants_it():
    # given posts only after the window closed (8 December, Berlin midnight)
    events = [post(1, "2026-12-07T23:30:00+00:00"), post(2, "2026-12-09T10:00:00+00:00")]
    assert badges_after(events) == [[], []]


def test_an_empty_window_is_refused_with_its_position():
    text = RULESET.replace("until: 2026-12-08", "until: 2026-12-01")
    with pytest.raises(RulesetError) as error:
        load_ruleset(text, "rules.yaml")
    assert "rules.yaml:11:" in str(error.value) and "badges[0].available.until" in str(error.value)
