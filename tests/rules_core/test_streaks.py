"""Streaks: consecutive days or ISO weeks with a qualifying event, bonuses, the `streak` badge criterion."""

from __future__ import annotations

from datetime import datetime
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest

from rules.core import EmptySource, FactsCache, RulesetError, StreakRun, evaluate, load_ruleset
from rules.core.streaks import current_length

from .helpers import make_event

BERLIN = ZoneInfo("Europe/Berlin")

RULESET = dedent("""\
    ruleset: t
    timezone: Europe/Berlin
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
    streaks:
      - id: daily-learner
        when: {type: [post, comment]}
        per: day
        bonus: [{length: 3, points: 15}, {length: 5, points: 40}]
      - id: weekly-learner
        when: {type: post}
        per: week
        bonus: [{length: 2, points: 25}]
    boosts:
      - id: campaign
        when: {hashtags_any: [campaign]}
        factor: 2
    badges:
      - id: on-a-roll
        name: On a Roll
        criteria: {streak: daily-learner}
        tiers: [{name: Bronze, count: 2}, {name: Silver, count: 4}]
""")


def post(day: str, time: str = "10:00:00", type: str = "post", actor: str = "ana", **fields):
    """An event at `time` UTC on 2026-11-`day`."""
    return make_event(type, actor, occurred_at=f"2026-11-{day}T{time}+00:00", **fields)


def bonuses(outcome, streak_id: str = "daily-learner") -> list[int]:
    return [a.points for a in outcome.awards if a.rule_id == streak_id]


def run_all(ruleset, events, facts=None):
    facts = facts or FactsCache()
    return [evaluate(ruleset, e, facts) for e in events], facts


def test_consecutive_days_grow_the_streak_and_pay_the_bonus_at_its_length():
    # given
    ruleset = load_ruleset(RULESET)
    # when: posts on four days in a row
    outcomes, facts = run_all(ruleset, [post("16"), post("17"), post("18"), post("19")])
    # then: day three pays 15, on top of the post's own points
    assert [bonuses(o) for o in outcomes] == [[], [], [15], []]
    assert [(a.rule_id, a.points) for a in outcomes[2].awards] == [("post", 10), ("daily-learner", 15)]
    assert facts.streak("ana", "daily-learner") == StreakRun("2026-11-19", 4, 4)
    assert facts.points("ana") == 4 * 10 + 15


def test_more_events_on_the_same_day_change_nothing():
    # given
    ruleset = load_ruleset(RULESET)
    # when: day three has three posts
    outcomes, facts = run_all(ruleset, [post("16"), post("17"), post("18", "08:00:00"), post("18", "09:00:00"),
                                        post("18", "20:00:00")])
    # then: one bonus
    assert [bonuses(o) for o in outcomes] == [[], [], [15], [], []]
    assert facts.streak("ana", "daily-learner").length == 3


def test_a_missed_day_restarts_the_streak_at_one_and_keeps_the_best():
    # given
    ruleset = load_ruleset(RULESET)
    # when: three days, a gap on the 19th, then two days
    outcomes, facts = run_all(ruleset, [post("16"), post("17"), post("18"), post("20"), post("21")])
    # then
    assert facts.streak("ana", "daily-learner") == StreakRun("2026-11-21", 2, 3)


def test_a_bonus_is_paid_once_per_run_and_again_in_the_next_run():
    # given
    ruleset = load_ruleset(RULESET)
    days = ["10", "11", "12", "13", "14", "15"] + ["17", "18", "19"]  # six days, a gap, three days
    # when
    outcomes, _ = run_all(ruleset, [post(d) for d in days])
    # then: 3 and 5 in the first run, 3 again in the second
    assert [bonuses(o) for o in outcomes] == [[], [], [15], [], [40], [], [], [], [15]]


