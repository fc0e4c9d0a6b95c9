"""Contract section 3, steps 1-5: rules fire together, recipients, limits, boosts, negative points."""

from __future__ import annotations

from textwrap import dedent

import pytest

from rules.core import FactsCache, evaluate, load_ruleset, recipients

from .helpers import make_event, points_by_person


def test_rules_never_stop_each_other():
    # given: two rules that both match a post
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: original-post
            when: {type: post}
            award: {to: actor, points: 10}
          - id: tagged-post
            when: {type: post, hashtags_any: [python]}
            award: {to: actor, points: 2}
    """))
    facts = FactsCache()
    # when
    outcome = evaluate(ruleset, make_event("post", "ana", hashtags={"python"}), facts)
    # then
    assert [(a.rule_id, a.recipient, a.points) for a in outcome.awards] == [
        ("original-post", "ana", 10), ("tagged-post", "ana", 2)]
    assert facts.points("ana") == 12


def test_award_to_actor_goes_to_the_actor():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: commented
            when: {type: comment}
            award: {to: actor, points: 4}
    """))
    # when
    outcome = evaluate(ruleset, make_event("comment", "ana", target_id="p1", target_author="bob",
                                           mentions=("carol",)), FactsCache())
    # then
    assert points_by_person(outcome) == {"ana": 4}


@pytest.mark.parametrize(
    ("target_author", "expected"),
    [("bob", {"bob": 1}), (None, {}), ("ana", {})],
    ids=["other-author", "no-target-author", "author-is-actor"],
)
def test_award_to_target_author(target_author, expected):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: liked
            when: {type: reaction}
            award: {to: target_author, points: 1}
    """))
    # when
    outcome = evaluate(ruleset, make_event("reaction", "ana", target_id="p1", target_author=target_author),
                       FactsCache())
    # then
    assert points_by_person(outcome) == expected


def test_award_to_mentioned_gives_each_person_once_and_never_the_actor():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: shoutout
            when: {type: shoutout}
            award: {to: mentioned, points: 25}
    """))
    event = make_event("shoutout", "ana", mentions=("bob", "carol", "bob", "ana"))
    facts = FactsCache()
    # when
    outcome = evaluate(ruleset, event, facts)
    # then
    assert [(a.recipient, a.points) for a in outcome.awards] == [("bob", 25), ("carol", 25)]
    assert (facts.points("bob"), facts.points("carol"), facts.points("ana")) == (25, 25, 0)
    assert recipients("mentioned", event) == ["bob", "carol"]


def test_one_rule_can_award_several_recipient_kinds():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: certification-shoutout
            when: {type: shoutout, hashtags_any: [certification, certified]}
            award:
              - {to: mentioned, points: 25}
              - {to: actor, points: 2}
    """))
    # when
    outcome = evaluate(ruleset, make_event("shoutout", "ana", mentions=("bob",), hashtags={"certified"}),
                       FactsCache())
    # then
    assert points_by_person(outcome) == {"bob": 25, "ana": 2}


def test_person_both_mentioned_and_target_author_gets_one_summed_award():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: reply
            when: {type: comment}
            award:
              - {to: target_author, points: 3}
              - {to: mentioned, points: 5}
    """))
    facts = FactsCache()
    # when: ana replies to bob's post and mentions bob and carol
    outcome = evaluate(ruleset, make_event("comment", "ana", target_id="p1", target_author="bob",
                                           mentions=("bob", "carol")), facts)
    # then
    bob_awards = [a for a in outcome.awards if a.recipient == "bob"]
    assert [(a.rule_id, a.points) for a in bob_awards] == [("reply", 8)]
    assert points_by_person(outcome) == {"bob": 8, "carol": 5}
    assert facts.points("bob") == 8


