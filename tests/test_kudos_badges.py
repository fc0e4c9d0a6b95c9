"""Badges on kudos: given per value (an `event` criterion) and received (a `received` criterion),
scored by the real scorer from kudos given through the kudos action."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from base.models import Person
from badges.models import BadgeGrant
from engine.scoring import do_score_pending
from kudos.actions import do_give_kudos
from rules.core import FactsCache, RulesetError, evaluate, load_ruleset
from rulesets.active import do_activate_ruleset
from tests.helpers import yaml
from tests.rules_core.helpers import make_event

RULESET = yaml("""
    ruleset: kudos-badges
    timezone: Europe/Berlin
    rules:
      - id: kudos-received
        when: {type: kudos}
        award: {to: mentioned, points: 5}
    kudos:
      allowance: {amount: 20, per: month}
      values: [teamwork, craft]
    badges:
      - id: team-player
        name: Team Player
        criteria: {event: {type: kudos, hashtags_any: [teamwork]}, count: 2}
      - id: great-teammate
        name: Great Teammate
        criteria: {received: {type: kudos, hashtags_any: [teamwork]}, count: 3}
""")
START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def badges_of(key: str) -> set[str]:
    return set(BadgeGrant.objects.filter(person__key=key).values_list("badge_id", flat=True))


def test_badges_for_kudos_given_per_value_and_received(db, redis):
    # given Ana and Cy thank Bob for teamwork, and Ana thanks Dee for craft
    do_activate_ruleset(RULESET)
    kudos = [("ana@example.com", ["bob@example.com", "dee@example.com"], "Thanks for the help #teamwork"),
             ("cy@example.com", ["bob@example.com"], "Great pairing"),
             ("ana@example.com", ["dee@example.com"], "Lovely refactoring #craft"),
             ("ana@example.com", ["bob@example.com"], "Again, thank you #TeamWork")]
    for i, (giver, to, message) in enumerate(kudos):
        values = ["teamwork"] if giver == "cy@example.com" else []
        do_give_kudos(giver=giver, receivers=to, message=message, values=values, occurred_at=START + timedelta(hours=i))
    # when they are scored
    do_score_pending()
    # then Ana gave two teamwork kudos, Bob received three, Dee only one for teamwork
    assert badges_of("ana@example.com") == {"team-player"}
    assert badges_of("bob@example.com") == {"great-teammate"}
    assert badges_of("dee@example.com") == set()
    assert Person.objects.get(key="bob@example.com").points == 15


def test_a_received_badge_counts_each_mentioned_person_once_and_never_the_actor():
    ruleset = load_ruleset(RULESET)
    facts = FactsCache()
    outcomes = [evaluate(ruleset, make_event("kudos", "ana", hashtags={"teamwork"}, mentions=("bob", "bob", "ana")), facts)
                for _ in range(3)]
    granted = [(b.person, b.badge_id) for o in outcomes for b in o.badges]
    assert granted == [("ana", "team-player"), ("bob", "great-teammate")]
    assert facts.event_count("bob", "great-teammate") == 3 and facts.event_count("ana", "great-teammate") == 0


def test_criteria_name_exactly_one_kind_and_received_conditions_are_checked():
    with pytest.raises(RulesetError) as caught:
        load_ruleset(yaml("""
            ruleset: t
            badges:
              - {id: a, name: A, criteria: {received: {type: kudos}, event: {type: kudos}}}
              - {id: b, name: B, criteria: {received: {type: kudos, expr: 'event.nope('}}}
        """))
    text = str(caught.value)
    assert "exactly one of `rule`, `event`, `received`" in text
    assert "badges[1].criteria.received.expr" in text
