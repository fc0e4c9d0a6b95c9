"""Two scoring workers at once: exactly-once holds, and the one left finishes when the other dies.

Scoring is one ordered stream under the scorer lock row, so a second worker is a hot standby (and
serves the default queue beside the first), not a second scorer: the batches still run one after
another. The timing test shows that in figures.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest
from django.db import connection
from rq import Worker

from base.accept import do_accept_events
from base.ledger import ledger_batch
from base.models import Award, Event
from leaderboards import store
from leaderboards.rebuild import check_boards
from rulesets.active import active_ruleset, do_activate_ruleset
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.test_scorer_reliability import generate_events, replayed_ledger, stored_ledger

from .conftest import FULL, size

EVENTS = size(2_000, 5_000)
PER_REQUEST = 100
BATCH_SIZE = "100"  # small batches, so the two workers take the lock in turn many times


def scored() -> int:
    return Event.objects.filter(scored_at__isnull=False).count()


def scoring_pids(redis) -> set[int]:
    """The processes whose RQ worker is running a scoring job now."""
    return {w.pid for w in Worker.all(connection=redis)
            if w.get_current_job_id() and w.get_current_job().func_name == "engine.jobs.score_pending_job"}


def successful_jobs(redis, pid: int) -> int:
    return next((w.successful_job_count for w in Worker.all(connection=redis) if w.pid == pid), 0)


@pytest.mark.worker
def test_two_workers_one_killed_mid_burst_score_every_event_once(workers, redis, figures):
    # given a ruleset and two scoring workers
    do_activate_ruleset(BASIC_RULESET)
    pool = [workers.start(SCORER_BATCH_SIZE=BATCH_SIZE) for _ in range(2)]
    wait_for(lambda: len(Worker.all(connection=redis)) == 2, timeout=60, what="two workers registered")
    events = generate_events(EVENTS, seed=22)
    bodies = [events[i:i + PER_REQUEST] for i in range(0, len(events), PER_REQUEST)]
    third = len(bodies) // 3
    progress = {"bodies": 0, "accepted": 0}
    killed = threading.Event()  # the sender waits at two thirds until a worker was killed
    failed: list[BaseException] = []

    def send_all():
        try:
            for n, body in enumerate(bodies):
                if n == 2 * third:
                    killed.wait(size(120, 600))
                progress["accepted"] += do_accept_events(body).accepted
                progress["bodies"] += 1
        except BaseException as exc:  # surfaced below, not lost in the thread
            failed.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    sender = threading.Thread(target=send_all)
    sender.start()
    try:
        # when a burst arrives in batches and, past a third, the worker running a scoring job is SIGKILLed
        wait_for(lambda: progress["bodies"] >= third and scoring_pids(redis) & {p.pid for p in pool},
                 timeout=size(120, 600), interval=0.01, what="a third of the burst sent and a worker scoring it")
        victim = next(p for p in pool if p.pid in scoring_pids(redis))
        survivor = next(p for p in pool if p is not victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        scored_at_kill = scored()
        survivor_jobs_at_kill = successful_jobs(redis, survivor.pid)
    finally:
        killed.set()  # the sender goes on (and is not left waiting if the test failed above)
        sender.join()
    assert not failed, failed
    assert scored_at_kill < EVENTS

    # then the other worker scores the rest: every event once, the ledger one uninterrupted replay
    wait_for(lambda: scored() == EVENTS, timeout=size(120, 600), what="every event scored by the worker left")
    elapsed = time.monotonic() - started
    assert victim.poll() == -signal.SIGKILL and survivor.poll() is None
    # the survivor's job ends (and RQ counts it) a moment after its last batch commits
    wait_for(lambda: successful_jobs(redis, survivor.pid) > survivor_jobs_at_kill, timeout=30,
             what="the worker left to finish a scoring job after the kill")
    assert progress["accepted"] == Event.objects.count() == EVENTS
    ledger = stored_ledger()
    assert ledger == replayed_ledger()
    assert len(ledger) == len({(row[0], row[1], row[2]) for row in ledger}) == Award.objects.count()
    # and the boards agree with the ledger
    connection.close()
    ruleset, _ = active_ruleset()
    assert store.applied_batch(redis) == ledger_batch()
    report = check_boards(redis, ruleset, ledger_batch())
    assert report.drift == 0, report
    figures(events=EVENTS, workers=2, killed=1, scored_at_kill=scored_at_kill, batches=ledger_batch(),
            awards=Award.objects.count(), lost_events=0, double_awards=0, drift=report.drift,
            seconds=round(elapsed, 1))


@pytest.mark.worker
@pytest.mark.skipif(not FULL, reason="a timing, not a verdict: measured under `make reliability` (RELIABILITY=full)")
@pytest.mark.parametrize("count", [1, 2])
def test_a_backlog_scored_by_one_or_two_workers(count, workers, redis, figures):
    # given a backlog of accepted events and no worker yet
    do_activate_ruleset(BASIC_RULESET)
    events = generate_events(20_000, seed=23)
    for i in range(0, len(events), 1_000):
        do_accept_events(events[i:i + 1_000])
    connection.close()
    # when `count` workers start on it (timed from the first batch committed: start-up is not scoring)
    for _ in range(count):
        workers.start()
    wait_for(lambda: scored() > 0, timeout=120, interval=0.01, what="the first batch scored")
    started, first = time.monotonic(), scored()
    wait_for(lambda: scored() == len(events), timeout=600, interval=0.05, what="the backlog scored")
    seconds = time.monotonic() - started
    # then it is scored once, whatever the number of workers
    assert stored_ledger() == replayed_ledger()
    figures(events=len(events), workers=count, seconds=round(seconds, 1),
            events_per_second=round((len(events) - first) / seconds))