def test_negative_points_take_points_away():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
          - id: removed-post
            when: {type: post_removed}
            award: {to: actor, points: -15}
    """))
    facts = FactsCache()
    # when
    evaluate(ruleset, make_event("post", "ana"), facts)
    outcome = evaluate(ruleset, make_event("post_removed", "ana"), facts)
    # then
    assert [(a.rule_id, a.points) for a in outcome.awards] == [("removed-post", -15)]
    assert facts.points("ana") == -5


# -- limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per", "times"),
    [
        ("day", ["2026-11-18T08:00:00+00:00", "2026-11-18T12:00:00+00:00", "2026-11-18T20:00:00+00:00"]),
        ("week", ["2026-11-16T08:00:00+00:00", "2026-11-18T12:00:00+00:00", "2026-11-22T20:00:00+00:00"]),
        ("month", ["2026-11-01T08:00:00+00:00", "2026-11-15T12:00:00+00:00", "2026-11-30T20:00:00+00:00"]),
        ("ever", ["2024-01-01T08:00:00+00:00", "2025-06-15T12:00:00+00:00", "2026-11-30T20:00:00+00:00"]),
    ],
)
def test_limit_past_max_gives_zero_points_and_is_capped(per, times):
    # given: at most 2 per period, three events within one period
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        rules:
          - id: original-post
            when: {{type: post}}
            award: {{to: actor, points: 10}}
            limit: {{max: 2, per: {per}}}
    """))
    facts = FactsCache()
    # when
    awards = [evaluate(ruleset, make_event("post", "ana", occurred_at=t), facts).awards for t in times]
    # then
    assert [(a[0].points, a[0].capped) for a in awards] == [(10, False), (10, False), (0, True)]
    assert facts.points("ana") == 20


@pytest.mark.parametrize(
    ("per", "first", "second"),
    [
        ("day", "2026-11-18T23:00:00+00:00", "2026-11-19T00:00:00+00:00"),
        ("week", "2026-11-22T23:59:00+00:00", "2026-11-23T00:00:00+00:00"),  # Sunday, then Monday
        ("month", "2026-11-30T23:59:00+00:00", "2026-12-01T00:00:00+00:00"),
    ],
)
def test_limit_starts_again_in_the_next_period(per, first, second):
    # given
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        rules:
          - id: original-post
            when: {{type: post}}
            award: {{to: actor, points: 10}}
            limit: {{max: 1, per: {per}}}
    """))
    facts = FactsCache()
    # when
    a = evaluate(ruleset, make_event("post", "ana", occurred_at=first), facts).awards[0]
    b = evaluate(ruleset, make_event("post", "ana", occurred_at=second), facts).awards[0]
    # then
    assert (a.points, a.capped, b.points, b.capped) == (10, False, 10, False)


def test_limit_is_counted_per_recipient():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: liked
            when: {type: reaction}
            award: {to: target_author, points: 1}
            limit: {max: 1, per: day}
    """))
    facts = FactsCache()
    # when: two likes for bob, one for carol, the same day
    to_bob = evaluate(ruleset, make_event("reaction", "ana", target_id="p1", target_author="bob"), facts)
    to_bob_again = evaluate(ruleset, make_event("reaction", "dan", target_id="p1", target_author="bob"), facts)
    to_carol = evaluate(ruleset, make_event("reaction", "ana", target_id="p2", target_author="carol"), facts)
    # then
    assert [(a.recipient, a.points, a.capped) for a in to_bob.awards] == [("bob", 1, False)]
    assert [(a.recipient, a.points, a.capped) for a in to_bob_again.awards] == [("bob", 0, True)]
    assert [(a.recipient, a.points, a.capped) for a in to_carol.awards] == [("carol", 1, False)]


def test_limit_is_counted_per_rule():
    # given: two rules with the same limit on the same events
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
            limit: {max: 1, per: day}
          - id: tagged-post
            when: {type: post, hashtags_any: [python]}
            award: {to: actor, points: 3}
            limit: {max: 2, per: day}
    """))
    facts = FactsCache()
    # when
    outcomes = [evaluate(ruleset, make_event("post", "ana", hashtags={"python"}), facts) for _ in range(3)]
    # then
    assert [[(a.rule_id, a.points, a.capped) for a in o.awards] for o in outcomes] == [
        [("post", 10, False), ("tagged-post", 3, False)],
        [("post", 0, True), ("tagged-post", 3, False)],
        [("post", 0, True), ("tagged-post", 0, True)],
    ]
    assert facts.points("ana") == 16


@pytest.mark.parametrize(("timezone", "second_capped"), [("Europe/Berlin", False), ("UTC", True)])
def test_limit_days_are_counted_in_the_ruleset_timezone(timezone, second_capped):
    # given: two posts on the same UTC day; in Berlin, 23:30 on Nov 18 and 00:30 on Nov 19
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        timezone: {timezone}
        rules:
          - id: original-post
            when: {{type: post}}
            award: {{to: actor, points: 10}}
            limit: {{max: 1, per: day}}
    """))
    facts = FactsCache()
    # when
    evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-18T22:30:00+00:00"), facts)
    second = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-18T23:30:00+00:00"), facts)
    # then
    assert second.awards[0].capped is second_capped
    assert facts.points("ana") == (10 if second_capped else 20)


