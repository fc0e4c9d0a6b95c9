"""Rule tests: a ruleset's `tests:` cases (events in, awards, badges, levels, points out)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from textwrap import dedent, indent

import pytest

from rules.core import RulesetError, load_ruleset, textparse
from rules.core.ruletests import CaseResult, case_events, run_tests

EXAMPLE = Path(__file__).resolve().parents[2] / "rules" / "examples" / "social-learning.yaml"

RULESET = dedent("""\
    ruleset: t
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Learner, min_points: 20}
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
        limit: {max: 2, per: day}
      - id: liked
        when: {type: reaction, not_self: true}
        award: {to: target_author, points: 5}
      - id: kudos
        when: {type: shoutout, hashtags_any: [thanks]}
        award: [{to: mentioned, points: 3}, {to: actor, points: 1}]
    badges:
      - {id: first-post, name: First Post, criteria: {rule: post}}
      - id: popular
        name: Popular
        criteria: {rule: liked}
        tiers: [{name: Bronze, count: 1}, {name: Silver, count: 2}]
""")

# ana posts twice; bob likes the first post.
EVENTS = """\
events:
  - {id: p1, type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
  - {type: post, occurred_at: 2026-11-10T10:00:00+01:00, actor: ana}
  - {type: reaction, occurred_at: 2026-11-10T11:00:00+01:00, actor: bob, target: {id: p1, author: ana}}
"""


def with_tests(tests: str, ruleset: str = RULESET) -> str:
    return ruleset + "tests:\n" + indent(dedent(tests), "  ")


def case(name: str, expect: str, events: str = EVENTS) -> str:
    """One case as YAML list item: `name`, the events, and an `expect` mapping."""
    body = f"name: {name}\n{events}expect:\n{indent(dedent(expect), '  ')}".rstrip("\n") + "\n"
    return "- " + indent(body, "  ")[2:]


def run(*cases: str) -> list[CaseResult]:
    return run_tests(load_ruleset(with_tests("".join(cases))))


def only_result(*cases: str) -> CaseResult:
    [result] = run(*cases)
    return result


def errors_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text, "rules.yaml")
    return str(caught.value).splitlines()


# -- running cases ------------------------------------------------------------------


def test_a_case_whose_expectations_hold_passes():
    # given
    expect = """\
        points: {ana: 25, bob: 0}
        awards:
          - {event: 1, rule: post, to: ana, points: 10}
          - {event: 2, rule: post, to: ana, points: 10}
          - {event: 3, rule: liked, to: ana, points: 5, capped: false}
        only: true
        badges: {ana: [first-post, "popular:Bronze"], bob: []}
        levels: {ana: Learner, bob: Newcomer}
    """
    # when
    result = only_result(case("ana posts and is liked", expect))
    # then
    assert result == CaseResult("ana posts and is liked", True, [])


def test_run_tests_returns_one_result_per_case_in_file_order():
    # given
    first = case("first", "points: {ana: 25}")
    second = case("second", "points: {ana: 99}")
    # when
    results = run(first, second)
    # then
    assert [(r.name, r.passed) for r in results] == [("first", True), ("second", False)]


def test_a_ruleset_without_tests_runs_no_cases():
    # given
    ruleset = load_ruleset(RULESET)
    # when / then
    assert ruleset.doc.tests == []
    assert run_tests(ruleset) == []


def test_wrong_points_are_reported_with_expected_and_actual():
    # given
    expect = "points: {ana: 12, bob: 1, carol: 0}"
    # when
    result = only_result(case("points", expect))
    # then
    assert not result.passed
    assert result.failures == ["expected ana to have 12 points, got 25", "expected bob to have 1 point, got 0"]


def test_a_missing_award_is_reported_as_got_none():
    # given: bob gets nothing for liking
    expect = """\
        awards: [{event: 3, rule: liked, to: bob, points: 5}]
    """
    # when
    result = only_result(case("missing", expect))
    # then
    assert result.failures == ["expected an award of 5 from rule liked to bob for event 3; got none"]


def test_an_award_with_other_points_is_reported_with_what_it_gave():
    # given
    expect = """\
        awards: [{event: p1, rule: post, to: ana, points: 20}]
    """
    # when
    result = only_result(case("points differ", expect))
    # then: an event named by id is shown with its position and id
    assert result.failures == ["expected an award of 20 from rule post to ana for event 1 (p1); got 10"]


def test_an_award_expected_capped_but_not_capped_is_reported():
    # given: the second post of the day is within the limit of 2
    expect = """\
        awards: [{event: 2, rule: post, to: ana, points: 10, capped: true}]
    """
    # when
    result = only_result(case("capped", expect))
    # then
    assert result.failures == ["expected an award of 10 from rule post to ana for event 2 (capped); got 10 (not capped)"]


def test_a_capped_award_is_reported_as_capped():
    # given: a third post the same day is capped
    events = """\
        events:
          - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
          - {type: post, occurred_at: 2026-11-10T10:00:00+01:00, actor: ana}
          - {type: post, occurred_at: 2026-11-10T11:00:00+01:00, actor: ana}
    """
    expect = "awards: [{event: 3, rule: post, to: ana, points: 10}]"
    # when
    result = only_result(case("third post", expect, dedent(events)))
    # then
    assert result.failures == ["expected an award of 10 from rule post to ana for event 3; got 0 (capped)"]


def test_only_reports_every_award_not_listed():
    # given
    expect = """\
        awards: [{event: 3, rule: liked, to: ana, points: 5}]
        only: true
    """
    # when
    result = only_result(case("only", expect))
    # then
    assert result.failures == [
        "unexpected award of 10 from rule post to ana for event 1 (p1)",
        "unexpected award of 10 from rule post to ana for event 2",
    ]


def test_only_without_awards_expects_no_award_at_all():
    # given: a like on one's own post
    events = """\
        events:
          - {type: reaction, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, target: {id: x, author: ana}}
    """
    # when
    passing = only_result(case("self-like", "only: true", dedent(events)))
    failing = only_result(case("posts", "only: true"))
    # then
    assert passing.passed
    assert len(failing.failures) == 3


def test_unexpected_capped_awards_say_so():
    # given
    events = """\
        events:
          - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
          - {type: post, occurred_at: 2026-11-10T10:00:00+01:00, actor: ana}
          - {type: post, occurred_at: 2026-11-10T11:00:00+01:00, actor: ana}
    """
    expect = """\
        awards:
          - {event: 1, rule: post, to: ana, points: 10}
          - {event: 2, rule: post, to: ana, points: 10}
        only: true
    """
    # when
    result = only_result(case("three posts", expect, dedent(events)))
    # then
    assert result.failures == ["unexpected award of 0 from rule post to ana for event 3 (capped)"]


def test_badge_failures_name_the_badge_and_tier():
    # given: ana holds first-post and popular:Bronze; bob holds nothing
    expect = """\
        badges:
          ana: ["popular:Silver"]
          bob: [first-post]
    """
    # when
    result = only_result(case("badges", expect))
    # then
    assert result.failures == [
        "expected ana to hold the badge popular:Silver; they hold popular:Bronze",
        "did not expect ana to hold the badge first-post",
        "expected bob to hold the badge first-post; they do not hold it",
    ]


def test_the_highest_tier_reached_is_the_one_held():
    # given: two likes reach Silver
    events = EVENTS + "  - {type: reaction, occurred_at: 2026-11-10T12:00:00+01:00, actor: carol, target: {id: p1, author: ana}}\n"
    # when
    result = only_result(case("silver", 'badges: {ana: [first-post, "popular:Silver"]}', events))
    # then
    assert result.passed, result.failures


def test_a_wrong_level_is_reported():
    # given
    expect = "levels: {ana: Newcomer, bob: Learner}"
    # when
    result = only_result(case("levels", expect))
    # then
    assert result.failures == ["expected ana to be at level Newcomer, got Learner",
                               "expected bob to be at level Learner, got Newcomer"]


def test_the_level_follows_points_below_zero_as_no_level():
    # given
    ruleset = RULESET.replace("points: 10}", "points: -10}", 1)
    events = "events:\n  - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}\n"
    text = with_tests(case("negative", "levels: {ana: Newcomer}", events), ruleset)
    # when
    [result] = run_tests(load_ruleset(text))
    # then
    assert result.failures == ["expected ana to be at level Newcomer, got no level (below 0 points)"]


def test_each_case_starts_from_an_empty_past():
    # given: two cases with the same two posts; the limit is 2 a day
    expect = "awards: [{event: 2, rule: post, to: ana, points: 10, capped: false}]"
    # when
    results = run(case("one", expect), case("two", expect))
    # then
    assert [r.passed for r in results] == [True, True]


def test_an_undo_in_a_case_reverses_the_event_it_names():
    # given
    events = EVENTS + "  - {type: undo, occurred_at: 2026-11-10T12:00:00+01:00, actor: bob, target: {id: t-3}}\n"
    events = events.replace("{type: reaction", "{id: t-3, type: reaction")
    expect = """\
        awards: [{event: 4, rule: liked, to: ana, points: -5}]
        points: {ana: 20}
        badges: {ana: [first-post, "popular:Bronze"]}
    """
    # when
    result = only_result(case("unlike", expect, events))
    # then
    assert result.passed, result.failures


def test_events_without_an_id_get_the_case_name_and_position():
    # given: the second post is named by its generated id
    expect = "awards: [{event: two posts-2, rule: post, to: ana, points: 10}]"
    # when
    result = only_result(case("two posts", expect))
    events = case_events(load_ruleset(with_tests(case("two posts", expect))).doc.tests[0])
    # then
    assert result.passed, result.failures
    assert [e.id for e in events] == ["p1", "two posts-2", "two posts-3"]
    assert [e.seq for e in events] == [1, 2, 3]


def test_actor_and_target_author_may_be_objects_and_times_keep_their_offset():
    # given
    events = """\
        events:
          - id: r1
            type: reaction
            occurred_at: 2026-11-10T09:00:00+01:00
            actor: {id: bob, name: Bob, team: Data}
            target: {id: p1, author: {id: ana, name: Ana}}
            channel: learning-python
            attributes: {score: 92}
    """
    text = with_tests(case("objects", "points: {ana: 5}", dedent(events)))
    # when
    ruleset = load_ruleset(text)
    [event] = case_events(ruleset.doc.tests[0])
    # then
    assert run_tests(ruleset)[0].passed
    assert (event.actor, event.target_id, event.target_author, event.channel) == ("bob", "p1", "ana", "learning-python")
    assert event.occurred_at == datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)
    assert event.occurred_at.utcoffset() == timedelta(hours=1)
    assert type(event.occurred_at) is datetime
    assert event.attributes == {"score": 92}


# -- hashtags and mentions ----------------------------------------------------------


def test_hashtags_and_mentions_are_parsed_from_the_text_when_absent():
    # given
    events = """\
        events:
          - {type: shoutout, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana,
             text: "Big #Thanks to @bob@example.com and @carol@example.com. #Thanks"}
    """
    text = with_tests(case("kudos", "points: {bob@example.com: 3, carol@example.com: 3, ana: 1}", dedent(events)))
    # when
    ruleset = load_ruleset(text)
    [event] = case_events(ruleset.doc.tests[0])
    # then
    assert event.hashtags == frozenset({"thanks"})
    assert event.mentions == ("bob@example.com", "carol@example.com")
    assert run_tests(ruleset)[0].passed


def test_hashtags_and_mentions_given_are_kept_and_not_parsed():
    # given: the text's tags are ignored when the lists are given; '#' and '@' are dropped
    events = """\
        events:
          - {type: shoutout, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, text: "#thanks @bob",
             hashtags: ["#Thanks", Kudos], mentions: ["@dave"]}
          - {type: shoutout, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, text: "#thanks @bob",
             hashtags: [], mentions: []}
    """
    text = with_tests(case("given", "points: {dave: 3, bob: 0}", dedent(events)))
    # when
    ruleset = load_ruleset(text)
    first, second = case_events(ruleset.doc.tests[0])
    # then
    assert (first.hashtags, first.mentions) == (frozenset({"thanks", "kudos"}), ("dave",))
    assert (second.hashtags, second.mentions) == (frozenset(), ())
    assert run_tests(ruleset)[0].passed


def test_ingest_and_rule_tests_share_the_same_text_parsing():
    # given
    from base import ingest

    # then: one implementation, in the pure core
    assert ingest.parse_hashtags is textparse.parse_hashtags
    assert ingest.parse_mentions is textparse.parse_mentions


@pytest.mark.parametrize("text", [
    "Great walkthrough! #SocialLearning thanks @carol@example.com",
    "#a-b #a-b c#d &#39; @bob @bob. @x@y.org, mail@example.com #Über",
    "@" + "a" * 201 + " and @ok@example.com.",
    "",
])
def test_a_test_event_reads_its_text_exactly_like_ingest_and_the_scorer(text):
    # given: the same event through ingest (EventIn + normalize, hashtags folded as the scorer does)
    from base.ingest import EventIn, normalize

    raw = {"id": "e1", "type": "comment", "occurred_at": "2026-11-10T09:00:00+01:00", "actor": "ana", "text": text}
    stored = normalize(EventIn.model_validate(raw))
    text_yaml = text.replace('"', '\\"')
    events = f'events:\n  - {{id: e1, type: comment, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, text: "{text_yaml}"}}\n'
    # when
    [event] = case_events(load_ruleset(with_tests(case("parity", "only: true", events))).doc.tests[0])
    # then
    assert event.hashtags == frozenset(t.casefold() for t in stored.hashtags)
    assert list(event.mentions) == stored.mentions


# -- the example ruleset ------------------------------------------------------------


def test_the_example_ruleset_ships_tests_that_all_pass():
    # given
    ruleset = load_ruleset(EXAMPLE.read_text(), str(EXAMPLE))
    # when
    results = run_tests(ruleset)
    # then
    assert 4 <= len(results) <= 7
    assert [(r.name, r.failures) for r in results if not r.passed] == []


def test_a_broken_expectation_in_the_example_fails():
    # given: the capped fourth post expected to give points
    text = EXAMPLE.read_text().replace(
        "{event: 4, rule: original-post, to: ana@example.com, points: 0, capped: true}",
        "{event: 4, rule: original-post, to: ana@example.com, points: 10}", 1)
    # when
    results = run_tests(load_ruleset(text))
    # then
    assert results[0].failures == [
        "expected an award of 10 from rule original-post to ana@example.com for event 4; got 0 (capped)"]
    assert all(r.passed for r in results[1:])


# -- validation ---------------------------------------------------------------------


def test_unknown_keys_in_a_case_are_errors_with_line_and_column():
    # given
    text = RULESET + dedent("""\
        tests:
          - name: typo
            events:
              - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, txt: hello}
            expect:
              point: {ana: 10}
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:26:74: tests[0].events[0].txt: unknown key; check its spelling against docs/rules.md",
        "rules.yaml:28:7: tests[0].expect.point: unknown key; check its spelling against docs/rules.md",
    ]


