"""Ingest over the API: POST /api/v1/events validates, stores idempotently and atomically, then scoring follows."""

from __future__ import annotations

import json

import pytest

from base.ingest import MAX_BATCH
from rules.core.eventschema import MAX_ATTRIBUTES_BYTES
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event

ENVELOPE_KEYS = {"error", "message", "details"}


def assert_error(response, status: int) -> dict:
    """A JSON error in the one envelope: a code, a human message and, when there is something to list, details."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= ENVELOPE_KEYS, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body.get("details", []), list)
    return body


def detail_paths(body: dict) -> set[str]:
    return {d["path"] for d in body.get("details", [])}


def assert_not_stored(api, *event_ids: str) -> None:
    for event_id in event_ids:
        response = api.get(f"/events/{event_id}")
        assert response.status_code == 404, f"{event_id} was stored: {response.content!r}"


def points_of(api, person_id: str) -> int:
    response = api.get(f"/people/{person_id}")
    assert response.status_code == 200, response.content
    return response.json()["points"]


# --- accepting a valid event -------------------------------------------------------------------


def test_a_valid_event_is_accepted_then_scored(admin, integration, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = event("post", "ana@example.com", channel="learning-python")

    # when
    response = integration.post("/events", body)

    # then
    assert response.status_code == 202, response.content
    accepted = response.json()
    assert accepted["accepted"] == 1
    assert accepted["duplicates"] == 0
    assert accepted["scored"] is False
    assert [(e["id"], e["status"]) for e in accepted["events"]] == [(body["id"], "accepted")]

    stored = reader.get(f"/events/{body['id']}")
    assert stored.status_code == 200
    assert stored.json()["status"] == "pending"
    assert stored.json()["type"] == "post"
    assert stored.json()["actor"] == "ana@example.com"
    assert stored.json()["channel"] == "learning-python"
    assert stored.json()["awards"] == []

    # when
    do_score_pending()

    # then
    scored = reader.get(f"/events/{body['id']}").json()
    assert scored["status"] == "scored"
    assert scored["scored_at"] is not None
    assert [(a["rule"], a["person"], a["points"]) for a in scored["awards"]] == [("original-post", "ana@example.com", 10)]


# --- per-item validation and atomic batches ----------------------------------------------------


def test_a_batch_lists_every_invalid_item_and_stores_nothing(integration, reader):
    # given
    valid_first = event("post")
    naive_time = event("comment", at="2026-11-25T10:00:00")
    valid_third = event("reaction")
    no_actor = event("post")
    del no_actor["actor"]

    # when
    response = integration.post("/events", [valid_first, naive_time, valid_third, no_actor])

    # then
    body = assert_error(response, 422)
    paths = detail_paths(body)
    assert "events[1].occurred_at" in paths
    assert "events[3].actor" in paths
    assert not any(p.startswith(("events[0]", "events[2]")) for p in paths), paths
    assert all(d["message"] for d in body["details"])
    assert_not_stored(reader, valid_first["id"], naive_time["id"], valid_third["id"], no_actor["id"])


def _huge_batch() -> list[dict]:
    # Each event is valid on its own (text under 10,000 characters); together they pass 1 MB.
    events = [event("post", text="x" * 9_000) for _ in range(120)]
    assert len(json.dumps(events).encode()) > 1_000_000
    return events


def _undo_of_unknown() -> list[dict]:
    return [event("post"), event("undo", target={"id": "never-sent-anything-with-this-id"})]


MALFORMED = [
    # (case, body, status, a detail path the error must name or None)
    ("not-json", b'{"id": "x", "type": ', 400, None),
    ("not-an-event", "\"just a string\"", 422, None),
    ("empty-array", [], 422, None),
    ("non-object-item", [event("post"), "a string, not an event"], 422, "events[1]"),
    ("batch-too-large", [event("post") for _ in range(MAX_BATCH + 1)], 422, None),
    ("body-over-1mb", _huge_batch(), 413, None),
    ("id-too-long", event("post", id="x" * 201), 422, "id"),
    ("text-too-long", event("post", text="y" * 10_001), 422, "text"),
    ("attributes-too-big", event("post", attributes={"blob": "z" * MAX_ATTRIBUTES_BYTES}), 422, "attributes"),
    ("unknown-field", event("post", colour="red"), 422, "colour"),
    ("undo-without-target", event("undo"), 422, "target"),
    ("undo-of-unknown-event", _undo_of_unknown(), None, "events[1].target.id"),
    # Bad input never yields a 500 (contract section 4):
    ("invalid-utf8", b'{"id": "\xff"}', 400, None),
    ("deeply-nested-json", "[" * 100_000 + "]" * 100_000, None, None),
    ("nan-in-attributes", json.dumps(event("post"))[:-1] + ', "attributes": {"score": NaN}}', None, None),
    ("number-beyond-a-float-in-attributes", json.dumps(event("post"))[:-1] + ', "attributes": {"score": 1e999}}', 422, "attributes"),
    ("time-past-year-9999-in-utc", event("post", at="9999-12-31T23:59:59-01:00"), None, "occurred_at"),
    ("time-before-year-1-in-utc", event("post", at="0001-01-01T00:30:00+01:00"), None, "occurred_at"),
]


def _ids_in(body) -> list[str]:
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    return [i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str) and len(i["id"]) <= 200]


@pytest.mark.parametrize("case, body, status, path", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_gets_a_json_error_and_stores_nothing(integration, reader, case, body, status, path):
    # given
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)

    # when
    response = integration.post("/events", data)

    # then
    if status is None:
        assert 400 <= response.status_code < 500, response.content
        status = response.status_code
    error = assert_error(response, status)
    if path is not None:
        assert path in detail_paths(error), error
    assert_not_stored(reader, *_ids_in(body)[:20])


def test_an_unknown_undo_target_is_reported_at_its_own_index(integration, reader):
    # given: one event already accepted, sent again in a batch before an undo of something unknown
    known = event("post")
    assert integration.post("/events", known).status_code == 202
    undo = event("undo", target={"id": "no-such-event"})

    # when
    response = integration.post("/events", [known, undo])

    # then: the problem is the undo at index 1, not the duplicate at index 0
    error = assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500
    assert detail_paths(error) == {"events[1].target.id"}, error
    assert_not_stored(reader, undo["id"])


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_event_twice_is_a_duplicate_counted_once(admin, integration, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = event("post", "ana@example.com")
    first = integration.post("/events", body)
    assert first.status_code == 202
    do_score_pending()
    points_after_first = points_of(reader, "ana@example.com")

    # when
    second = integration.post("/events", body)
    do_score_pending()

    # then
    assert second.status_code == 202, second.content
    assert second.json()["accepted"] == 0
    assert second.json()["duplicates"] == 1
    assert [(e["id"], e["status"]) for e in second.json()["events"]] == [(body["id"], "duplicate")]
    assert points_after_first == 10
    assert points_of(reader, "ana@example.com") == points_after_first
    awards = reader.get("/people/ana@example.com/awards").json()
    assert awards["total"] == 1


def test_a_duplicate_sent_before_scoring_is_still_counted_once(admin, integration, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = event("post", "bob@example.com")

    # when
    integration.post("/events", body)
    again = integration.post("/events", body)
    do_score_pending()

    # then
    assert again.json()["events"][0]["status"] == "duplicate"
    assert points_of(reader, "bob@example.com") == 10


def test_a_resend_after_a_lost_answer_queues_scoring_for_its_pending_events(admin, integration, redis,
                                                                             django_capture_on_commit_callbacks):
    # given a batch whose commit landed but whose nudge to score was lost with the answer
    # (the connection broke right after COMMIT), so nothing waits on the scoring queue
    from base.scoring_queue import scoring_queue

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = [event("post", f"p{i}@example.com", id=f"lost-{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False):
        assert integration.post("/events", body).status_code == 202
    assert scoring_queue(redis).count == 0

    # when the sender sends the same batch again, as a client does after an error
    with django_capture_on_commit_callbacks(execute=True):
        again = integration.post("/events", body)

    # then every event is a duplicate, and scoring is queued for them all the same
    assert [e["status"] for e in again.json()["events"]] == ["duplicate"] * 3
    assert scoring_queue(redis).count == 1
    do_score_pending()
    assert points_of(admin, "p2@example.com") == 10


def test_a_resend_of_scored_events_queues_nothing(admin, integration, redis, django_capture_on_commit_callbacks):
    from base.scoring_queue import scoring_queue

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = [event("post", "ana@example.com", id="scored-1")]
    integration.post("/events", body)
    do_score_pending()
    with django_capture_on_commit_callbacks(execute=True):
        assert integration.post("/events", body).json()["events"][0]["status"] == "duplicate"
    assert scoring_queue(redis).count == 0


def test_the_same_id_twice_in_one_batch_is_accepted_once(integration, reader):
    # given
    body = event("post", "ana@example.com", text="hello")

    # when
    response = integration.post("/events", [body, dict(body)])

    # then
    assert response.status_code == 202, response.content
    result = response.json()
    assert result["accepted"] == 1
    assert result["duplicates"] == 1
    assert [(e["id"], e["status"]) for e in result["events"]] == [(body["id"], "accepted"), (body["id"], "duplicate")]
    assert reader.get(f"/events/{body['id']}").json()["text"] == "hello"


def test_a_time_with_another_offset_for_the_same_instant_is_a_duplicate(integration):
    # given
    body = event("post", at="2026-11-25T10:00:00+00:00")
    integration.post("/events", body)

    # when
    same_instant = dict(body, occurred_at="2026-11-25T11:00:00+01:00")
    response = integration.post("/events", same_instant)

    # then
    assert response.status_code == 202, response.content
    assert response.json()["events"][0]["status"] == "duplicate"


def test_the_same_id_with_other_content_is_a_conflict_and_nothing_is_stored(integration, reader):
    # given
    original = event("post", text="first version")
    assert integration.post("/events", original).status_code == 202
    new_one = event("post")
    changed = dict(original, text="edited version")

    # when
    response = integration.post("/events", [new_one, changed])

    # then
    error = assert_error(response, 409)
    assert detail_paths(error) == {"events[1].id"}
    assert original["id"] in error["details"][0]["message"]
    assert_not_stored(reader, new_one["id"])
    assert reader.get(f"/events/{original['id']}").json()["text"] == "first version"


def test_the_same_id_with_other_content_inside_one_batch_is_a_conflict(integration, reader):
    # given
    first = event("post", text="one")
    second = dict(first, text="two")
    other = event("comment")

    # when
    response = integration.post("/events", [first, other, second])

    # then
    error = assert_error(response, 409)
    assert detail_paths(error) == {"events[2].id"}
    assert_not_stored(reader, first["id"], other["id"])


# --- normalisation -----------------------------------------------------------------------------


def test_hashtags_and_mentions_are_parsed_from_text_when_absent(integration, reader):
    # given
    body = event("comment", text="Great walkthrough! #SocialLearning thanks @carol@example.com")

    # when
    assert integration.post("/events", body).status_code == 202

    # then
    stored = reader.get(f"/events/{body['id']}").json()
    assert stored["hashtags"] == ["SocialLearning"]
    assert stored["mentions"] == ["carol@example.com"]
    assert reader.get("/people/carol@example.com").status_code == 200


def test_given_hashtags_and_mentions_are_kept(integration, reader):
    # given
    body = event("comment", text="Great walkthrough! #SocialLearning thanks @carol@example.com",
                 hashtags=["Python", "Pandas"], mentions=["dave@example.com"])

    # when
    assert integration.post("/events", body).status_code == 202

    # then
    stored = reader.get(f"/events/{body['id']}").json()
    assert stored["hashtags"] == ["Python", "Pandas"]
    assert stored["mentions"] == ["dave@example.com"]


def test_empty_given_lists_are_kept_empty(integration, reader):
    # given
    body = event("comment", text="#SocialLearning @carol@example.com", hashtags=[], mentions=[])

    # when
    assert integration.post("/events", body).status_code == 202

    # then
    stored = reader.get(f"/events/{body['id']}").json()
    assert stored["hashtags"] == []
    assert stored["mentions"] == []


def test_people_are_upserted_from_actor_and_target_author(integration, reader):
    # given
    body = event("comment", {"id": "ana@example.com", "name": "Ana Ruiz", "team": "Data"},
                 target={"id": "post-77", "author": {"id": "bob@example.com", "name": "Bob Lee", "team": "Platform"}})

    # when
    assert integration.post("/events", body).status_code == 202

    # then
    ana = reader.get("/people/ana@example.com").json()
    bob = reader.get("/people/bob@example.com").json()
    assert (ana["name"], ana["team"]) == ("Ana Ruiz", "Data")
    assert (bob["name"], bob["team"]) == ("Bob Lee", "Platform")
    assert reader.get(f"/events/{body['id']}").json()["target"] == {"id": "post-77", "author": "bob@example.com"}


def test_a_later_event_updates_the_team_and_a_bare_id_changes_nothing(integration, reader):
    # given
    integration.post("/events", event("post", {"id": "ana@example.com", "name": "Ana Ruiz", "team": "Data"}))

    # when
    integration.post("/events", event("post", {"id": "ana@example.com", "team": "Analytics"}))
    integration.post("/events", event("post", "ana@example.com"))

    # then
    ana = reader.get("/people/ana@example.com").json()
    assert ana["team"] == "Analytics"
    assert ana["name"] == "Ana Ruiz"


# --- undo ---------------------------------------------------------------------------------------


def test_undo_reverses_the_awards_of_the_original(admin, integration, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    post = event("post", "ana@example.com")
    assert integration.post("/events", post).status_code == 202
    do_score_pending()
    before = points_of(reader, "ana@example.com")

    # when
    undo = event("undo", "ana@example.com", target={"id": post["id"]})
    response = integration.post("/events", undo)
    do_score_pending()

    # then
    assert response.status_code == 202, response.content
    assert before == 10
    assert points_of(reader, "ana@example.com") == 0
    awards = reader.get("/people/ana@example.com/awards").json()["awards"]
    compensation = [a for a in awards if a["reverses"] == post["id"]]
    assert len(compensation) == 1
    assert compensation[0]["points"] == -before
    assert compensation[0]["event"] == undo["id"]
    assert compensation[0]["rule"] == "original-post"
    assert sum(a["points"] for a in awards) == 0
    board = reader.get("/leaderboards/all-time").json()
    assert [e["points"] for e in board["entries"] if e["person"] == "ana@example.com"] in ([], [0])


def test_undo_in_the_same_batch_after_its_target_reverses_it(admin, integration, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    post = event("post", "zed@example.com")
    undo = event("undo", "zed@example.com", target={"id": post["id"]})

    # when
    response = integration.post("/events", [post, undo])
    do_score_pending()

    # then
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 2
    assert points_of(reader, "zed@example.com") == 0


def test_an_undo_before_its_target_in_a_batch_is_not_silently_lost(admin, integration, reader):
    # given: the undo comes first, so when it is scored (in acceptance order) its target is not yet there
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    post = event("post", "zed@example.com")
    undo = event("undo", "zed@example.com", target={"id": post["id"]})

    # when
    response = integration.post("/events", [undo, post])
    do_score_pending()

    # then: either the batch is refused (nothing stored) or the accepted undo takes effect
    if 400 <= response.status_code < 500:
        assert_error(response, response.status_code)
        assert_not_stored(reader, undo["id"], post["id"])
    else:
        assert response.status_code == 202, response.content
        assert points_of(reader, "zed@example.com") == 0, "the undo was accepted but the post kept its points"


def test_undo_of_an_undo_is_refused(integration, reader):
    # given
    post = event("post")
    undo = event("undo", target={"id": post["id"]})
    assert integration.post("/events", [post, undo]).status_code == 202

    # when
    redo = event("undo", target={"id": undo["id"]})
    response = integration.post("/events", redo)

    # then
    error = assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500
    assert any(p.endswith("target.id") for p in detail_paths(error)), error
    assert_not_stored(reader, redo["id"])


# --- waiting for scoring -----------------------------------------------------------------------


def test_wait_times_out_with_202_when_no_worker_scores(admin, integration, reader, settings):
    # given: a ruleset but no worker running
    settings.INGEST_WAIT_SECONDS = 0.3
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = event("post")

    # when
    response = integration.client.post("/api/v1/events?wait=true", json.dumps(body), content_type="application/json",
                                       **integration._headers())

    # then
    assert response.status_code == 202, response.content
    result = response.json()
    assert result["scored"] is False
    assert result["accepted"] == 1
    assert [(e["id"], e["status"]) for e in result["events"]] == [(body["id"], "accepted")]
    assert reader.get(f"/events/{body['id']}").json()["status"] == "pending"


def test_a_long_at_sign_run_in_text_is_not_taken_for_a_person(admin):
    # given text with an "@..." run longer than any person id
    long_handle = "x" * 300
    # when
    response = admin.post("/events", {"id": "m1", "type": "post", "occurred_at": "2026-11-25T10:00:00Z",
                                       "actor": "ana@example.com", "text": f"hello @{long_handle} and @bob@example.com"})
    # then only the real mention is kept
    assert response.status_code == 202
    assert admin.get("/events/m1").json()["mentions"] == ["bob@example.com"]


def test_events_are_accepted_and_kept_while_redis_is_down(admin, settings, django_capture_on_commit_callbacks):
    # given an active ruleset, then Redis unreachable (the key check needs only the database)
    from base import redis as engine_redis
    from base.models import Event

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    settings.REDIS_URL = "unix:///nonexistent/redis.sock"
    engine_redis._client.cache_clear()
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post("/events", [event("post", "ana@example.com", id="kept-1")])
        board = admin.get("/leaderboards/all-time")
    finally:
        engine_redis._client.cache_clear()
    # then the event is stored, pending, and the board read says Redis is down rather than failing
    assert response.status_code == 202, response.content
    assert Event.objects.get(source_id="kept-1").scored_at is None
    assert board.status_code == 503 and board.json()["error"] == "redis_unavailable"
