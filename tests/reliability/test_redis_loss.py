"""Redis flushed, killed and restarted under HTTP load: no accepted event lost, boards rebuilt identical."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from base.models import ApiKey, Event
from base.ledger import ledger_batch
from leaderboards.keys import APPLIED_BATCH
from leaderboards.rebuild import check_boards, rebuild_boards
from rulesets.active import active_ruleset
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.test_scorer_reliability import board_snapshot, generate_events, replayed_ledger, stored_ledger

from .conftest import size
from .stack import post_until_answered, running_stack

EVENTS = size(3_000, 30_000)
PER_REQUEST = 250


@pytest.fixture
def stack(transactional_db, redis):
    with running_stack() as running:
        yield running


@pytest.mark.worker
def test_redis_flushed_killed_and_restarted_under_load(stack, figures):
    own, base = stack
    admin = {"Authorization": f"Bearer {ApiKey.issue(name='admin', role='admin')[1]}"}
    sender = {"Authorization": f"Bearer {ApiKey.issue(name='load', role='integration')[1]}"}
    assert requests.put(f"{base}/ruleset", BASIC_RULESET, headers={**admin, "Content-Type": "application/yaml"},
                        timeout=30).status_code == 200
    events = generate_events(EVENTS, seed=9)
    bodies = [events[i:i + PER_REQUEST] for i in range(0, len(events), PER_REQUEST)]
    statuses: dict[int, int] = {}
    sent = threading.Event()
    progress = {"bodies": 0}

    # when the events arrive over HTTP; a 503 (Redis or the database busy) is retried as a client would
    def load():
        for body in bodies:
            post_until_answered(f"{base}/events", body, sender, statuses)
            progress["bodies"] += 1
        sent.set()

    thread = threading.Thread(target=load)
    thread.start()
    quarter = len(bodies) // 4
    # ... and Redis is flushed, then killed and restarted with its AOF, then killed and restarted empty
    disruptions = [(quarter, "flushall"), (2 * quarter, "kill, restart from AOF"), (3 * quarter, "kill, restart empty")]
    for at, what in disruptions:
        wait_for(lambda: progress["bodies"] >= at, timeout=size(120, 900), what=f"{at} requests sent")
        if what == "flushall":
            own.client().flushall()
        else:
            own.kill(keep_data="AOF" in what)
            time.sleep(1)
            own.restart()
    thread.join()
    recovered_from = time.monotonic()
    r = own.client()

    def settled() -> bool:
        scored = Event.objects.filter(scored_at__isnull=False).count() == EVENTS
        applied = r.get(APPLIED_BATCH)
        return scored and applied is not None and int(applied) == ledger_batch()

    wait_for(settled, timeout=size(120, 900), what="every event scored and the boards caught up")
    recovery_seconds = time.monotonic() - recovered_from

    # then no accepted event is lost, the ledger is one clean replay, and the boards match the ledger exactly
    assert statuses.get(500, 0) == 0 and set(statuses) <= {200, 202, 503}, statuses
    assert Event.objects.count() == EVENTS
    assert stored_ledger() == replayed_ledger()
    ruleset, _ = active_ruleset()
    batch = ledger_batch()
    assert check_boards(r, ruleset, batch).drift == 0
    live = board_snapshot(r)
    assert live, "the boards are back"
    rebuild_boards(r, ruleset, batch)
    assert board_snapshot(r) == live
    figures(events=EVENTS, requests=sum(statuses.values()), statuses=statuses, disruptions=len(disruptions),
            lost_events=EVENTS - Event.objects.count(), drift=0, settle_seconds=round(recovery_seconds, 1))
