"""Batches sent with `Prefer: respond-async`: checked at once, stored after the answer, nothing lost,
and the outcome of each batch readable at GET /event-batches/{id}."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from base.inbox import drain_inbox
from base.models import ApiKey, Event, EventBatch, Person
from engine.scoring import do_score_pending
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET, event


def send_async(api, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return api.client.post("/api/v1/events", data, content_type="application/json",
                           HTTP_PREFER=headers.pop("prefer", "respond-async"), **api._headers(), **headers)


def batch_status(api, batch_id):
    return api.get(f"/event-batches/{batch_id}")


def test_a_batch_is_answered_before_its_events_are_stored_and_its_outcome_is_readable(integration):
    # given
    events = [event("post", f"p{i}@example.com", id=f"async:{i}") for i in range(3)]

    # when
    answer = send_async(integration, events)

    # then the answer names the batch, and nothing is in the event log yet
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "received" and body["events"] == 3
    assert answer["Preference-Applied"] == "respond-async"
    assert answer["Location"] == body["status_url"] == f"/api/v1/event-batches/{body['batch']}"
    assert Event.objects.count() == 0
    # and reading the batch stores it first, so the answer is final
    status = batch_status(integration, body["batch"]).json()
    assert status["status"] == "stored" and status["accepted"] == 3 and status["duplicates"] == []
    assert status["error"] is None and status["expanded_at"] is not None
    assert sorted(Event.objects.values_list("source_id", flat=True)) == ["async:0", "async:1", "async:2"]
    assert EventBatch.objects.get(pk=body["batch"]).body == ""  # the events are the copy now


def test_an_event_of_a_batch_not_yet_stored_is_found_by_its_id(integration, reader):
    # given
    send_async(integration, [event("post", "ana@example.com", id="async:read-me", text="hello")])

    # when
    found = reader.get("/events/async:read-me")

    # then
    assert found.status_code == 200, found.content
    assert found.json()["text"] == "hello" and found.json()["status"] == "pending"


def test_invalid_events_are_refused_at_once_and_nothing_is_kept(integration):
    # given one good event and one without its time
    bad = [event("post", id="async:ok"), {"id": "async:bad", "type": "post", "actor": "ana@example.com"}]

    # when
    answer = send_async(integration, bad)

    # then the same 422 as without the preference, naming the item and field
    assert answer.status_code == 422
    assert {"path": "events[1].occurred_at", "message": "this field is required"} in answer.json()["details"]
    assert EventBatch.objects.count() == 0 and Event.objects.count() == 0


def test_a_conflict_found_at_expansion_refuses_the_batch_and_keeps_its_body(integration):
    # given an event already accepted
    assert integration.post("/events", [event("post", id="dup:1", text="first")]).status_code == 202

    # when a batch sends the same id with other content beside a new event
    batch = send_async(integration, [event("post", id="dup:2"), event("post", id="dup:1", text="changed")]).json()["batch"]

    # then nothing of the batch is stored, and the batch says why, as a synchronous request would have
    status = batch_status(integration, batch).json()
    assert status["status"] == "refused" and status["accepted"] is None
    assert status["error"]["error"] == "conflict"
    assert status["error"]["details"][0]["path"] == "events[1].id"
    assert not Event.objects.filter(source_id="dup:2").exists()
    assert json.loads(EventBatch.objects.get(pk=batch).body)[1]["text"] == "changed"


def test_duplicates_are_acknowledged_in_the_batch_and_never_stored_twice(integration):
    # given
    first = event("post", id="same:1")
    assert integration.post("/events", [first]).status_code == 202

    # when the same event comes again in a batch, with a new one
    batch = send_async(integration, [first, event("post", id="same:2")]).json()["batch"]

    # then
    status = batch_status(integration, batch).json()
    assert status["status"] == "stored" and status["accepted"] == 1 and status["duplicates"] == ["same:1"]
    assert Event.objects.filter(source_id__startswith="same:").count() == 2


def test_events_keep_the_order_their_requests_were_answered_in(integration):
    # given a batch received but not yet stored
    send_async(integration, [event("post", id="order:async")])

    # when a synchronous request comes after it
    assert integration.post("/events", [event("post", id="order:sync")]).status_code == 202

    # then the received batch went into the log first
    seqs = dict(Event.objects.values_list("source_id", "seq"))
    assert seqs["order:async"] < seqs["order:sync"]


def test_an_undo_of_an_event_in_an_earlier_batch_is_accepted(integration):
    # given a post received in one batch and its undo in the next, neither stored yet
    send_async(integration, [event("post", id="undo-me")])
    second = send_async(integration, [event("undo", target={"id": "undo-me"}, id="undo:1")]).json()["batch"]

    # when
    drain_inbox()

    # then
    assert batch_status(integration, second).json()["status"] == "stored"
    assert Event.objects.filter(source_id="undo:1", target_id="undo-me").exists()


def test_a_sender_sees_its_own_batches_and_readers_see_all(integration, reader, db):
    # given a batch of another integration key
    other = ApiKey.issue(name="other sender", role="integration")[1]
    answer = Client().post("/api/v1/events", json.dumps([event("post")]), content_type="application/json",
                           HTTP_PREFER="respond-async", HTTP_AUTHORIZATION=f"Bearer {other}")
    batch = answer.json()["batch"]

    # then
    assert batch_status(integration, batch).status_code == 404
    assert batch_status(reader, batch).json()["status"] == "stored"
    assert batch_status(reader, 999_999).status_code == 404
    assert batch_status(reader, 2 ** 70).status_code == 404
    assert batch_status(reader, "x").status_code == 422


def test_waiting_for_scores_and_not_waiting_at_all_cannot_be_asked_together(integration):
    answer = integration.client.post("/api/v1/events?wait=true", json.dumps([event("post")]),
                                     content_type="application/json", HTTP_PREFER="respond-async",
                                     **integration._headers())
    assert answer.status_code == 400
    assert "respond-async" in answer.json()["message"]
    assert EventBatch.objects.count() == 0


def test_other_preferences_beside_it_are_ignored_and_without_it_nothing_changes(integration):
    # given a Prefer header as RFC 7240 allows it: several preferences, any case
    answer = send_async(integration, [event("post", id="pref:1")], prefer="return=minimal, Respond-Async; x=1")
    assert answer.status_code == 202 and answer.json()["status"] == "received"
    # and a preference we do not know: the ordinary answer, per event
    plain = send_async(integration, [event("post", id="pref:2")], prefer="handling=lenient")
    assert plain.status_code == 202 and plain.json()["events"][0] == {"id": "pref:2", "status": "accepted", "awards": None}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32-le"])
def test_a_body_in_utf16_or_32_is_kept_so_that_it_expands_to_the_same_events(integration, encoding):
    # given a body in an encoding JSON parsing accepts besides UTF-8 (with or without a byte order
    # mark), with text beyond ASCII
    body = json.dumps([event("post", id=f"{encoding}:1", text="Grüße ✓ 😀")], ensure_ascii=False).encode(encoding)

    # when
    batch = send_async(integration, body).json()["batch"]

    # then
    assert batch_status(integration, batch).json()["status"] == "stored"
    assert Event.objects.get(source_id=f"{encoding}:1").text == "Grüße ✓ 😀"


def test_a_batch_that_cannot_be_expanded_is_set_aside_and_later_ones_go_on(integration):
    # given a kept body that no longer reads as JSON (a damaged row), then a good batch
    damaged = EventBatch.objects.create(body="[{not json", events=1)
    good = send_async(integration, [event("post", id="after-damage:1")]).json()["batch"]

    # when
    assert drain_inbox() == 2

    # then the damaged one is refused with its body kept, and the good one is stored
    damaged.refresh_from_db()
    assert damaged.status == "refused" and damaged.error["error"] == "expansion_failed"
    assert damaged.body == "[{not json"
    assert batch_status(integration, good).json()["status"] == "stored"


def test_erasure_stores_received_batches_first_and_empties_refused_ones_naming_the_person(admin, integration):
    # given one batch waiting with Zoe's post, and a refused one that names her
    assert integration.post("/events", [event("post", id="zoe:0", text="first")]).status_code == 202
    send_async(integration, [event("post", "zoe@example.com", id="zoe:1", text="my secret")])
    refused = send_async(integration, [event("post", id="zoe:0", text="thanks @zoe@example.com")]).json()["batch"]
    drain_inbox()
    assert EventBatch.objects.get(pk=refused).status == "refused"

    # when
    answer = admin.client.delete("/api/v1/people/zoe@example.com", **admin._headers())

    # then her event was stored and cleared, and the refused body naming her is gone
    assert answer.status_code == 200, answer.content
    assert answer.json()["report"]["refused_batches_emptied"] == 1
    assert Event.objects.get(source_id="zoe:1").text == ""
    assert EventBatch.objects.get(pk=refused).body == ""
    assert not Person.objects.filter(key="zoe@example.com").exists()


def test_a_worker_stores_and_scores_a_batch_without_anyone_asking(admin, integration, workers):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    workers.start()

    # when
    batch = send_async(integration, [event("post", "ana@example.com", id="worker:1")]).json()["batch"]

    # then
    wait_for(lambda: Person.objects.filter(key="ana@example.com", points=10).exists(), timeout=60,
             what="the worker to store and score the batch")
    assert EventBatch.objects.get(pk=batch).status == "stored"


def test_scoring_stores_received_batches_before_it_scores(admin, integration):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    send_async(integration, [event("post", "ana@example.com", id="scored:1")])

    # when
    scored = do_score_pending()

    # then
    assert scored == 1
    assert Person.objects.get(key="ana@example.com").points == 10


def test_a_batch_is_received_and_kept_while_redis_is_down(integration, settings, django_capture_on_commit_callbacks):
    # given Redis unreachable (the key check and the batch need only the database)
    from base import redis as engine_redis

    settings.REDIS_URL = "unix:///nonexistent/redis.sock"
    engine_redis._client.cache_clear()
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            answer = send_async(integration, [event("post", id="kept:1")])
    finally:
        engine_redis._client.cache_clear()

    # then it is received, and stored by the next run that expands the inbox
    assert answer.status_code == 202, answer.content
    assert EventBatch.objects.get(pk=answer.json()["batch"]).status == "received"
    assert drain_inbox() == 1
    assert Event.objects.filter(source_id="kept:1").exists()


def test_health_and_metrics_show_batches_waiting_and_refused(integration, anonymous, client):
    # given one batch refused (it conflicts with a stored event) and one still waiting
    assert integration.post("/events", [event("post", id="watch:1", text="a")]).status_code == 202
    send_async(integration, [event("post", id="watch:1", text="b")])
    drain_inbox()
    send_async(integration, [event("post", id="watch:2")])

    # when
    health = anonymous.get("/healthz").json()
    metrics = client.get("/metrics").content.decode()

    # then
    assert health["received_batches"] == 1
    assert "plaudit_event_batches_received 1.0" in metrics
    assert "plaudit_event_batches_refused 1.0" in metrics


def test_an_admin_retries_a_batch_set_aside_by_a_bug_once_it_is_fixed(admin, integration, monkeypatch):
    # given a batch our own code failed to expand (a bug, injected: nothing else can make it fail)
    from base import inbox

    def broken(_events):
        raise RuntimeError("a bug")

    monkeypatch.setattr(inbox, "store_events", broken)
    batch = send_async(integration, [event("post", id="retry:1"), event("post", id="retry:2")]).json()["batch"]
    assert batch_status(integration, batch).json()["error"]["error"] == "expansion_failed"
    monkeypatch.undo()  # the fix is deployed

    # when
    answer = admin.post(f"/event-batches/{batch}/retry", {})

    # then it is back in line, and stored as soon as anyone reads it
    assert answer.status_code == 202, answer.content
    assert answer.json()["status"] == "received" and answer.json()["error"] is None
    status = batch_status(integration, batch).json()
    assert status["status"] == "stored" and status["accepted"] == 2
    assert sorted(Event.objects.values_list("source_id", flat=True)) == ["retry:1", "retry:2"]
    # and a stored batch cannot be retried, nor one that does not exist
    again = admin.post(f"/event-batches/{batch}/retry", {})
    assert again.status_code == 409 and again.json()["error"] == "not_retryable"
    assert again.json()["message"] == (f"event batch {batch} is stored and keeps no body; "
                                       "only a refused batch that still has its body can be retried")
    assert admin.post("/event-batches/99999999999999999999/retry", {}).status_code == 404
