"""Counts HTTP requests by route, method and status, with a latency histogram, for /metrics.

The counts live in Redis (engine/keys.py), not in the process: gunicorn's workers and `serve`'s
processes each answer part of the traffic, and one scrape must see all of it. Each request costs
one pipelined round trip; when Redis does not answer, the request is answered and not counted.

The route is the URL pattern that matched (`api/v1/people/<str:person_id>`), never the raw path,
so people's ids never become label values; a path no pattern matched counts as `unmatched`.
"""

from __future__ import annotations

import logging
import time

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

from base.redis import get_redis

from . import keys

log = logging.getLogger(__name__)

# Upper bounds in seconds (Prometheus' defaults, without the 7.5 s step); the last bucket is +Inf.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None) if match is not None else None
    return route or UNMATCHED


def bucket_index(seconds: float) -> int:
    for i, bound in enumerate(BUCKETS):
        if seconds <= bound:
            return i
    return len(BUCKETS)


def record(r, method: str, route: str, status: int, seconds: float) -> None:
    pipe = r.pipeline(transaction=False)
    pipe.hincrby(keys.HTTP_REQUESTS, f"{method} {route} {status}", 1)
    pipe.hincrby(keys.HTTP_LATENCY_BUCKETS, f"{route}\t{bucket_index(seconds)}", 1)
    pipe.hincrbyfloat(keys.HTTP_LATENCY_SUM, route, seconds)
    pipe.execute()


# After Redis fails to take a count, requests are not counted for this long: an unreachable Redis
# costs its connect timeout, and one request paying it in a while is enough.
PAUSE_AFTER_FAILURE_SECONDS = 5.0


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.paused_until = 0.0

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        now = time.perf_counter()
        if now < self.paused_until:
            return response
        try:
            record(get_redis(), request.method, route_of(request), response.status_code, now - start)
        except Exception as exc:  # metrics never cost a request its answer
            self.paused_until = time.perf_counter() + PAUSE_AFTER_FAILURE_SECONDS
            log.debug("request not counted: %s", exc)
        return response


def metric_families(r) -> list:
    """The counts in Redis, read now, as a counter and a histogram."""
    requests = CounterMetricFamily("plaudit_http_requests", "HTTP requests answered, by route pattern, method and status",
                                   labels=["route", "method", "status"])
    latency = HistogramMetricFamily("plaudit_http_request_duration_seconds",
                                    "Time to answer HTTP requests, by route pattern", labels=["route"])
    counts = r.hgetall(keys.HTTP_REQUESTS)
    for field, value in sorted(counts.items()):
        method, _, rest = field.decode().partition(" ")
        route, _, status = rest.rpartition(" ")
        requests.add_metric([route, method, status], float(value))
    per_route: dict[str, list[int]] = {}
    for field, value in r.hgetall(keys.HTTP_LATENCY_BUCKETS).items():
        route, _, index = field.decode().rpartition("\t")
        per_route.setdefault(route, [0] * (len(BUCKETS) + 1))[int(index)] += int(value)
    sums = {k.decode(): float(v) for k, v in r.hgetall(keys.HTTP_LATENCY_SUM).items()}
    for route, buckets in sorted(per_route.items()):
        cumulative, running = [], 0
        for bound, n in zip([*map(str, BUCKETS), "+Inf"], buckets):
            running += n
            cumulative.append((bound, running))
        latency.add_metric([route], cumulative, sums.get(route, 0.0))
    return [requests, latency]
