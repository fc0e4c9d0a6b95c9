"""HTTP batch ingest, 1,000 events a request: POST /api/v1/events against a bare endpoint that only validates.

Both go through Django's test client (the full WSGI handler and middleware, no socket), with
the same 1,000-event bodies, interleaved request by request so both see the same machine noise.
Ours also authenticates the key, rate-limits, checks for duplicates and stores the events and
people; the bare endpoint only parses and validates.
"""

from __future__ import annotations

import json
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
    ours = bare = 0.0
    with override_settings(ROOT_URLCONF="bench.urls"):
        for body in bodies[:1]:
            client.post("/bench/bare/events", body, content_type="application/json")
            client.post("/api/v1/events", body, content_type="application/json", **auth)
        for body in bodies[1:]:
            started = time.perf_counter()
            answer = client.post("/bench/bare/events", body, content_type="application/json")
            bare += time.perf_counter() - started
            assert answer.status_code == 200, answer.content[:300]
            started = time.perf_counter()
            answer = client.post("/api/v1/events", body, content_type="application/json", **auth)
            ours += time.perf_counter() - started
            assert answer.status_code in (200, 202), answer.content[:300]
    stored = Event.objects.count()
    assert stored == (requests + 1) * batch, f"stored {stored} of {(requests + 1) * batch}"
    total = requests * batch
    return {
        "figures": [
            Figure(f"POST /api/v1/events, {batch:,} events a request", total / ours, total / bare, "events/s",
                   "bare django-ninja endpoint that only validates", target=0.6),
        ],
        "details": {"requests": requests, "ours_ms_per_request": round(ours / requests * 1000, 1),
                    "bare_ms_per_request": round(bare / requests * 1000, 1)},
    }