def test_a_case_needs_a_name_events_and_an_expectation():
    # given
    text = RULESET + dedent("""\
        tests:
          - events: []
            expect: {}
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:24:5: tests[0].name: this key is required",
        "rules.yaml:24:5: tests[0].events: List should have at least 1 item after validation, not 0",
        "rules.yaml:25:5: tests[0].expect: expect at least one of `points`, `awards`, `badges`, `levels` "
        "(or `only: true` for no awards at all)",
    ]


@pytest.mark.parametrize("when", [
    "2026-11-10T09:00:00",
    '"2026-11-10T09:00:00"',
    "2026-11-10",
    "2026-11-10 09:00:00",
])
def test_an_event_time_without_an_offset_is_refused(when):
    # given
    text = RULESET + dedent(f"""\
        tests:
          - name: naive
            events:
              - {{type: post, actor: ana, occurred_at: {when}}}
            expect: {{only: true}}
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == ["rules.yaml:26:34: tests[0].events[0].occurred_at: occurred_at needs a time with an offset, "
                      "e.g. 2026-11-17T09:00:00+01:00"]


def test_malformed_events_and_awards_are_errors_at_their_positions():
    # given
    text = RULESET + dedent("""\
        tests:
          - name: bad
            events:
              - {type: post, occurred_at: yesterday, actor: {id: ana, nam: Ana}}
              - {type: undo, occurred_at: 2026-11-10T09:00:00Z, actor: ana}
              - {type: "no spaces", occurred_at: 2026-11-10T09:00:00Z, actor: ana}
            expect:
              awards: [{event: 0, rule: post, to: ana, points: 1.5}]
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:26:22: tests[0].events[0].occurred_at: 'yesterday' is not a time; occurred_at needs a time "
        "with an offset, e.g. 2026-11-17T09:00:00+01:00",
        "rules.yaml:26:63: tests[0].events[0].actor.nam: unknown key; check its spelling against docs/rules.md",
        "rules.yaml:27:9: tests[0].events[1]: an undo names the event it reverses: target.id",
        "rules.yaml:28:10: tests[0].events[2].type: an event type is 1 to 64 letters, digits and `_ . : -`, as at ingest",
        "rules.yaml:30:17: tests[0].expect.awards[0].event: name the event by its 1-based position in `events` "
        "(1, 2, ...) or by its id",
        "rules.yaml:30:48: tests[0].expect.awards[0].points: Input should be a valid integer",
    ]


def test_unknown_rules_badges_tiers_levels_and_events_are_errors_with_positions():
    # given
    text = RULESET + dedent("""\
        tests:
          - name: refs
            events:
              - {id: p1, type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
              - {id: p1, type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
              - {type: undo, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, target: {id: p9}}
            expect:
              awards:
                - {event: 1, rule: posts, to: ana, points: 10}
                - {event: 4, rule: post, to: ana, points: 10}
                - {event: p7, rule: post, to: ana, points: 10}
                - {event: p1, rule: post, to: ana, points: 10}
                - {event: 1, rule: post, to: ana, points: 5}
              badges:
                ana: [first-pst, popular, "first-post:Gold", "popular:Gold"]
              levels: {ana: Master}
          - name: refs
            events:
              - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
            expect: {only: true}
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:27:10: tests[0].events[1].id: the id 'p1' is already used by events[0] of this case",
        "rules.yaml:28:83: tests[0].events[2].target.id: undo of 'p9': no earlier event of this case has that id",
        "rules.yaml:31:22: tests[0].expect.awards[0].rule: no rule has the id 'posts'",
        "rules.yaml:32:12: tests[0].expect.awards[1].event: this case has 3 event(s); there is no event 4",
        "rules.yaml:33:12: tests[0].expect.awards[2].event: no event of this case has the id 'p7'",
        "rules.yaml:35:11: tests[0].expect.awards[4]: the same award (event, rule and `to`) is already expected "
        "by awards[3]",
        "rules.yaml:37:15: tests[0].expect.badges.ana[0]: no badge has the id 'first-pst'",
        "rules.yaml:37:26: tests[0].expect.badges.ana[1]: the badge 'popular' has tiers; write 'popular:Bronze' "
        "for the highest tier held (its tiers: Bronze, Silver)",
        "rules.yaml:37:35: tests[0].expect.badges.ana[2]: the badge 'first-post' has no tiers; write just 'first-post'",
        "rules.yaml:37:54: tests[0].expect.badges.ana[3]: the badge 'popular' is listed twice; name it once, "
        "with the highest tier held",
        "rules.yaml:37:54: tests[0].expect.badges.ana[3]: the badge 'popular' has no tier 'Gold' (its tiers: "
        "Bronze, Silver)",
        "rules.yaml:38:16: tests[0].expect.levels.ana: no level has the name 'Master'; the levels are Newcomer, Learner",
        "rules.yaml:39:5: tests[1].name: the name 'refs' is already used by tests[0]",
    ]


def test_an_undo_of_an_undo_is_refused():
    # given
    text = RULESET + dedent("""\
        tests:
          - name: undo twice
            events:
              - {id: p1, type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
              - {id: u1, type: undo, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, target: {id: p1}}
              - {type: undo, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana, target: {id: u1}}
            expect: {points: {ana: 0}}
    """)
    # when / then
    assert errors_of(text) == [
        "rules.yaml:28:83: tests[0].events[2].target.id: undo of 'u1': an undo cannot be undone"]


def test_levels_expected_from_a_ruleset_without_levels_are_errors():
    # given
    text = dedent("""\
        ruleset: t
        tests:
          - name: no levels
            events: [{type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}]
            expect: {levels: {ana: Newcomer}}
    """)
    # when / then
    assert errors_of(text) == [
        "rules.yaml:5:23: tests[0].expect.levels.ana: no level has the name 'Newcomer'; this ruleset has no levels"]


def test_a_streak_bonus_is_expected_under_the_streak_id():
    # given
    text = dedent("""\
        ruleset: t
        timezone: Europe/Berlin
        rules:
          - {id: post, when: {type: post}, award: {to: actor, points: 1}}
        streaks:
          - {id: daily, when: {type: post}, per: day, bonus: [{length: 2, points: 5}]}
        tests:
          - name: two days in a row
            events:
              - {type: post, occurred_at: 2026-11-10T09:00:00+01:00, actor: ana}
              - {type: post, occurred_at: 2026-11-11T09:00:00+01:00, actor: ana}
            expect:
              awards: [{event: 2, rule: daily, to: ana, points: 5}]
              points: {ana: 7}
    """)
    # when
    [result] = run_tests(load_ruleset(text))
    # then
    assert result.passed, result.failures
    assert errors_of(text.replace("rule: daily", "rule: dayly")) == [
        "rules.yaml:13:27: tests[0].expect.awards[0].rule: no rule or streak has the id 'dayly'"]
