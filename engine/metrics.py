"""GET /metrics for Prometheus: readiness, scoring backlog, board freshness, the last drift check,
and counters: HTTP requests (by route and status, with latency), events accepted and scored,
notifications delivered, retried and dead.

Only counts and states, nothing about people, so it needs no key (scrape it from inside
your network).
"""

from __future__ import annotations

import json

from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily

from leaderboards import keys, store

from base.models import Event, EventBatch
from base.redis import get_redis
from base.ledger import ledger_batch
from notifications.outbox import delivery_counts

from .readiness import readiness
from . import request_metrics


class _Counters:
    """Counters whose totals live elsewhere (the database, Redis), read at scrape time."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        yield from self.families


def metrics_view(request):
    registry = CollectorRegistry()

    def gauge(name: str, text: str, value: float) -> None:
        Gauge(name, text, registry=registry).set(value)

    state = readiness()
    gauge("plaudit_ready", "1 when GET /readyz answers 200", int(state["ready"]))
    check = Gauge("plaudit_ready_check", "1 when this readiness check passes", ["check"], registry=registry)
    for name, result in state["checks"].items():
        check.labels(name).set(int(result["ok"]))
    gauge("plaudit_workers_alive", "RQ workers alive: process there, not wedged", state["checks"]["workers"].get("alive", 0))
    gauge("plaudit_scoring_lag_seconds", "How long the oldest event waiting for scoring has waited",
          state["checks"]["scoring_lag"].get("oldest_pending_seconds", -1))

    events = CounterMetricFamily("plaudit_events", "Events by what happened to them", labels=["outcome"])
    # Every stored event was accepted once; rows erased with a person leave the count.
    events.add_metric(["accepted"], Event.objects.count())
    events.add_metric(["scored"], Event.objects.filter(scored_at__isnull=False).count())
    families = [events]

    gauge("plaudit_events_pending", "Accepted events not yet scored", Event.objects.filter(scored_at__isnull=True).count())
    batches = dict(EventBatch.objects.exclude(status=EventBatch.STORED).values_list("status").annotate(n=Count("id")))
    gauge("plaudit_event_batches_received", "Batches sent with respond-async whose events are not stored yet",
          batches.get(EventBatch.RECEIVED, 0))
    gauge("plaudit_event_batches_refused", "Batches sent with respond-async refused at expansion, kept 7 days",
          batches.get(EventBatch.REFUSED, 0))
    batch = ledger_batch()
    gauge("plaudit_ledger_batch", "The last scoring batch committed to the ledger", batch)
    try:
        r = get_redis()
        applied = store.applied_batch(r)
        drift = json.loads(r.get(keys.DRIFT) or "null")
        from rq import Worker

        workers = len(Worker.all(connection=r))
        redis_up = 1
        notifications = CounterMetricFamily("plaudit_notifications", "Notification deliveries by outcome",
                                            labels=["outcome"])
        for outcome, n in delivery_counts(r).items():
            notifications.add_metric([outcome], n)
        families.append(notifications)
        families.extend(request_metrics.metric_families(r))
    except Exception:  # Redis down: report it rather than fail the scrape
        applied, drift, workers, redis_up = None, None, 0, 0
    registry.register(_Counters(families))
    gauge("plaudit_redis_up", "1 when Redis answers", redis_up)
    gauge("plaudit_workers", "RQ workers registered in Redis", workers)
    gauge("plaudit_boards_applied_batch", "The last scoring batch on the Redis boards (-1: none)",
          -1 if applied is None else applied)
    gauge("plaudit_boards_behind_batches", "Batches in the ledger not yet on the boards", max(0, batch - (applied or 0)))
    gauge("plaudit_board_drift", "Board entries that differed from the ledger at the last check (-1: never checked)",
          -1 if drift is None else drift["drift"])
    gauge("plaudit_board_drift_checked_timestamp_seconds", "When the last drift check ran (0: never)",
          0 if drift is None else drift["checked_at"])
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