def test_days_are_counted_in_the_ruleset_timezone():
    # given: 23:30 UTC on the 18th is already the 19th in Berlin
    events = [post("17", "12:00:00"), post("18", "10:00:00"), post("18", "23:30:00")]
    # when
    _, berlin = run_all(load_ruleset(RULESET), events)
    _, utc = run_all(load_ruleset(RULESET.replace("timezone: Europe/Berlin", "timezone: UTC")), events)
    # then
    assert berlin.streak("ana", "daily-learner") == StreakRun("2026-11-19", 3, 3)
    assert utc.streak("ana", "daily-learner") == StreakRun("2026-11-18", 2, 2)


def test_weekly_streaks_count_iso_weeks_in_the_ruleset_timezone():
    # given: Sunday 22 Nov 23:30 UTC is Monday 23 Nov in Berlin, the next ISO week (W48)
    ruleset = load_ruleset(RULESET)
    # when: posts in W47 (Wednesday), then Sunday night UTC, then W49
    outcomes, facts = run_all(ruleset, [post("18"), post("22", "23:30:00"), post("30")])
    # then: three weeks in a row; the bonus of length 2 is paid in W48
    assert [bonuses(o, "weekly-learner") for o in outcomes] == [[], [25], []]
    assert facts.streak("ana", "weekly-learner") == StreakRun("2026-W49", 3, 3)


def test_a_skipped_week_restarts_a_weekly_streak():
    # given
    ruleset = load_ruleset(RULESET)
    # when: W47, then W49
    _, facts = run_all(ruleset, [post("18"), post("30")])
    # then
    assert facts.streak("ana", "weekly-learner") == StreakRun("2026-W49", 1, 1)


def test_an_earlier_event_accepted_later_is_ignored():
    # given: ana's streak last counted the 18th
    ruleset = load_ruleset(RULESET)
    outcomes, facts = run_all(ruleset, [post("17"), post("18")])
    # when: an event of the 16th arrives late, then one of the 19th
    late = evaluate(ruleset, post("16"), facts)
    next_day = evaluate(ruleset, post("19"), facts)
    # then: the late event neither extends the run backwards nor pays; the 19th makes it three
    assert bonuses(late) == [] and facts.streak("ana", "daily-learner").length == 3
    assert bonuses(next_day) == [15]


def test_only_the_actor_of_a_qualifying_event_is_counted():
    # given
    ruleset = load_ruleset(RULESET)
    # when: bob comments on ana's post and mentions carol; a reaction does not qualify
    _, facts = run_all(ruleset, [post("16", type="comment", actor="bob", target_id="p1", target_author="ana",
                                      mentions=("carol",)),
                                 post("17", type="reaction", actor="bob")])
    # then
    assert facts.streak("bob", "daily-learner") == StreakRun("2026-11-16", 1, 1)
    assert facts.streak("ana", "daily-learner") == StreakRun()
    assert facts.streak("carol", "daily-learner") == StreakRun()


def test_boosts_multiply_the_bonus():
    # given
    ruleset = load_ruleset(RULESET)
    # when: the third day's post is tagged for the campaign
    outcomes, _ = run_all(ruleset, [post("16"), post("17"), post("18", hashtags={"campaign"})])
    # then
    assert [(a.rule_id, a.points, a.base_points, a.factor) for a in outcomes[2].awards] == [
        ("post", 20, 10, 2.0), ("daily-learner", 30, 15, 2.0)]


def test_streak_badge_tiers_follow_the_current_length_and_are_granted_once():
    # given
    ruleset = load_ruleset(RULESET)
    # when: two days (Bronze), a gap, two days again (Bronze already held), then two more (Silver)
    days = ["10", "11", "13", "14", "15", "16"]
    outcomes, _ = run_all(ruleset, [post(d) for d in days])
    # then
    assert [[(b.badge_id, b.tier_name) for b in o.badges] for o in outcomes] == [
        [], [("on-a-roll", "Bronze")], [], [], [], [("on-a-roll", "Silver")]]


def test_an_undo_reverses_the_bonus_but_not_the_streak():
    # given: the 18th's post paid the bonus
    ruleset = load_ruleset(RULESET)
    _, facts = run_all(ruleset, [post("16"), post("17"), post("18", id="p3")])
    # when
    undo = evaluate(ruleset, make_event("undo", "ana", target_id="p3", occurred_at="2026-11-18T12:00:00+00:00"), facts)
    # then
    assert [(a.rule_id, a.points) for a in undo.awards] == [("post", -10), ("daily-learner", -15)]
    assert facts.streak("ana", "daily-learner").length == 3