@pytest.mark.parametrize(("timezone", "second_capped"), [("Europe/Berlin", False), ("UTC", True)])
def test_limit_weeks_are_iso_weeks_starting_monday_in_the_ruleset_timezone(timezone, second_capped):
    # given: Sunday 2026-11-22 20:00 UTC, then 23:30 UTC, which is Monday 00:30 in Berlin
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        timezone: {timezone}
        rules:
          - id: weekly-post
            when: {{type: post}}
            award: {{to: actor, points: 5}}
            limit: {{max: 1, per: week}}
    """))
    facts = FactsCache()
    # when
    first = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-22T20:00:00+00:00"), facts)
    second = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-22T23:30:00+00:00"), facts)
    # then
    assert first.awards[0].capped is False
    assert second.awards[0].capped is second_capped


def test_limit_weeks_run_monday_to_sunday():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: weekly-post
            when: {type: post}
            award: {to: actor, points: 5}
            limit: {max: 1, per: week}
    """))
    facts = FactsCache()
    # when: Monday, then Sunday of the same ISO week, then the next Monday
    monday = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-16T00:00:00+00:00"), facts)
    sunday = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-22T23:59:59+00:00"), facts)
    next_monday = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-23T00:00:00+00:00"), facts)
    # then
    assert [o.awards[0].capped for o in (monday, sunday, next_monday)] == [False, True, False]


# -- boosts -------------------------------------------------------------------------


@pytest.mark.parametrize(("points", "factor", "expected"), [(5, 1.5, 8), (3, 1.5, 5), (10, 2, 20), (7, 1.2, 8), (4, 0.5, 2)])
def test_boost_multiplies_points_rounded_half_up(points, factor, expected):
    # given
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        rules:
          - id: post
            when: {{type: post}}
            award: {{to: actor, points: {points}}}
        boosts:
          - id: learning-week
            when: {{hashtags_any: [sociallearning]}}
            factor: {factor}
    """))
    facts = FactsCache()
    # when
    boosted = evaluate(ruleset, make_event("post", "ana", hashtags={"sociallearning"}), facts)
    plain = evaluate(ruleset, make_event("post", "bob"), facts)
    # then
    assert [(a.points, a.base_points, a.factor) for a in boosted.awards] == [(expected, points, factor)]
    assert [(a.points, a.factor) for a in plain.awards] == [(points, 1.0)]
    assert facts.points("ana") == expected


def test_boost_factors_of_all_matching_boosts_multiply():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
        boosts:
          - id: learning-week
            when: {hashtags_any: [sociallearning]}
            factor: 2
          - id: python-channel
            when: {channel: learning-python}
            factor: 1.5
          - id: never
            when: {type: comment}
            factor: 10
    """))
    # when
    both = evaluate(ruleset, make_event("post", hashtags={"sociallearning"}, channel="learning-python"), FactsCache())
    one = evaluate(ruleset, make_event("post", channel="learning-python"), FactsCache())
    # then
    assert [a.points for a in both.awards] == [30]
    assert [a.points for a in one.awards] == [15]


def test_boost_does_not_apply_to_capped_awards():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
            limit: {max: 1, per: day}
        boosts:
          - id: double
            when: {type: post}
            factor: 2
    """))
    facts = FactsCache()
    # when
    first = evaluate(ruleset, make_event("post", "ana"), facts)
    second = evaluate(ruleset, make_event("post", "ana"), facts)
    # then
    assert [(a.points, a.capped) for a in first.awards] == [(20, False)]
    assert [(a.points, a.capped) for a in second.awards] == [(0, True)]
    assert facts.points("ana") == 20


def test_boost_applies_to_every_award_of_the_event():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: shoutout
            when: {type: shoutout}
            award:
              - {to: mentioned, points: 5}
              - {to: actor, points: 3}
        boosts:
          - id: week
            when: {type: shoutout}
            factor: 1.5
    """))
    # when
    outcome = evaluate(ruleset, make_event("shoutout", "ana", mentions=("bob",)), FactsCache())
    # then
    assert points_by_person(outcome) == {"bob": 8, "ana": 5}
