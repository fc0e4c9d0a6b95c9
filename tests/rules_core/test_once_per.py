"""Anti-gaming `once_per: target`: a recipient scores a rule at most once per target id."""

from __future__ import annotations

from textwrap import dedent

import pytest

from rules.core import EmptySource, FactsCache, RulesetError, evaluate, load_ruleset

from .helpers import make_event

RULESET = dedent("""\
    ruleset: t
    timezone: Europe/Berlin
    rules:
      - id: reacting
        when: {type: reaction, not_self: true}
        award: {to: actor, points: 1}
        once_per: target
      - id: liked
        when: {type: reaction, not_self: true}
        award: {to: target_author, points: 2}
    badges:
      - id: fan
        name: Fan
        criteria: {rule: reacting, count: 2}
""")


def ruleset_with(old: str, new: str):
    assert old in RULESET
    return load_ruleset(RULESET.replace(old, new))


def react(actor: str, target: str | None, author: str | None = "ana", **fields):
    return make_event("reaction", actor, target_id=target, target_author=author, **fields)


def scored(outcome, rule_id: str = "reacting") -> list[tuple[int, bool]]:
    return [(a.points, a.capped) for a in outcome.awards if a.rule_id == rule_id]


def test_a_second_reaction_on_the_same_target_under_a_new_event_id_scores_nothing():
    # given
    ruleset, facts = load_ruleset(RULESET), FactsCache()
    # when: bob reacts to p1 twice, with two event ids
    first = evaluate(ruleset, react("bob", "p1", id="r1"), facts)
    second = evaluate(ruleset, react("bob", "p1", id="r2"), facts)
    # then: the second award is recorded as capped with 0 points; the rule without once_per still pays
    assert scored(first) == [(1, False)]
    assert scored(second) == [(0, True)]
    assert scored(second, "liked") == [(2, False)]
    assert facts.points("bob") == 1


def test_once_per_target_counts_per_recipient_and_per_target():
    # given
    ruleset, facts = load_ruleset(RULESET), FactsCache()
    # when: bob and carol react to p1, bob also to p2
    outcomes = [evaluate(ruleset, e, facts) for e in (react("bob", "p1"), react("carol", "p1"), react("bob", "p2"))]
    # then: everyone scores once per target
    assert [scored(o) for o in outcomes] == [[(1, False)], [(1, False)], [(1, False)]]


def test_an_undo_does_not_give_the_target_back():
    # given: bob reacted to p1 and undid it
    ruleset, facts = load_ruleset(RULESET), FactsCache()
    evaluate(ruleset, react("bob", "p1", id="r1"), facts)
    undo = evaluate(ruleset, make_event("undo", "bob", target_id="r1"), facts)
    # when: he reacts again
    again = evaluate(ruleset, react("bob", "p1", id="r2"), facts)
    # then: the undo took the point back and the new reaction earns nothing
    assert [(a.rule_id, a.points) for a in undo.awards] == [("reacting", -1), ("liked", -2)]
    assert scored(again) == [(0, True)]
    assert facts.points("bob") == 0


def test_events_without_a_target_are_not_limited():
    # given
    ruleset, facts = load_ruleset(RULESET), FactsCache()
    # when
    outcomes = [evaluate(ruleset, react("bob", None, author=None), facts) for _ in range(3)]
    # then
    assert [scored(o) for o in outcomes] == [[(1, False)]] * 3


def test_a_refused_award_counts_for_neither_badges_nor_limits():
    # given: a daily limit of 2 next to once_per
    ruleset = ruleset_with("    once_per: target\n", "    once_per: target\n    limit: {max: 2, per: day}\n")
    facts = FactsCache()
    # when: bob reacts to p1 three times, then to p2 and p3
    outcomes = [evaluate(ruleset, react("bob", t), facts) for t in ("p1", "p1", "p1", "p2", "p3")]
    # then: the refused reactions used up neither the limit nor the badge count
    assert [scored(o) for o in outcomes] == [[(1, False)], [(0, True)], [(0, True)], [(1, False)], [(0, True)]]
    assert [(b.badge_id, b.person) for b in outcomes[3].badges] == [("fan", "bob")]


def test_an_award_capped_by_a_limit_leaves_the_target_open():
    # given: one reaction a day
    ruleset = ruleset_with("    once_per: target\n", "    once_per: target\n    limit: {max: 1, per: day}\n")
    facts = FactsCache()
    # when: on day one bob reacts to p1 (scores) and p2 (capped by the limit); on day two to p2 again
    day_one = [evaluate(ruleset, react("bob", t, occurred_at="2026-11-18T10:00:00+00:00"), facts) for t in ("p1", "p2")]
    day_two = evaluate(ruleset, react("bob", "p2", occurred_at="2026-11-19T10:00:00+00:00"), facts)
    # then: p2 had given nothing yet, so it scores now
    assert [scored(o) for o in day_one] == [[(1, False)], [(0, True)]]
    assert scored(day_two) == [(1, False)]


def test_on_a_target_author_rule_the_author_scores_once_per_target():
    # given: once_per counts per recipient, here the author of the post
    ruleset = ruleset_with("    award: {to: target_author, points: 2}\n",
                           "    award: {to: target_author, points: 2}\n    once_per: target\n")
    facts = FactsCache()
    # when: two people react to ana's post
    outcomes = [evaluate(ruleset, react(actor, "p1"), facts) for actor in ("bob", "carol")]
    # then: ana scores the first reaction only
    assert [scored(o, "liked") for o in outcomes] == [[(2, False)], [(0, True)]]


def test_a_target_already_awarded_in_the_ledger_is_refused():
    # given: the source says bob was already awarded for p1 (in an earlier batch)
    class Ledger(EmptySource):
        def target_awarded(self, rule_id, person, target_id):
            return (rule_id, person, target_id) == ("reacting", "bob", "p1")

    ruleset, facts = load_ruleset(RULESET), FactsCache(Ledger())
    # when
    outcomes = [evaluate(ruleset, react(actor, "p1"), facts) for actor in ("bob", "carol")]
    # then
    assert [scored(o) for o in outcomes] == [[(0, True)], [(1, False)]]


def test_once_per_takes_only_target():
    # given
    text = RULESET.replace("once_per: target", "once_per: post")
    # when
    with pytest.raises(RulesetError) as refused:
        load_ruleset(text, "rules.yaml")
    # then
    assert str(refused.value) == "rules.yaml:7:5: rules[0].once_per: must be 'target'"
