"""GET /metrics: readiness gauges, and counters that count (requests, events, notifications), against a real Redis."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from base.accept import do_accept_events
from engine.scoring import do_score_pending
from notifications import keys as notification_keys
from tests.helpers import BASIC_RULESET, event


def scrape(client) -> dict[tuple[str, tuple], float]:
    text = client.get("/metrics").content.decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_requests_are_counted_by_route_pattern_and_status_with_their_latency(admin, reader, client):
    # given a found person, two unknown ones and a path no route matches
    do_accept_events([event("post", "ana@example.com", id="m1")])
    assert reader.get("/people/ana@example.com").status_code == 200
    assert reader.get("/people/nobody@example.com").status_code == 404
    assert reader.get("/people/nobody-else@example.com").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    # when
    samples = scrape(client)
    # then the route is the pattern, not the person's id, with method and status
    route = "api/v1/people/<person_id>"
    assert not any("ana@example.com" in str(labels) for _, labels in samples)
    assert samples[("plaudit_http_requests_total", (("method", "GET"), ("route", route), ("status", "200")))] == 1
    assert samples[("plaudit_http_requests_total", (("method", "GET"), ("route", route), ("status", "404")))] == 2
    assert samples[("plaudit_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    # and a latency histogram by route, whose count is the route's requests
    assert samples[("plaudit_http_request_duration_seconds_count", (("route", route),))] == 3
    assert samples[("plaudit_http_request_duration_seconds_bucket", (("le", "+Inf"), ("route", route)))] == 3
    assert samples[("plaudit_http_request_duration_seconds_sum", (("route", route),))] > 0


def test_events_accepted_and_scored_are_counters(admin, client):
    # given three events accepted, then scored, then one more accepted
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", [event("post", "ana@example.com", id=f"e{i}") for i in range(3)]).status_code == 202
    do_score_pending()
    assert admin.post("/events", [event("post", "bob@example.com", id="e9")]).status_code == 202
    # when
    samples = scrape(client)
    # then
    assert samples[("plaudit_events_total", (("outcome", "accepted"),))] == 4
    assert samples[("plaudit_events_total", (("outcome", "scored"),))] == 3
    assert samples[("plaudit_events_pending", ())] == 1


def test_notification_outcomes_are_counters(client, db, redis):
    # given outcomes counted by the outbox
    redis.set(notification_keys.delivery_count("delivered"), 5)
    redis.set(notification_keys.delivery_count("retried"), 2)
    redis.set(notification_keys.delivery_count("dead"), 1)
    # when
    samples = scrape(client)
    # then
    assert samples[("plaudit_notifications_total", (("outcome", "delivered"),))] == 5
    assert samples[("plaudit_notifications_total", (("outcome", "retried"),))] == 2
    assert samples[("plaudit_notifications_total", (("outcome", "dead"),))] == 1


def test_readiness_checks_are_gauges(client, db, redis):
    # given no worker: everything answers but nobody scores
    samples = scrape(client)
    assert samples[("plaudit_ready", ())] == 0
    assert samples[("plaudit_ready_check", (("check", "database"),))] == 1
    assert samples[("plaudit_ready_check", (("check", "redis"),))] == 1
    assert samples[("plaudit_ready_check", (("check", "boards"),))] == 1
    assert samples[("plaudit_ready_check", (("check", "workers"),))] == 0
    assert samples[("plaudit_ready_check", (("check", "scoring_lag"),))] == 1
    assert samples[("plaudit_workers_alive", ())] == 0
