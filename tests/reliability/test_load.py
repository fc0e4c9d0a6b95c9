"""Concurrent clients on loopback mixing ingest and reads against the served stack: no errors, latencies reported."""

from __future__ import annotations

import random
import statistics
import threading
import time

import pytest
import requests

from base.models import ApiKey, Event
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.test_scorer_reliability import generate_events

from .conftest import size
from .stack import running_stack

CLIENTS = size(20, 200)
SECONDS = size(5, 60)
INGEST_SHARE = 0.2
EVENTS_PER_REQUEST = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@pytest.mark.worker
def test_concurrent_clients_mixing_ingest_and_reads_see_no_errors(transactional_db, redis, figures):
    # Rate limits off: every client here shares one key, which the limits would rightly slow down.
    with running_stack(web_workers=4, RATE_LIMIT_INGEST_PER_MINUTE="0", RATE_LIMIT_READS_PER_MINUTE="0") as (_, base):
        admin = {"Authorization": f"Bearer {ApiKey.issue(name='admin', role='admin')[1]}"}
        reader = {"Authorization": f"Bearer {ApiKey.issue(name='reader', role='reader')[1]}"}
        sender = {"Authorization": f"Bearer {ApiKey.issue(name='load', role='integration')[1]}"}
        assert requests.put(f"{base}/ruleset", BASIC_RULESET, headers={**admin, "Content-Type": "application/yaml"},
                            timeout=30).status_code == 200
        # given boards with some history
        history = generate_events(2000, seed=21)
        for i in range(0, len(history), 500):
            assert requests.post(f"{base}/events", json=history[i:i + 500], headers=sender, timeout=60).status_code == 202
        wait_for(lambda: Event.objects.filter(scored_at__isnull=True).count() == 0, timeout=120, what="history scored")
        people = sorted({e["actor"]["id"] for e in history})

        # when many clients send events and read boards and people at once for a while
        latencies: dict[str, list[float]] = {"ingest": [], "read": []}
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS
        fresh = iter(range(10**9))

        def client(n: int):
            rng = random.Random(n)
            session = requests.Session()
            while time.monotonic() < deadline:
                if rng.random() < INGEST_SHARE:
                    with lock:
                        ids = [next(fresh) for _ in range(EVENTS_PER_REQUEST)]
                    body = [{"id": f"load:{i}", "type": "post", "occurred_at": "2026-11-26T10:00:00+01:00",
                             "actor": rng.choice(people), "channel": "a", "text": "a post under load"} for i in ids]
                    kind, what = "ingest", "POST /events"
                    call = lambda: session.post(f"{base}/events", json=body, headers=sender, timeout=60)
                else:
                    path = rng.choice(["/leaderboards/all-time?limit=10", f"/leaderboards/weekly?around={rng.choice(people)}",
                                       f"/people/{rng.choice(people)}", "/leaderboards/teams?scope=team-1&limit=10"])
                    kind, what = "read", f"GET {path}"
                    call = lambda: session.get(f"{base}{path}", headers=reader, timeout=60)
                started = time.perf_counter()
                try:
                    response = call()
                    ok = response.status_code < 400
                    problem = f"{what}: {response.status_code} {response.text[:200]}"
                except requests.RequestException as exc:
                    ok, problem = False, f"{what}: {type(exc).__name__}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if not ok:
                        errors.append(problem)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        # then no request failed, and every accepted event gets scored
        assert errors == [], errors[:10]
        wait_for(lambda: Event.objects.filter(scored_at__isnull=True).count() == 0, timeout=size(120, 600),
                 what="the load's events scored")
        requests_made = sum(len(v) for v in latencies.values())
        figures(clients=CLIENTS, seconds=SECONDS, requests=requests_made, errors=len(errors),
                requests_per_second=round(requests_made / SECONDS, 1),
                **{f"{kind}_{name}_ms": round(fn(values), 1) for kind, values in latencies.items() if values
                   for name, fn in (("p50", statistics.median), ("p99", lambda v: percentile(v, 0.99)))})
