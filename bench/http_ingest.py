"""HTTP batch ingest, 1,000 events a request: POST /api/v1/events against a bare endpoint that only validates.

Our endpoint is measured two ways, each with its own event ids:
- with `Prefer: respond-async`, the bulk way: it authenticates the key, rate-limits, validates the
  events and commits the body as one row; the events are stored after the answer (engine/inbox.py),
  and that later work is timed too and reported beside the figure;
- answered per event (the default): it also tells duplicates from conflicts and stores the events
  and people before it answers.
All three go through Django's test client (the full WSGI handler and middleware, no socket), with
1,000-event bodies of the same workload, interleaved request by request (the order rotating) so
all see the same machine noise. Besides the figures (wall time, means), the details give the
medians and the medians of this process's CPU time, which other work on the machine moves less.
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

    from base.inbox import drain_inbox
    from base.models import ApiKey, Event

    requests = ctx.size(REQUESTS, 2)
    batch = ctx.size(BATCH, 50)
    key = ApiKey.issue(name="bench", role="integration")[1]
    # One more body each than timed: the first warms the paths up, untimed.
    total = 2 * (requests + 1) * batch
    bodies = [json.dumps(workload.events(batch, start=i * batch, total=total)) for i in range(2 * (requests + 1))]
    per_event_bodies, async_bodies = bodies[0::2], bodies[1::2]
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def bare(i):
        answer = client.post("/bench/bare/events", per_event_bodies[i], content_type="application/json")
        assert answer.status_code == 200, answer.content[:300]

    def per_event(i):
        answer = client.post("/api/v1/events", per_event_bodies[i], content_type="application/json", **auth)
        assert answer.status_code == 202 and answer.json()["accepted"] == batch, answer.content[:300]

    def bulk(i):
        answer = client.post("/api/v1/events", async_bodies[i], content_type="application/json",
                             HTTP_PREFER="respond-async", **auth)
        assert answer.status_code == 202 and answer.json()["status"] == "received", answer.content[:300]

    endpoints = (bare, per_event, bulk)
    times = {send: [] for send in endpoints}
    expansion = []
    cpu = {send: [] for send in endpoints}  # this process's CPU time: less moved by other work on a shared machine
    with override_settings(ROOT_URLCONF="bench.urls"):
        for send in endpoints:
            send(0)
        drain_inbox()  # the warm-up batch: the timed expansion below is of the timed requests only
        for i in range(1, requests + 1):
            # The order rotates, so no endpoint always inherits another's garbage to collect.
            for send in endpoints[i % 3:] + endpoints[:i % 3]:
                started, started_cpu = time.perf_counter(), time.process_time()
                send(i)
                times[send].append(time.perf_counter() - started)
                cpu[send].append(time.process_time() - started_cpu)
                if send is bulk:
                    # Expanded at once, timed on its own: else the next request answered per event
                    # would expand it first (events keep the order of their requests) and pay for it.
                    started = time.perf_counter()
                    assert drain_inbox() == 1
                    expansion.append(time.perf_counter() - started)
    stored = Event.objects.count()
    assert stored == total, f"stored {stored} of {total}"
    timed = requests * batch
    ms = {send: round(sum(times[send]) / requests * 1000, 1) for send in endpoints}
    return {
        "figures": [
            Figure(f"POST /api/v1/events, {batch:,} events a request, Prefer: respond-async", timed / sum(times[bulk]),
                   timed / sum(times[bare]), "events/s", "bare django-ninja endpoint that only validates", target=0.6),
            Figure(f"POST /api/v1/events, {batch:,} events a request, answered per event", timed / sum(times[per_event]),
                   timed / sum(times[bare]), "events/s", "bare django-ninja endpoint that only validates"),
        ],
        "details": {"requests": requests, "bare_ms_per_request": ms[bare], "ours_ms_per_request": ms[per_event],
                    "async_ms_per_request": ms[bulk],
                    "async_expansion_ms_per_batch": round(sum(expansion) / requests * 1000, 1),
                    "bare_median_ms": round(statistics.median(times[bare]) * 1000, 1),
                    "ours_median_ms": round(statistics.median(times[per_event]) * 1000, 1),
                    "async_median_ms": round(statistics.median(times[bulk]) * 1000, 1),
                    "bare_cpu_median_ms": round(statistics.median(cpu[bare]) * 1000, 1),
                    "ours_cpu_median_ms": round(statistics.median(cpu[per_event]) * 1000, 1),
                    "async_cpu_median_ms": round(statistics.median(cpu[bulk]) * 1000, 1),
                    "cpu_median_ratio": round(statistics.median(cpu[bare]) / statistics.median(cpu[per_event]), 3),
                    "async_cpu_median_ratio": round(statistics.median(cpu[bare]) / statistics.median(cpu[bulk]), 3)},
    }
