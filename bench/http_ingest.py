"""HTTP batch ingest, 1,000 events a request: POST /api/v1/events against a bare endpoint that only validates.

Both go through Django's test client (the full WSGI handler and middleware, no socket), with
the same 1,000-event bodies, interleaved request by request (each first every other time) so
both see the same machine noise. Besides the figure (wall time, means), the details give the
medians and the medians of this process's CPU time, which other work on the machine moves less.
Ours also authenticates the key, rate-limits, checks for duplicates and stores the events and
people; the bare endpoint only parses and validates.
"""

from __future__ import annotations

import json
import statistics
import time

from . import workload
from .report import Figure

REQUESTS = 40
BATCH = 1000


def run(ctx) -> dict:
    from django.test import Client, override_settings

    from engine.models import ApiKey, Event

    requests = ctx.size(REQUESTS, 2)
    batch = ctx.size(BATCH, 50)
    key = ApiKey.issue(name="bench", role="integration")[1]
    # One more body than timed: the first warms both paths up, untimed.
    bodies = [json.dumps(workload.events(batch, start=i * batch, total=(requests + 1) * batch))
              for i in range(requests + 1)]
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def bare(body):
        answer = client.post("/bench/bare/events", body, content_type="application/json")
        assert answer.status_code == 200, answer.content[:300]

    def ours(body):
        answer = client.post("/api/v1/events", body, content_type="application/json", **auth)
        assert answer.status_code in (200, 202), answer.content[:300]

    times = {bare: [], ours: []}
    cpu = {bare: [], ours: []}  # this process's CPU time: less moved by other work on a shared machine
    with override_settings(ROOT_URLCONF="bench.urls"):
        for body in bodies[:1]:
            bare(body)
            ours(body)
        for i, body in enumerate(bodies[1:]):
            # Each goes first every other time, so neither always inherits the other's garbage to collect.
            for send in ((bare, ours) if i % 2 == 0 else (ours, bare)):
                started, started_cpu = time.perf_counter(), time.process_time()
                send(body)
                times[send].append(time.perf_counter() - started)
                cpu[send].append(time.process_time() - started_cpu)
    ours_total, bare_total = sum(times[ours]), sum(times[bare])
    stored = Event.objects.count()
    assert stored == (requests + 1) * batch, f"stored {stored} of {(requests + 1) * batch}"
    total = requests * batch
    return {
        "figures": [
            Figure(f"POST /api/v1/events, {batch:,} events a request", total / ours_total, total / bare_total, "events/s",
                   "bare django-ninja endpoint that only validates", target=0.6),
        ],
        "details": {"requests": requests, "ours_ms_per_request": round(ours_total / requests * 1000, 1),
                    "bare_ms_per_request": round(bare_total / requests * 1000, 1),
                    "ours_median_ms": round(statistics.median(times[ours]) * 1000, 1),
                    "bare_median_ms": round(statistics.median(times[bare]) * 1000, 1),
                    "ours_cpu_median_ms": round(statistics.median(cpu[ours]) * 1000, 1),
                    "bare_cpu_median_ms": round(statistics.median(cpu[bare]) * 1000, 1),
                    "cpu_median_ratio": round(statistics.median(cpu[bare]) / statistics.median(cpu[ours]), 3)},
    }
