"""Undo: compensating awards for an earlier event; caps are not given back."""

from __future__ import annotations

from textwrap import dedent

from rules.core import FactsCache, evaluate, load_ruleset

from .helpers import make_event

RULESET = dedent("""\
    ruleset: t
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
        limit: {max: 1, per: day}
      - id: liked
        when: {type: reaction, not_self: true}
        award:
          - {to: target_author, points: 2}
          - {to: actor, points: 1}
""")


def test_undo_gives_compensating_awards_and_points_go_down():
    # given: ana likes bob's post
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    like = make_event("reaction", "ana", id="like-1", target_id="post-1", target_author="bob")
    evaluate(ruleset, like, facts)
    assert (facts.points("ana"), facts.points("bob")) == (1, 2)
    # when: the like is taken back
    outcome = evaluate(ruleset, make_event("undo", "ana", target_id="like-1"), facts)
    # then
    assert sorted((a.rule_id, a.recipient, a.points, a.reverses_event) for a in outcome.awards) == [
        ("liked", "ana", -1, "like-1"), ("liked", "bob", -2, "like-1")]
    assert (facts.points("ana"), facts.points("bob")) == (0, 0)


def test_second_undo_of_the_same_event_gives_nothing():
    # given
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # when
    again = evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # then
    assert again.awards == []
    assert facts.points("ana") == 0


def test_undo_skips_zero_point_awards():
    # given: the second post is capped (0 points)
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    capped = evaluate(ruleset, make_event("post", "ana", id="post-2"), facts)
    assert [(a.points, a.capped) for a in capped.awards] == [(0, True)]
    # when
    outcome = evaluate(ruleset, make_event("undo", "ana", target_id="post-2"), facts)
    # then
    assert outcome.awards == []
    assert facts.points("ana") == 10


def test_undo_does_not_give_caps_back():
    # given: ana posts up to the daily cap, then deletes that post
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # when: she posts again the same day
    again = evaluate(ruleset, make_event("post", "ana", id="post-2"), facts)
    # then: still capped, so post/delete loops earn nothing
    assert [(a.points, a.capped) for a in again.awards] == [(0, True)]
    assert facts.points("ana") == 0


def test_undo_of_an_unknown_or_missing_target_gives_nothing():
    # given
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    # when
    unknown = evaluate(ruleset, make_event("undo", "ana", target_id="never-seen"), facts)
    no_target = evaluate(ruleset, make_event("undo", "ana"), facts)
    # then
    assert unknown.awards == [] and no_target.awards == []
    assert facts.points("ana") == 10


def test_undo_reverses_boosted_points_exactly():
    # given
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 5}
        boosts:
          - id: week
            when: {type: post}
            factor: 1.5
    """))
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    # when
    outcome = evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # then
    assert [a.points for a in outcome.awards] == [-8]
    assert facts.points("ana") == 0


def test_undo_events_do_not_fire_rules():
    # given: a rule without a type matches every event, but not an undo
    ruleset = load_ruleset(dedent("""\
        ruleset: t
        rules:
          - id: anything
            award: {to: actor, points: 1}
    """))
    facts = FactsCache()
    evaluate(ruleset, make_event("post", "ana", id="post-1"), facts)
    # when
    outcome = evaluate(ruleset, make_event("undo", "ana", target_id="post-1"), facts)
    # then
    assert [(a.rule_id, a.points) for a in outcome.awards] == [("anything", -1)]
    assert facts.points("ana") == 0
