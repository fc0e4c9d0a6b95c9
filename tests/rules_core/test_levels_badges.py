"""Levels follow all-time points; badges by rule, event and points criteria (contract 3, step 6)."""

from __future__ import annotations

from textwrap import dedent

from rules.core import FactsCache, LevelOutcome, evaluate, load_ruleset

from .helpers import make_event


def badges_of(outcome) -> list[tuple]:
    return [(b.person, b.badge_id, b.tier, b.tier_name) for b in outcome.badges]


# -- levels -------------------------------------------------------------------------


LEVELS = dedent("""\
    ruleset: t
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 100}
      - {name: Expert, min_points: 500}
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 60}
      - id: big
        when: {type: certification_earned}
        award: {to: actor, points: 1000}
""")


def test_level_up_when_points_cross_a_level_minimum():
    # given
    ruleset = load_ruleset(LEVELS)
    facts = FactsCache()
    # when
    first = evaluate(ruleset, make_event("post", "ana"), facts)  # 60
    second = evaluate(ruleset, make_event("post", "ana"), facts)  # 120
    third = evaluate(ruleset, make_event("post", "ana"), facts)  # 180
    # then
    assert first.levels == []  # everyone starts in the min_points: 0 level
    assert second.levels == [LevelOutcome("ana", "Contributor", 100, "Newcomer")]
    assert third.levels == []


def test_level_jump_reports_the_level_reached():
    # given
    ruleset = load_ruleset(LEVELS)
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana"), facts)
    # when
    outcome = evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    # then
    assert outcome.levels == [LevelOutcome("ana", "Expert", 500, "Newcomer")]


def test_no_level_change_when_staying_in_the_same_level():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        levels:
          - {name: Newcomer, min_points: 0}
          - {name: Contributor, min_points: 100}
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
          - id: boom
            when: {type: certification_earned}
            award: {to: actor, points: 200}
    """))
    facts = FactsCache()
    evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    # when
    outcome = evaluate(ruleset, make_event("post", "ana"), facts)
    # then
    assert facts.points("ana") == 210
    assert outcome.levels == []


# -- badges: rule criteria ------------------------------------------------------------


def test_rule_badge_granted_by_the_event_that_reaches_the_count():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: comment
            when: {type: comment}
            award: {to: actor, points: 1}
        badges:
          - id: chatty
            name: Chatty
            criteria: {rule: comment, count: 3}
    """))
    facts = FactsCache()
    # when
    outcomes = [evaluate(ruleset, make_event("comment", "ana"), facts) for _ in range(4)]
    # then
    assert [badges_of(o) for o in outcomes] == [[], [], [("ana", "chatty", None, None)], []]


def test_rule_badge_count_defaults_to_one_and_counts_per_person():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: original-post
            when: {type: post}
            award: {to: actor, points: 10}
        badges:
          - id: first-post
            name: First Post
            criteria: {rule: original-post}
    """))
    facts = FactsCache()
    # when
    ana = evaluate(ruleset, make_event("post", "ana"), facts)
    ana_again = evaluate(ruleset, make_event("post", "ana"), facts)
    bob = evaluate(ruleset, make_event("post", "bob"), facts)
    # then
    assert badges_of(ana) == [("ana", "first-post", None, None)]
    assert badges_of(ana_again) == []
    assert badges_of(bob) == [("bob", "first-post", None, None)]


def test_rule_badge_tiers_are_awarded_in_order_each_once():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: comment
            when: {type: comment}
            award: {to: actor, points: 1}
        badges:
          - id: conversation-starter
            name: Conversation Starter
            criteria: {rule: comment}
            tiers: [{name: Bronze, count: 2}, {name: Silver, count: 4}, {name: Gold, count: 5}]
    """))
    facts = FactsCache()
    # when
    outcomes = [evaluate(ruleset, make_event("comment", "ana"), facts) for _ in range(7)]
    # then
    granted = {n + 1: badges_of(o) for n, o in enumerate(outcomes) if o.badges}
    assert granted == {
        2: [("ana", "conversation-starter", 0, "Bronze")],
        4: [("ana", "conversation-starter", 1, "Silver")],
        5: [("ana", "conversation-starter", 2, "Gold")],
    }


