"""The batch path of POST /api/v1/events: what its shortcuts (one validation call, plain SQL look-ups,
people created by one executemany, an answer rendered without re-validation) must keep."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.utils import timezone

from base.models import Event, Person
from tests.helpers import event


def test_the_answer_to_a_batch_is_exactly_what_ingest_out_documents(integration, reader):
    # given a batch with a fresh event, the same event again and a second fresh one
    from engine.routers.events import IngestOut

    first, second = event("post"), event("comment")
    # when
    response = integration.post("/events", [first, first, second])
    # then the JSON is IngestOut's, as ninja would have rendered it, with the API's content type
    assert response.status_code == 202, response.content
    assert response["Content-Type"] == reader.get(f"/events/{first['id']}")["Content-Type"]
    answer = response.json()
    assert IngestOut.model_validate(answer).model_dump(mode="json") == answer
    assert answer == {"accepted": 2, "duplicates": 1, "scored": False, "events": [
        {"id": first["id"], "status": "accepted", "awards": None},
        {"id": first["id"], "status": "duplicate", "awards": None},
        {"id": second["id"], "status": "accepted", "awards": None}]}


def test_look_ups_split_into_chunks_find_every_person_and_event(integration, reader, monkeypatch):
    # given look-ups of 7 values at a time (really 5,000: a batch may name 100,000 people, more
    # than PostgreSQL's 65,535 query parameters), and a batch naming 40 people, 3 known already
    from base import ingest

    monkeypatch.setattr(ingest, "LOOKUP_CHUNK", 7)
    known = [event("post", f"p{i}", id=f"known-{i}") for i in range(3)]
    assert integration.post("/events", known).status_code == 202
    batch = known + [event("shoutout", f"p{i}", mentions=[f"p{i + 20}"]) for i in range(20)]
    # when
    response = integration.post("/events", batch)
    # then the known events are duplicates, and every event and person is stored once
    assert response.status_code == 202, response.content[:300]
    assert (response.json()["accepted"], response.json()["duplicates"]) == (20, 3)
    assert Person.objects.filter(key__startswith="p").count() == 40
    assert reader.get(f"/events/{batch[-1]['id']}").json()["mentions"] == ["p39"]


def test_people_created_by_ingest_have_the_defaults_of_any_new_person(integration):
    # given
    reference = Person.objects.create(key="made-by-the-orm")
    # when
    assert integration.post("/events", [event("post", {"id": "ana@example.com", "name": "Ana", "team": "Data"}),
                                        event("post", "bob@example.com", mentions=["carol@example.com"])]).status_code == 202
    # then every column but the person's own has the model's default
    own = {"id", "key", "name", "team", "created_at"}
    columns = [f.attname for f in Person._meta.concrete_fields if f.attname not in own]
    expected = {c: getattr(reference, c) for c in columns}
    for key in ("ana@example.com", "bob@example.com", "carol@example.com"):
        person = Person.objects.get(key=key)
        assert {c: getattr(person, c) for c in columns} == expected, key
        assert abs(person.created_at - timezone.now()) < timedelta(minutes=1)
    assert (Person.objects.get(key="ana@example.com").name, Person.objects.get(key="ana@example.com").team) == ("Ana", "Data")


def test_within_a_batch_the_last_name_and_the_last_team_given_win_each_on_its_own(integration, reader):
    # given one person named three times in a batch: name and team, then a team only, then a bare id
    batch = [event("post", {"id": "ana@example.com", "name": "Ana Ruiz", "team": "Data"}),
             event("post", {"id": "ana@example.com", "team": "Analytics"}),
             event("post", "ana@example.com")]
    # when
    assert integration.post("/events", batch).status_code == 202
    # then the name of the first and the team of the second are kept
    ana = reader.get("/people/ana@example.com").json()
    assert (ana["name"], ana["team"]) == ("Ana Ruiz", "Analytics")


def test_a_person_another_request_created_meanwhile_is_kept_not_duplicated(db):
    # given a person created between ingest's look-up and its insert (another request, say)
    from base.ingest import _insert_people

    Person.objects.create(key="ana@example.com", name="Ana", team="Data")
    # when ingest inserts the same key
    _insert_people([("ana@example.com", "Someone", "Else"), ("bob@example.com", None, None)])
    # then the first row stands, alone, and the other key is created
    assert list(Person.objects.filter(key="ana@example.com").values_list("name", "team")) == [("Ana", "Data")]
    assert Person.objects.filter(key="bob@example.com").exists()


def test_an_undo_without_target_in_an_otherwise_valid_batch_is_named_at_its_index(integration, reader):
    # given a valid batch but for an undo that names nothing
    batch = [event("post"), event("post"), event("undo")]
    # when
    response = integration.post("/events", batch)
    # then
    assert response.status_code == 422, response.content
    assert [d["path"] for d in response.json()["details"]] == ["events[2].target"]
    assert reader.get(f"/events/{batch[0]['id']}").status_code == 404


def test_a_batch_repeated_with_its_idempotency_key_gets_the_first_answer_again(integration):
    # given a batch sent with an Idempotency-Key
    body = json.dumps([event("post"), event("comment")])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {integration.key}", "HTTP_IDEMPOTENCY_KEY": "batch-7"}
    first = integration.client.post("/api/v1/events", body, content_type="application/json", **headers)
    # when it is sent again with the same key
    again = integration.client.post("/api/v1/events", body, content_type="application/json", **headers)
    # then the first answer is replayed (both accepted), not a fresh one (both duplicates)
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert [e["status"] for e in again.json()["events"]] == ["accepted", "accepted"]
    assert again["Content-Type"] == first["Content-Type"]


def test_the_garbage_collector_is_on_again_after_a_batch_whatever_its_fate(integration):
    # given batches that are accepted, refused by validation, and refused as a conflict
    import gc

    accepted = event("post")
    conflicting = dict(accepted, text="other content")
    # when / then
    for body, status in (([accepted], 202), ([event("post", at="2026-11-25T10:00:00")], 422), ([conflicting], 409),
                         ('[{"id": "cut off', 400)):
        assert integration.post("/events", body).status_code == status
        assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off(integration):
    # given a process that runs without the cyclic collector
    import gc

    gc.disable()
    try:
        # when
        assert integration.post("/events", [event("post")]).status_code == 202
        # then
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_times_are_stored_exactly_as_the_orm_stores_them(integration):
    # given an event whose time has an offset and microseconds
    sent = event("post", at="2026-11-25T10:15:30.123456+05:30")
    # when
    before = timezone.now()
    assert integration.post("/events", [sent]).status_code == 202
    # then the columns hold what the model's fields write for the same instants: the ORM finds the
    # event by them (on SQLite, where times are text, only if the text is the same to the character)
    instant = datetime(2026, 11, 25, 4, 45, 30, 123456, tzinfo=dt_timezone.utc)
    stored = Event.objects.get(source_id=sent["id"])
    assert stored.occurred_at == instant
    assert Event.objects.filter(source_id=sent["id"], occurred_at=instant, received_at=stored.received_at).exists()
    assert Event.objects.filter(occurred_at__gte=instant, occurred_at__lt=instant + timedelta(microseconds=1)).count() == 1
    assert before <= stored.received_at <= timezone.now()


# The queries that read the event log by something else than seq or id, and the index each uses:
# target_id (undo checks, replies and likes of a post), occurred_at (digests, simulation windows,
# recompute and export --since), actor and target_author (privacy export and erasure, merge, and
# the PROTECT check when a merged person is deleted). Nothing reads it by type alone.
def test_the_event_log_is_indexed_for_its_queries_and_not_by_type(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Event._meta.db_table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    assert {("source_id",), ("target_id",), ("occurred_at",), ("actor_id",), ("target_author_id",)} <= indexed
    assert ("type",) not in indexed


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="reads SQLite's query plans; PostgreSQL plans by table statistics")
def test_queries_that_name_a_type_are_served_by_another_index(db):
    week = (datetime(2026, 11, 23, tzinfo=dt_timezone.utc), datetime(2026, 11, 30, tzinfo=dt_timezone.utc))
    queries = {
        "an undo of this event, scored": Event.objects.filter(type="undo", target_id="post-1", scored_at__isnull=False),
        "undos of these events": Event.objects.filter(type="undo", target_id__in=["post-1", "post-2"]),
        "replies and likes of these posts": Event.objects.filter(target_id__in=["post-1"], type__in=["reaction", "comment"]),
        "a week's posts": Event.objects.filter(type="post", occurred_at__gte=week[0], occurred_at__lt=week[1]),
    }
    for what, query in queries.items():
        plan = query.explain()
        assert "USING INDEX" in plan and "SCAN" not in plan, f"{what}: {plan}"
