"""Each `when:` condition of contract section 3, seen through the points a rule awards."""

from __future__ import annotations

from textwrap import dedent

import pytest

from rules.core import FactsCache, evaluate, load_ruleset

from .helpers import make_event


def fired(ruleset, event) -> list[str]:
    return [award.rule_id for award in evaluate(ruleset, event, FactsCache()).awards]


@pytest.mark.parametrize(
    ("type_condition", "event_type", "fires"),
    [
        ("post", "post", True),
        ("post", "comment", False),
        ("[post, comment]", "post", True),
        ("[post, comment]", "comment", True),
        ("[post, comment]", "reaction", False),
    ],
)
def test_type_condition_accepts_a_value_or_a_list(type_condition, event_type, fires):
    # given
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        rules:
          - id: typed
            when: {{type: {type_condition}}}
            award: {{to: actor, points: 3}}
    """))
    # when
    outcome = evaluate(ruleset, make_event(event_type), FactsCache())
    # then
    assert [(a.rule_id, a.points) for a in outcome.awards] == ([("typed", 3)] if fires else [])


@pytest.mark.parametrize(
    ("channel", "fires"),
    [("learning-python", True), ("learning-go", True), ("random", False), (None, False)],
)
def test_channel_condition_matches_any_listed_channel(channel, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: in-learning
            when: {channel: [learning-python, learning-go]}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("post", channel=channel))
    # then
    assert rules == (["in-learning"] if fires else [])


@pytest.mark.parametrize(("program", "fires"), [("data-academy", True), ("sales-onboarding", False), (None, False)])
def test_program_condition_matches_the_event_program(program, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: academy
            when: {program: data-academy}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("post", program=program))
    # then
    assert rules == (["academy"] if fires else [])


@pytest.mark.parametrize("written", ["SocialLearning", "'#SocialLearning'", "sociallearning", "'#SOCIALLEARNING'"])
def test_hashtags_any_compares_case_insensitively_with_or_without_hash(written):
    # given: the ruleset spells the tag in some way; events carry tags lower-case without '#'
    ruleset = load_ruleset(dedent(f"""\
        ruleset: t
        rules:
          - id: tagged
            when: {{hashtags_any: [{written}, certified]}}
            award: {{to: actor, points: 1}}
    """))
    # when
    with_tag = fired(ruleset, make_event("post", hashtags={"python", "sociallearning"}))
    other_listed_tag = fired(ruleset, make_event("post", hashtags={"certified"}))
    without_tag = fired(ruleset, make_event("post", hashtags={"python"}))
    # then
    assert with_tag == ["tagged"]
    assert other_listed_tag == ["tagged"]
    assert without_tag == []


@pytest.mark.parametrize(
    ("hashtags", "fires"),
    [
        ({"python", "testing"}, True),
        ({"python", "testing", "extra"}, True),
        ({"python"}, False),
        (set(), False),
    ],
)
def test_hashtags_all_needs_every_tag_case_insensitively(hashtags, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: all-tags
            when: {hashtags_all: [Python, '#Testing']}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("post", hashtags=hashtags))
    # then
    assert rules == (["all-tags"] if fires else [])


@pytest.mark.parametrize(
    ("mentions", "fires"),
    [(("bob", "carol"), True), (("dave",), True), (("bob",), False), ((), False)],
)
def test_mentions_any_matches_when_any_listed_person_is_mentioned(mentions, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: mentions-experts
            when: {mentions_any: [carol, dave]}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("comment", mentions=mentions))
    # then
    assert rules == (["mentions-experts"] if fires else [])


@pytest.mark.parametrize(
    ("target_author", "fires"),
    [("bob", True), ("ana", False), (None, True)],
    ids=["someone-else's-post", "own-post", "no-target"],
)
def test_not_self_fails_only_when_the_actor_is_the_target_author(target_author, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: reacted
            when: {type: reaction, not_self: true}
            award: {to: actor, points: 1}
    """))
    target_id = "post-1" if target_author else None
    # when
    rules = fired(ruleset, make_event("reaction", "ana", target_id=target_id, target_author=target_author))
    # then
    assert rules == (["reacted"] if fires else [])


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("hello", True),
        ("   hello   ", True),
        ("  hell \n\t", False),
        ("éééé", False),
        ("ééééé", True),
        ("", False),
    ],
)
def test_text_min_length_counts_characters_after_trimming(text, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: substantial
            when: {text_min_length: 5}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("comment", text=text))
    # then
    assert rules == (["substantial"] if fires else [])


