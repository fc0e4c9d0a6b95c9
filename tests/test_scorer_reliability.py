"""The scorer loses nothing and counts nothing twice: killed workers, crashes between Redis and commit, lost boards."""

from __future__ import annotations

import random
import signal
import time

import pytest
from django.db import connection

from base.accept import do_accept_events
from base.models import Award, Event
from engine.scoring import do_score_pending
from leaderboards import board_reads, store
from leaderboards.rebuild import rebuild_boards
from rulesets.active import active_ruleset, do_activate_ruleset
from rules.core import FactsCache, evaluate
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET


def generate_events(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    people = [f"p{i}@example.com" for i in range(25)]
    posts: list[tuple[str, str]] = []
    reactions: list[str] = []
    events = []
    for i in range(n):
        actor = rng.choice(people)
        at = f"2026-11-{rng.randint(2, 27):02d}T{rng.randint(7, 19):02d}:{rng.randint(0, 59):02d}:00+01:00"
        kind = rng.random()
        body = {"id": f"rel:{i}", "occurred_at": at, "channel": rng.choice(["a", "b"]),
                "actor": {"id": actor, "team": f"team-{people.index(actor) % 3}"}}
        if kind < 0.3 or not posts:
            body.update(type="post", text="a post")
            posts.append((body["id"], actor))
        elif kind < 0.55:
            target, author = rng.choice(posts)
            body.update(type="comment", target={"id": target, "author": author}, text="a comment")
        elif kind < 0.85:
            target, author = rng.choice(posts)
            body.update(type="reaction", target={"id": target, "author": author})
            reactions.append(body["id"])
        elif kind < 0.95 or not reactions:
            body.update(type="shoutout", text=f"well done @{rng.choice(people)} #certification")
        else:
            body.update(type="undo", target={"id": reactions.pop(rng.randrange(len(reactions)))})
        events.append(body)
    return events


def replayed_ledger() -> list[tuple]:
    """The ledger as an in-memory replay of the log, in acceptance order, from an empty past."""
    ruleset, _ = active_ruleset()
    facts = FactsCache()
    expected = []
    for e in Event.objects.select_related("actor", "target_author").order_by("seq"):
        for a in evaluate(ruleset, e.to_core(), facts).awards:
            expected.append((e.source_id, a.rule_id, a.recipient, a.points, a.capped))
    return sorted(expected)


def stored_ledger() -> list[tuple]:
    return sorted(Award.objects.values_list("event__source_id", "rule_id", "recipient__key", "points", "capped"))


def board_snapshot(r) -> dict:
    ruleset, _ = active_ruleset()
    snapshot = {}
    for key in sorted(r.scan_iter(match="plaudit:lb:*")):
        if r.type(key) == b"zset":
            snapshot[key] = r.zrange(key, 0, -1, withscores=True)
    return snapshot


@pytest.mark.worker
def test_workers_killed_mid_batch_lose_nothing_and_count_nothing_twice(workers, redis):
    # given 3,000 accepted events and a worker scoring them in small batches
    do_activate_ruleset(BASIC_RULESET)
    events = generate_events(3000)
    for start in range(0, len(events), 1000):
        do_accept_events(events[start:start + 1000])
    total = len(events)

    def scored() -> int:
        return Event.objects.filter(scored_at__isnull=False).count()

    # when a worker is SIGKILLed at four different moments, and a fresh one started each time
    for stop_at in (300, 900, 1500, 2200):
        worker = workers.start(SCORER_BATCH_SIZE="40")
        wait_for(lambda: scored() >= stop_at, timeout=120, what=f"{stop_at} events scored")
        time.sleep(random.uniform(0, 0.05))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    workers.start(SCORER_BATCH_SIZE="40")
    wait_for(lambda: scored() == total, timeout=180, what="every event scored")

    # then the ledger is exactly what one uninterrupted replay gives, and the boards match the ledger
    assert stored_ledger() == replayed_ledger()
    connection.close()
    before = board_snapshot(redis)
    ruleset, _ = active_ruleset()
    rebuild_boards(redis, ruleset, store.applied_batch(redis))
    assert board_snapshot(redis) == before


def test_crash_after_boards_before_commit_is_repaired(db, redis, monkeypatch):
    # given a batch whose board update reached Redis but whose transaction never committed
    do_activate_ruleset(BASIC_RULESET)
    do_accept_events(generate_events(200, seed=5))
    real_send = store.send_changes

    def send_then_crash(*args, **kwargs):
        real_send(*args, **kwargs).finish()  # Redis has the batch
        raise RuntimeError("worker died before commit")

    monkeypatch.setattr("leaderboards.scoring.send_changes", send_then_crash)
    with pytest.raises(RuntimeError):
        do_score_pending()
    assert not Award.objects.exists()
    assert redis.exists("plaudit:lb:{all-time}:all")  # Redis got ahead of the ledger

    # when scoring runs again
    monkeypatch.setattr("leaderboards.scoring.send_changes", real_send)
    do_score_pending()

    # then the boards hold exactly the ledger's totals, counted once
    assert_all_time_board_is_the_ledgers(redis)


def test_boards_lost_in_redis_are_rebuilt_before_the_next_batch(db, redis):
    # given scored events, then Redis loses everything
    do_activate_ruleset(BASIC_RULESET)
    events = generate_events(300, seed=9)
    do_accept_events(events[:200])
    do_score_pending()
    redis.flushall()

    # when more events are scored
    do_accept_events(events[200:])
    do_score_pending()

    # then the boards equal a rebuild from the complete ledger, tie order included
    after = board_snapshot(redis)
    ruleset, _ = active_ruleset()
    rebuild_boards(redis, ruleset, store.applied_batch(redis))
    assert board_snapshot(redis) == after
    assert after  # not vacuously equal


@pytest.mark.worker
def test_wait_true_answers_once_a_real_worker_has_scored_the_events(workers, client):
    # given a ruleset, a running worker and an integration key
    from base.models import ApiKey

    do_activate_ruleset(BASIC_RULESET)
    workers.start()
    _, key = ApiKey.issue(name="it", role="integration")
    body = [{"id": "w1", "type": "post", "occurred_at": "2026-11-25T10:00:00+01:00", "actor": "ana@example.com"},
            {"id": "w2", "type": "shoutout", "occurred_at": "2026-11-25T10:05:00+01:00", "actor": "bob@example.com",
             "text": "@ana@example.com passed! #certified"}]

    # when
    response = client.post("/api/v1/events?wait=true", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")

    # then the answer carries the awards the worker wrote
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["scored"] is True
    awards = {(a["event"], a["person"], a["points"]) for e in result["events"] for a in e["awards"]}
    assert awards == {("w1", "ana@example.com", 10), ("w2", "ana@example.com", 25), ("w2", "bob@example.com", 2)}
    health = client.get("/api/v1/healthz").json()
    assert health["workers"]["count"] >= 1 and health["pending_events"] == 0


def test_a_ledger_write_that_fails_after_the_boards_were_sent_is_repaired(db, redis, monkeypatch):
    # given a batch whose board write went to Redis, then the ledger write failed (the database refused it)
    import base.ledger

    do_activate_ruleset(BASIC_RULESET)
    do_accept_events(generate_events(200, seed=6))
    real_write = base.ledger.LedgerStep.write

    def refused(*args, **kwargs):
        raise RuntimeError("database refused the ledger")

    monkeypatch.setattr("base.ledger.LedgerStep.write", refused)
    with pytest.raises(RuntimeError):
        do_score_pending()
    assert not Award.objects.exists()

    # when scoring runs again
    monkeypatch.setattr("base.ledger.LedgerStep.write", real_write)
    do_score_pending()

    # then the boards hold the ledger's totals, the sent batch counted once
    assert_all_time_board_is_the_ledgers(redis)


def assert_all_time_board_is_the_ledgers(redis):
    totals: dict[str, int] = {}
    for key, points in Award.objects.values_list("recipient__key", "points"):
        totals[key] = totals.get(key, 0) + points
    board = dict(board_reads.page(redis, "all-time", "all", None, 0, 1000))
    assert board == {k: v for k, v in totals.items() if k in board}
    assert set(board) == {k for k, v in Award.objects.exclude(points=0).values_list("recipient__key", "points")}


CHALLENGE = """
challenges:
  - id: november-posts
    name: November posts
    starts: 2026-11-09
    ends: 2026-11-23
    goal: {rule: original-post, count: 4}
    winners: 3
    reward: {points: 20}
  - id: team-reactions
    name: Team reactions
    starts: 2026-11-02
    ends: 2026-11-30
    kind: team
    goal: {event: {type: reaction}, count: 12}
    reward: {points: 5}
"""


def test_a_crash_after_challenge_progress_was_written_counts_nothing_twice(db, redis, monkeypatch):
    # given a batch with challenge progress and rewards whose transaction fails after the challenges step wrote
    from challenges import scoring as challenge_scoring
    from challenges.models import ChallengeCount, ChallengeStanding
    from rules.core.challenges import ChallengeProgress, EmptyChallengeSource

    do_activate_ruleset(BASIC_RULESET + CHALLENGE)
    events = generate_events(300, seed=7)
    do_accept_events(events)
    real_write = challenge_scoring.write_progress

    def write_then_crash(*args, **kwargs):
        real_write(*args, **kwargs)
        raise RuntimeError("worker died after the challenges step wrote")

    monkeypatch.setattr(challenge_scoring, "write_progress", write_then_crash)
    with pytest.raises(RuntimeError):
        do_score_pending()
    assert not ChallengeStanding.objects.exists() and not ChallengeCount.objects.exists()

    # when scoring runs again
    monkeypatch.setattr(challenge_scoring, "write_progress", real_write)
    do_score_pending()

    # then the standings and rewards are those of one replay of the log, in acceptance order
    ruleset, _ = active_ruleset()
    teams = {e["actor"]["id"]: e["actor"]["team"] for e in events}
    facts, progress = FactsCache(), ChallengeProgress(ruleset, EmptyChallengeSource(teams))
    rewards = []
    for e in Event.objects.select_related("actor", "target_author").order_by("seq"):
        outcome = evaluate(ruleset, e.to_core(), facts)
        progress.observe(outcome.event, outcome, facts)
        rewards += [(e.source_id, a.recipient, a.points) for a in outcome.awards if a.rule_id.startswith("challenge:")]
    expected = {(c, p): (s.progress, s.reached_seq, s.winner) for (c, p), s in progress.standings.items()}
    stored = {(r.challenge_id, r.participant): (r.progress, r.reached_seq, r.winner) for r in ChallengeStanding.objects.all()}
    assert stored == expected and any(w for _, _, w in stored.values())
    assert sorted(Award.objects.filter(rule_id__startswith="challenge:").values_list(
        "event__source_id", "recipient__key", "points")) == sorted(rewards) != []
    assert_all_time_board_is_the_ledgers(redis)