def test_the_run_comes_from_the_facts_source():
    # given: the ledger says ana's run reached 2 on the 17th
    class Ledger(EmptySource):
        def streak(self, person, streak_id):
            return StreakRun("2026-11-17", 2, 4) if (person, streak_id) == ("ana", "daily-learner") else StreakRun()

    ruleset, facts = load_ruleset(RULESET), FactsCache(Ledger())
    # when
    outcome = evaluate(ruleset, post("18"), facts)
    # then
    assert bonuses(outcome) == [15]
    assert facts.streak("ana", "daily-learner") == StreakRun("2026-11-18", 3, 4)
    assert facts.changed_streaks == {("ana", "daily-learner"), ("ana", "weekly-learner")}


def test_a_stored_run_of_the_other_period_kind_starts_over():
    # given: the streak was `per: week` before, so the ledger holds a week label
    class Ledger(EmptySource):
        def streak(self, person, streak_id):
            return StreakRun("2026-W47", 5, 5)

    ruleset, facts = load_ruleset(RULESET), FactsCache(Ledger())
    # when
    evaluate(ruleset, post("18"), facts)
    # then
    assert facts.streak("ana", "daily-learner") == StreakRun("2026-11-18", 1, 5)


@pytest.mark.parametrize(("now", "length"), [
    ("2026-11-18T12:00:00+00:00", 3),  # the same day
    ("2026-11-19T22:59:59+00:00", 3),  # the next day, still extendable
    ("2026-11-19T23:00:00+00:00", 0),  # Berlin midnight after a whole missed day
])
def test_the_current_length_drops_to_zero_once_a_period_is_missed(now, length):
    # given
    run = StreakRun("2026-11-18", 3, 3)
    # when / then
    assert current_length(run, "day", datetime.fromisoformat(now), BERLIN) == length


# -- validation -----------------------------------------------------------------------


def errors_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text, "rules.yaml")
    return str(caught.value).splitlines()


def test_streak_ids_share_the_id_space_of_rules():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
        streaks:
          - {id: post, per: day}
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:6:6: streaks[0].id: the id 'post' is already used by rules[0]"]


def test_badges_and_boards_name_streaks_the_right_way():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
        streaks:
          - {id: daily, per: day, bonus: [{length: 3, points: 5}]}
        badges:
          - {id: a, name: A, criteria: {rule: daily}}
          - {id: b, name: B, criteria: {streak: weekly}}
          - {id: c, name: C, criteria: {streak: post}}
          - {id: d, name: D, criteria: {streak: daily}, tiers: [{name: Bronze, points: 3}]}
        leaderboards:
          - {id: streakers, rules: [daily, post]}
    """)
    # when / then: the board may name the streak; badges count streaks with `streak:` only
    assert errors_of(text) == [
        "rules.yaml:8:33: badges[0].criteria.rule: 'daily' is a streak; count its length with `streak: daily`",
        "rules.yaml:9:33: badges[1].criteria.streak: no streak has the id 'weekly'",
        "rules.yaml:10:33: badges[2].criteria.streak: no streak has the id 'post'",
        "rules.yaml:11:57: badges[3].tiers[0]: each tier of this badge needs `count` (and not `points`)",
    ]


def test_bonus_lengths_go_up_and_a_period_is_a_day_or_a_week():
    # given
    text = dedent("""\
        ruleset: t
        streaks:
          - id: daily
            per: month
            bonus: [{length: 3, points: 5}, {length: 3, points: 9}, {length: 0, points: 1}]
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:4:5: streaks[0].per: must be 'day' or 'week'",
        "rules.yaml:5:38: streaks[0].bonus[1].length: bonus lengths go in ascending order, each once "
        "(a run reaches each length once)",
        "rules.yaml:5:62: streaks[0].bonus[2].length: Input should be greater than or equal to 1",
    ]
