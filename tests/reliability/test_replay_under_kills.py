"""Events replayed with duplicates while the scorer is SIGKILLed: nothing lost, nothing counted twice."""

from __future__ import annotations

import random
import signal
import threading
import time

import pytest
from django.db import connection

from base.accept import do_accept_events
from base.models import Award, Event
from leaderboards import store
from leaderboards.rebuild import check_boards, rebuild_boards
from rulesets.active import active_ruleset, do_activate_ruleset
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.test_scorer_reliability import board_snapshot, generate_events, replayed_ledger, stored_ledger

from .conftest import size

EVENTS = size(2_000, 100_000)
KILLS = size(2, 5)
DUPLICATE_SHARE = 0.10
FRESH_PER_REQUEST = 900  # plus up to 10% repeats: within the 1,000-event request limit


def with_duplicates(events: list[dict], share: float, rng: random.Random) -> list[list[dict]]:
    """Request bodies of fresh events, each followed by about `share` as many resent from earlier bodies."""
    batches, sent = [], []
    for start in range(0, len(events), FRESH_PER_REQUEST):
        fresh = events[start:start + FRESH_PER_REQUEST]
        repeats = [rng.choice(sent) for _ in range(int(len(fresh) * share))] if sent else []
        batches.append(fresh + repeats)
        sent.extend(fresh)
    return batches


@pytest.mark.worker
def test_replay_with_duplicates_while_the_scorer_is_killed(workers, redis, figures):
    # given a ruleset and a stream of request bodies, a tenth of whose items were already sent
    do_activate_ruleset(BASIC_RULESET)
    rng = random.Random(11)
    events = generate_events(EVENTS, seed=5)
    bodies = with_duplicates(events, DUPLICATE_SHARE, rng)
    duplicates_sent = sum(len(b) for b in bodies) - len(events)
    started = time.monotonic()

    # when the bodies arrive while a scorer works through them, and it is SIGKILLed at random moments
    accepted = {"events": 0, "duplicates": 0}
    sender_failed: list[BaseException] = []

    def send_all():
        try:
            for body in bodies:
                result = do_accept_events(body)
                accepted["events"] += result.accepted
                accepted["duplicates"] += result.duplicates
        except BaseException as exc:  # surfaced by the test below, not lost in the thread
            sender_failed.append(exc)
        finally:
            connection.close()

    sender = threading.Thread(target=send_all)
    sender.start()

    def scored() -> int:
        return Event.objects.filter(scored_at__isnull=False).count()

    kill_points = sorted(rng.sample(range(EVENTS // 20, EVENTS - EVENTS // 20), KILLS))
    for point in kill_points:
        worker = workers.start(SCORER_BATCH_SIZE="200")
        wait_for(lambda: scored() >= point, timeout=size(120, 1800), what=f"{point} events scored")
        time.sleep(rng.uniform(0, 0.05))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    workers.start(SCORER_BATCH_SIZE="200")
    sender.join()
    assert not sender_failed, sender_failed
    wait_for(lambda: scored() == EVENTS, timeout=size(180, 3600), what="every event scored")
    elapsed = time.monotonic() - started

    # then every event was stored once, the ledger is one uninterrupted replay, and the boards agree
    stored_events = Event.objects.count()
    assert stored_events == EVENTS and accepted == {"events": EVENTS, "duplicates": duplicates_sent}
    ledger = stored_ledger()
    assert ledger == replayed_ledger()
    double_awards = len(ledger) - len(set((row[0], row[1], row[2]) for row in ledger))
    assert double_awards == 0
    connection.close()
    ruleset, _ = active_ruleset()
    batch = store.applied_batch(redis)
    assert check_boards(redis, ruleset, batch).drift == 0
    live = board_snapshot(redis)
    rebuild_boards(redis, ruleset, batch)
    assert board_snapshot(redis) == live
    figures(events=EVENTS, duplicates_sent=duplicates_sent, kills=KILLS, awards=Award.objects.count(),
            lost_events=EVENTS - stored_events, double_awards=double_awards, seconds=round(elapsed, 1))
