"""The demo month and the example ruleset: shape of the data, and that the ruleset gets exercised."""

import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.demo_data import generate_kudos, generate_month
from rules.core import Event, FactsCache, evaluate, load_ruleset
from rules.core.challenges import ChallengeProgress, EmptyChallengeSource

pytestmark = []

RULESET = Path(__file__).resolve().parent.parent / "rules" / "examples" / "social-learning.yaml"
END = datetime(2026, 11, 29, 15, 0, tzinfo=timezone.utc)
HASHTAG = re.compile(r"#(\w+)")
MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


@pytest.fixture(scope="module")
def month():
    return generate_month(seed=7, end=END)


@pytest.fixture(scope="module")
def kudos(month):
    return generate_kudos(month[0], seed=7, end=END)


@pytest.fixture(scope="module")
def scored(month, kudos):
    """Every event through the example ruleset, from an empty past; the kudos after them, as the demo gives them."""
    people, events = month
    events = events + [kudos_event(k) for k in kudos]
    ruleset = load_ruleset(RULESET.read_text(encoding="utf-8"), str(RULESET))
    facts = FactsCache()
    # Challenge rewards join the outcomes as the scorer's challenges step adds them.
    progress = ChallengeProgress(ruleset, EmptyChallengeSource({p["id"]: p.get("team", "") for p in people}))
    awards, badges = Counter(), Counter()
    for seq, data in enumerate(events):
        outcome = evaluate(ruleset, as_event(seq, data), facts)
        progress.observe(outcome.event, outcome, facts)
        awards.update(a.rule_id for a in outcome.awards if a.points > 0)
        badges.update(b.badge_id for b in outcome.badges)
    levels = {ruleset.level_for(facts.points(p["id"])).name for p in people}
    return ruleset, awards, badges, levels, progress


def as_event(seq: int, data: dict) -> Event:
    text = data.get("text", "")
    target = data.get("target") or {}
    return Event(
        seq=seq, id=data["id"], type=data["type"], occurred_at=datetime.fromisoformat(data["occurred_at"]),
        actor=data["actor"]["id"], channel=data.get("channel"), program=data.get("program"),
        target_id=target.get("id"), target_author=target.get("author"), text=text,
        hashtags=frozenset(tag.lower() for tag in HASHTAG.findall(text)),
        mentions=tuple(data["mentions"]) if "mentions" in data else tuple(MENTION.findall(text)),
        attributes=data.get("attributes", {}),
    )


def kudos_event(k: dict) -> dict:
    """A demo kudos as the event the kudos action stores (the message's #tags count as values)."""
    return {"id": k["id"], "type": "kudos", "occurred_at": k["occurred_at"], "actor": {"id": k["from"]},
            "text": " ".join([k["message"], *(f"#{v}" for v in k["values"])]), "channel": k["channel"],
            "mentions": k["to"]}


def test_generation_is_deterministic_per_seed(month):
    assert generate_month(seed=7, end=END) == month
    assert generate_month(seed=8, end=END)[1] != month[1]


def test_a_realistic_month(month):
    people, events = month
    assert len(people) == 300 and len({p["id"] for p in people}) == 300
    assert 8_000 <= len(events) <= 15_000
    types = Counter(e["type"] for e in events)
    for kind in ("post", "comment", "reaction", "reshare", "question", "answer", "poll_created", "poll_vote",
                 "shoutout", "course_completed", "certification_earned", "join", "undo"):
        assert types[kind] > 0, kind
    assert len({e["actor"]["id"] for e in events}) < len(people)  # some people never take part


def test_ids_are_unique_and_targets_point_back(month):
    _, events = month
    seen = set()
    for event in events:
        assert event["id"] not in seen
        if "target" in event and "prompt" not in event.get("attributes", {}):  # a prompt is the bot's message, no event
            assert event["target"]["id"] in seen, event
        seen.add(event["id"])


def test_times_have_offsets_and_are_sorted(month):
    _, events = month
    times = [datetime.fromisoformat(e["occurred_at"]) for e in events]
    assert all(t.utcoffset() is not None for t in times)
    assert times == sorted(times)
    assert times[-1] <= END


def test_example_ruleset_loads():
    ruleset = load_ruleset(open(RULESET, encoding="utf-8").read())
    assert ruleset.tz.key == "Europe/Berlin"
    assert len(ruleset.levels) in (5, 6)


def test_every_rule_of_every_board_awards_points(scored):
    ruleset, awards, _, _, _ = scored
    board_rules = {rule for board in ruleset.leaderboards for rule in (board.rules or [r.id for r in ruleset.rules])}
    assert {rule for rule in board_rules if not awards[rule]} == set()


def test_every_badge_is_earned_and_levels_spread(scored):
    ruleset, _, badges, levels, _ = scored
    assert {badge.id for badge in ruleset.badges if not badges[badge.id]} == set()
    assert len(levels) >= 3


def test_both_example_challenges_have_winners_in_the_month(scored):
    *_, progress = scored
    winners = {c: sum(1 for (cid, _), s in progress.standings.items() if cid == c and s.winner) for c in ("data-week", "cloud-sprint")}
    assert winners == {"data-week": 3, "cloud-sprint": 2}


def test_the_demo_moves_the_challenges_with_its_month():
    from datetime import date

    from engine.demo_data import challenges_moved

    text = RULESET.read_text(encoding="utf-8")
    moved = load_ruleset(challenges_moved(text, date(2027, 3, 10)))
    now = datetime(2027, 3, 10, 12, 0, tzinfo=timezone.utc)
    assert {c.id: c.status(now) for c in moved.challenges} == {"data-week": "ended", "cloud-sprint": "running"}
    # only the challenges' dates move: the seasons and boosts stay as written
    assert moved.doc.seasons == load_ruleset(text).doc.seasons and moved.doc.boosts == load_ruleset(text).doc.boosts


def test_demo_kudos_are_all_given_under_the_example_allowance(db, redis, month, kudos):
    # given the example ruleset, with its allowance of 10 a week and 2 a week to one colleague
    from base.models import Event as StoredEvent
    from kudos.actions import give_kudos_json
    from rulesets.active import do_activate_ruleset

    do_activate_ruleset(RULESET.read_text(encoding="utf-8"))
    # when every demo kudos is given through the kudos action, as `manage.py demo` gives them
    for item in kudos:
        give_kudos_json(item)  # raises KudosRefused for any refused
    # then all are stored, over the whole month, most naming a value
    assert 200 <= StoredEvent.objects.filter(type="kudos").count() == len(kudos)
    assert len({k["occurred_at"][:10] for k in kudos}) >= 25
    assert sum(1 for k in kudos if k["values"]) > len(kudos) / 2