@pytest.mark.parametrize(
    ("occurred_at", "fires"),
    [
        ("2026-11-30T22:59:59+00:00", False),  # 23:59:59 on Nov 30 in Berlin: before `from`
        ("2026-11-30T23:30:00+00:00", True),  # 00:30 on Dec 1 in Berlin, still Nov 30 in UTC
        ("2026-12-07T22:59:59+00:00", True),  # 23:59:59 on Dec 7 in Berlin
        ("2026-12-07T23:00:00+00:00", False),  # midnight Dec 8 in Berlin: `until` is exclusive
    ],
)
def test_between_dates_are_midnight_in_the_ruleset_timezone(occurred_at, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        timezone: Europe/Berlin
        rules:
          - id: learning-week
            when: {between: {from: 2026-12-01, until: 2026-12-08}}
            award: {to: actor, points: 1}
    """))
    # when
    rules = fired(ruleset, make_event("post", occurred_at=occurred_at))
    # then
    assert rules == (["learning-week"] if fires else [])


def test_between_from_is_inclusive_at_the_exact_instant():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        timezone: Europe/Berlin
        rules:
          - id: from-dec
            when: {between: {from: 2026-12-01}}
            award: {to: actor, points: 1}
    """))
    # when: exactly midnight Dec 1 in Berlin, and one second earlier
    at_midnight = fired(ruleset, make_event("post", occurred_at="2026-12-01T00:00:00+01:00"))
    just_before = fired(ruleset, make_event("post", occurred_at="2026-11-30T23:59:59+01:00"))
    # then
    assert at_midnight == ["from-dec"]
    assert just_before == []


def test_between_the_same_utc_instant_depends_on_the_timezone():
    # given: the same window in two timezones
    text = dedent("""\
        ruleset: t
        timezone: {tz}
        rules:
          - id: december
            when: {{between: {{from: 2026-12-01}}}}
            award: {{to: actor, points: 1}}
    """)
    berlin = load_ruleset(text.format(tz="Europe/Berlin"))
    utc = load_ruleset(text.format(tz="UTC"))
    event = make_event("post", occurred_at="2026-11-30T23:30:00+00:00")
    # when / then
    assert fired(berlin, event) == ["december"]
    assert fired(utc, event) == []


def test_between_accepts_times_with_an_offset():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: live-session
            when: {between: {from: 2026-12-01T09:00:00+01:00, until: 2026-12-01T10:00:00+01:00}}
            award: {to: actor, points: 1}
    """))
    # when
    inside = fired(ruleset, make_event("post", occurred_at="2026-12-01T08:30:00+00:00"))
    at_until = fired(ruleset, make_event("post", occurred_at="2026-12-01T09:00:00+00:00"))
    # then
    assert inside == ["live-session"]
    assert at_until == []


@pytest.mark.parametrize(("score", "fires"), [(92, True), (80, True), (79, False)])
def test_expr_is_a_cel_expression_over_the_event(score, fires):
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: high-score
            when: {type: course_completed, expr: 'event.attributes.score >= 80'}
            award: {to: actor, points: 20}
    """))
    # when
    rules = fired(ruleset, make_event("course_completed", attributes={"score": score}))
    # then
    assert rules == (["high-score"] if fires else [])
    assert ruleset.failures.counts["high-score"] == 0


def test_expr_that_fails_on_an_event_does_not_hold_and_is_counted():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: high-score
            when: {expr: 'event.attributes.score >= 80'}
            award: {to: actor, points: 20}
          - id: any-event
            award: {to: actor, points: 1}
    """))
    facts = FactsCache()
    # when: two events without the attribute, one with it
    first = evaluate(ruleset, make_event("course_completed", attributes={}), facts)
    second = evaluate(ruleset, make_event("course_completed", attributes={"other": 1}), facts)
    third = evaluate(ruleset, make_event("course_completed", attributes={"score": 95}), facts)
    # then: the failing expression does not hold, other rules still fire, failures are counted
    assert [a.rule_id for a in first.awards] == ["any-event"]
    assert [a.rule_id for a in second.awards] == ["any-event"]
    assert [a.rule_id for a in third.awards] == ["high-score", "any-event"]
    assert ruleset.failures.counts["high-score"] == 2
    assert "high-score" in ruleset.failures.last_error


def test_every_condition_given_must_hold():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: python-post
            when: {type: post, channel: learning-python, text_min_length: 3}
            award: {to: actor, points: 1}
    """))
    # when
    all_hold = fired(ruleset, make_event("post", channel="learning-python", text="hello"))
    wrong_channel = fired(ruleset, make_event("post", channel="random", text="hello"))
    too_short = fired(ruleset, make_event("post", channel="learning-python", text="hi"))
    # then
    assert all_hold == ["python-post"]
    assert wrong_channel == []
    assert too_short == []