def test_rule_badge_ignores_capped_awards():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 5}
            limit: {max: 1, per: day}
        badges:
          - id: two-posts
            name: Two Posts
            criteria: {rule: post, count: 2}
    """))
    facts = FactsCache()
    # when: two posts on one day (the second is capped), then one the next day
    day1 = [evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-18T09:00:00+00:00"), facts)
            for _ in range(2)]
    day2 = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-19T09:00:00+00:00"), facts)
    # then
    assert [badges_of(o) for o in day1] == [[], []]
    assert badges_of(day2) == [("ana", "two-posts", None, None)]


def test_rule_badge_goes_to_the_award_recipient():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: liked
            when: {type: reaction, not_self: true}
            award: {to: target_author, points: 1}
        badges:
          - id: liked-once
            name: Liked
            criteria: {rule: liked}
    """))
    # when
    outcome = evaluate(ruleset, make_event("reaction", "ana", target_id="p1", target_author="bob"), FactsCache())
    # then
    assert badges_of(outcome) == [("bob", "liked-once", None, None)]


# -- badges: event criteria -----------------------------------------------------------


def test_event_badge_counts_events_the_person_acted_in_that_meet_the_condition():
    # given: no rule scores these events; the badge counts them anyway
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        badges:
          - id: certified
            name: Certified
            criteria: {event: {type: certification_earned}, count: 2}
    """))
    facts = FactsCache()
    # when
    first = evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    other_type = evaluate(ruleset, make_event("post", "ana"), facts)
    someone_else = evaluate(ruleset, make_event("certification_earned", "bob"), facts)
    second = evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    third = evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    # then
    assert [badges_of(o) for o in (first, other_type, someone_else)] == [[], [], []]
    assert badges_of(second) == [("ana", "certified", None, None)]
    assert badges_of(third) == []


def test_event_badge_condition_can_use_any_condition():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        badges:
          - id: top-learner
            name: Top Learner
            criteria: {event: {type: course_completed, expr: 'event.attributes.score >= 90'}}
    """))
    facts = FactsCache()
    # when
    low = evaluate(ruleset, make_event("course_completed", "ana", attributes={"score": 70}), facts)
    high = evaluate(ruleset, make_event("course_completed", "ana", attributes={"score": 95}), facts)
    # then
    assert badges_of(low) == []
    assert badges_of(high) == [("ana", "top-learner", None, None)]


# -- badges: points criteria ----------------------------------------------------------


def test_points_badge_granted_when_all_time_points_reach_the_threshold():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 40}
        badges:
          - id: centurion
            name: Centurion
            criteria: {points: 100}
    """))
    facts = FactsCache()
    # when
    outcomes = [evaluate(ruleset, make_event("post", "ana"), facts) for _ in range(4)]
    # then: 40, 80, 120 (granted), 160
    assert [badges_of(o) for o in outcomes] == [[], [], [("ana", "centurion", None, None)], []]


def test_points_badge_jump_past_two_tiers_grants_both_in_order():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
          - id: certification
            when: {type: certification_earned}
            award: {to: actor, points: 300}
        badges:
          - id: points
            name: Points
            criteria: {points: 0}
            tiers: [{name: Bronze, points: 50}, {name: Silver, points: 200}, {name: Gold, points: 1000}]
    """))
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana"), facts)
    # when: 10 -> 310 passes both Bronze and Silver
    outcome = evaluate(ruleset, make_event("certification_earned", "ana"), facts)
    # then
    assert badges_of(outcome) == [("ana", "points", 0, "Bronze"), ("ana", "points", 1, "Silver")]


def test_a_badge_is_never_granted_twice_even_after_an_undo():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 100}
        badges:
          - id: first-post
            name: First Post
            criteria: {rule: post}
          - id: centurion
            name: Centurion
            criteria: {points: 100}
    """))
    facts = FactsCache()
    first = evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # when: she earns it all again
    again = evaluate(ruleset, make_event("post", "ana", id="post-2"), facts)
    # then
    assert sorted(badges_of(first)) == [("ana", "centurion", None, None), ("ana", "first-post", None, None)]
    assert facts.points("ana") == 100
    assert badges_of(again) == []
