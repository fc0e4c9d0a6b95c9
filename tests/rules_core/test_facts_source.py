"""The past comes from a FactsSource (the ledger in the scorer); evaluate() reads it through FactsCache."""

from __future__ import annotations

from textwrap import dedent

from rules.core import EmptySource, FactsCache, LevelOutcome, PastAward, evaluate, load_ruleset

from .helpers import make_event


class Ledger(EmptySource):
    """A past where ana already posted 5 times today (Berlin) and holds 95 points."""

    def cap_counts(self, rule_id, per, period):
        return {"ana": 5} if (rule_id, per, period) == ("original-post", "day", "2026-11-19") else {}

    def points(self, person):
        return 95 if person == "ana" else 0

    def awards_of(self, event_id):
        return [PastAward("original-post", "ana", 10, False)] if event_id == "old-post" else []


RULESET = dedent("""\
    ruleset: t
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 100}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
        limit: {max: 5, per: day}
      - id: comment
        when: {type: comment}
        award: {to: actor, points: 5}
""")


def test_caps_already_reached_in_the_ledger_are_respected():
    # given
    ruleset = load_ruleset(RULESET)
    facts = FactsCache(Ledger())
    # when: 00:30 on Nov 19 in Berlin, the day the ledger has 5 posts for
    same_day = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-18T23:30:00+00:00"), facts)
    next_day = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-11-19T23:30:00+00:00"), facts)
    # then
    assert [(a.points, a.capped) for a in same_day.awards] == [(0, True)]
    assert [(a.points, a.capped) for a in next_day.awards] == [(10, False)]


def test_levels_start_from_the_points_in_the_ledger():
    # given
    ruleset = load_ruleset(RULESET)
    facts = FactsCache(Ledger())
    # when: 95 + 5 reaches 100
    outcome = evaluate(ruleset, make_event("comment", "ana"), facts)
    # then
    assert outcome.levels == [LevelOutcome("ana", "Contributor", 100, "Newcomer")]
    assert facts.points("ana") == 100
    assert facts.changed_points == {"ana"}


def test_undo_reverses_awards_found_in_the_ledger():
    # given
    ruleset = load_ruleset(RULESET)
    facts = FactsCache(Ledger())
    # when
    outcome = evaluate(ruleset, make_event("undo", "ana", target_id="old-post"), facts)
    # then
    assert [(a.rule_id, a.recipient, a.points, a.reverses_event) for a in outcome.awards] == [
        ("original-post", "ana", -10, "old-post")]
    assert facts.points("ana") == 85
