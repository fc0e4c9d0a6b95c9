"""Who may call what: bearer keys with roles on every /api/v1 route, key management, and errors on reads."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from base.models import ApiKey
from engine.scoring import do_score_pending
from tests.conftest import Api
from tests.helpers import BASIC_RULESET, event

ENVELOPE_KEYS = {"error", "message", "details"}
PERSON = "ana@example.com"
EVENT_ID = "auth:scored-post"

READ, SEND, ADMIN = {"reader", "admin"}, {"integration", "admin"}, {"admin"}

# (name, method, path, roles that may call it, status on success)
ROUTES = [
    ("list-boards", "GET", "/leaderboards", READ, 200),
    ("read-board", "GET", "/leaderboards/all-time", READ, 200),
    ("read-event", "GET", f"/events/{EVENT_ID}", READ, 200),
    ("read-person", "GET", f"/people/{PERSON}", READ, 200),
    ("patch-person", "PATCH", f"/people/{PERSON}", ADMIN, 200),
    ("person-awards", "GET", f"/people/{PERSON}/awards", READ, 200),
    ("badge-catalog", "GET", "/badges", READ, 200),
    ("person-badges", "GET", f"/people/{PERSON}/badges", READ, 200),
    ("put-ruleset", "PUT", "/ruleset", ADMIN, 200),
    ("read-ruleset", "GET", "/ruleset", READ, 200),
    ("validate-ruleset", "POST", "/rulesets/validate", ADMIN, 200),
    ("post-events", "POST", "/events", SEND, 202),
]
CALLERS = ["anonymous", "bad-key", "reader", "integration", "admin"]


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


def call(api: Api, method: str, path: str):
    if method == "GET":
        return api.get(path)
    if method == "PATCH":
        return api.patch(path, {"team": "Data"})
    if method == "PUT":
        return api.put_yaml(path, BASIC_RULESET)
    if path == "/events":
        return api.post(path, event("post", PERSON))
    return api.post(path, BASIC_RULESET, content_type="application/yaml")


@pytest.fixture
def scored_world(admin):
    """An active ruleset and one scored event, so every read has something to return."""
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    body = event("post", {"id": PERSON, "name": "Ana Ruiz", "team": "Data"}, id=EVENT_ID, channel="learning-python")
    assert admin.post("/events", body).status_code == 202
    do_score_pending()
    return admin


def caller(request, name: str) -> Api:
    if name == "bad-key":
        request.getfixturevalue("db")
        return Api(Client(), "pk_this-key-was-never-issued")
    return request.getfixturevalue(name)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name, method, path, roles, ok", ROUTES, ids=[r[0] for r in ROUTES])
def test_authorization_matrix(request, scored_world, who, name, method, path, roles, ok):
    # given
    api = caller(request, who)

    # when
    response = call(api, method, path)

    # then
    if who in ("anonymous", "bad-key"):
        body = assert_error(response, 401)
        assert "Bearer" in body["message"]
    elif who in roles:
        assert response.status_code == ok, response.content
    else:
        body = assert_error(response, 403)
        assert who in body["message"]


def test_a_forbidden_call_changes_nothing(scored_world, reader, integration):
    # given
    before = scored_world.get("/ruleset").json()["version"]

    # when
    refused_put = integration.put_yaml("/ruleset", BASIC_RULESET.replace("points: 10", "points: 99"))
    refused_patch = reader.patch(f"/people/{PERSON}", {"team": "Sales"})
    refused_post = reader.post("/events", event("post", "mallory@example.com", id="auth:reader-post"))

    # then
    assert (refused_put.status_code, refused_patch.status_code, refused_post.status_code) == (403, 403, 403)
    assert scored_world.get("/ruleset").json()["version"] == before
    assert scored_world.get(f"/people/{PERSON}").json()["team"] == "Data"
    assert scored_world.get("/events/auth:reader-post").status_code == 404


# --- health ------------------------------------------------------------------------------------


def test_healthz_needs_no_key(anonymous):
    # when
    response = anonymous.get("/healthz")

    # then
    assert response.status_code == 200, response.content
    state = response.json()
    assert state["database"]["ok"] is True
    assert state["redis"]["ok"] is True
    assert "workers" in state


# --- not found ---------------------------------------------------------------------------------


def test_an_unknown_board_names_the_boards_that_exist(scored_world, reader):
    # given
    existing = [b["id"] for b in reader.get("/leaderboards").json()]
    assert existing

    # when
    response = reader.get("/leaderboards/hall-of-fame")

    # then
    body = assert_error(response, 404)
    assert "hall-of-fame" in body["message"]
    for board_id in existing:
        assert board_id in body["message"]


@pytest.mark.parametrize("path", ["/people/nobody@example.com", "/people/nobody@example.com/awards",
                                  "/people/nobody@example.com/badges"])
def test_an_unknown_person_is_404(scored_world, reader, path):
    # when
    response = reader.get(path)

    # then
    body = assert_error(response, 404)
    assert "nobody@example.com" in body["message"]


def test_patching_an_unknown_person_is_404(scored_world):
    # when
    response = scored_world.patch("/people/nobody@example.com", {"public": False})

    # then
    assert_error(response, 404)


def test_an_unknown_event_is_404(scored_world, reader):
    # when
    response = reader.get("/events/never:sent")

    # then
    body = assert_error(response, 404)
    assert "never:sent" in body["message"]


# --- query validation --------------------------------------------------------------------------


@pytest.mark.parametrize("param, value", [("limit", 0), ("limit", 5000), ("limit", "ten"), ("offset", -1)])
def test_an_out_of_range_page_is_422_naming_the_parameter(scored_world, reader, param, value):
    # when
    response = reader.get("/leaderboards/all-time", **{param: value})

    # then
    body = assert_error(response, 422)
    assert param in {d["path"] for d in body["details"]}


@pytest.mark.parametrize("period", ["2026-13", "2026-W54", "last-week"])
def test_a_bad_period_on_a_week_board_is_422(scored_world, reader, period):
    # when
    response = reader.get("/leaderboards/weekly", period=period)

    # then
    body = assert_error(response, 422)
    assert "week" in body["message"]


def test_a_good_period_on_a_week_board_is_200(scored_world, reader):
    # when
    response = reader.get("/leaderboards/weekly", period="2026-W48")

    # then: the scored post happened on 2026-11-25, in ISO week 48
    assert response.status_code == 200, response.content
    assert [e["person"] for e in response.json()["entries"]] == [PERSON]


# --- key management ----------------------------------------------------------------------------


def _create_key(role: str, name: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", "create", "--role", role, "--name", name, stdout=out, stderr=err)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines, (out.getvalue(), err.getvalue())
    return lines[-1].strip()


def test_apikey_create_prints_a_working_reader_key_stored_only_hashed(scored_world):
    # given
    raw = _create_key("reader", "x")

    # when
    api = Api(Client(), raw)

    # then
    assert api.get("/leaderboards").status_code == 200
    assert api.get(f"/people/{PERSON}").status_code == 200
    assert api.post("/events", event("post")).status_code == 403
    row = ApiKey.objects.get(name="x")
    assert row.role == "reader"
    stored = [str(value) for values in ApiKey.objects.values_list() for value in values]
    assert not any(raw in value for value in stored)


def test_a_revoked_key_is_401(scored_world):
    # given
    raw = _create_key("reader", "to-be-revoked")
    api = Api(Client(), raw)
    assert api.get("/leaderboards").status_code == 200
    listing = io.StringIO()
    call_command("apikey", "list", stdout=listing)
    line = next(line for line in listing.getvalue().splitlines() if line.rstrip().endswith("to-be-revoked"))
    prefix = line.split()[0].rstrip("…")
    assert raw.startswith(prefix)

    # when
    call_command("apikey", "revoke", prefix, stdout=io.StringIO())

    # then
    body = assert_error(api.get("/leaderboards"), 401)
    assert body["error"]
    assert scored_world.get("/leaderboards").status_code == 200


def test_a_key_records_its_last_use_at_most_once_a_minute(scored_world):
    from datetime import timedelta

    from django.utils import timezone

    # given a fresh key, never used
    raw = _create_key("reader", "counted")
    api = Api(Client(), raw)
    assert ApiKey.objects.get(name="counted").last_used_at is None
    # when it is used twice within the minute
    assert api.get("/leaderboards").status_code == 200
    first = ApiKey.objects.get(name="counted").last_used_at
    assert api.get("/leaderboards").status_code == 200
    # then its first use is recorded, and the second leaves it
    assert first is not None and abs(timezone.now() - first) < timedelta(minutes=1)
    assert ApiKey.objects.get(name="counted").last_used_at == first
    # when its last use was five minutes ago
    ApiKey.objects.filter(name="counted").update(last_used_at=first - timedelta(minutes=5))
    assert api.get("/leaderboards").status_code == 200
    # then this use is recorded
    assert ApiKey.objects.get(name="counted").last_used_at >= first


def test_a_wrong_method_answers_405_in_the_error_envelope(reader):
    # when
    response = reader.client.delete("/api/v1/leaderboards", HTTP_AUTHORIZATION=f"Bearer {reader.key}")
    # then
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed" and "GET" in response["Allow"]


def test_an_event_id_with_a_slash_can_be_read_back(admin):
    # given
    admin.post("/events", {"id": "lms/course/42", "type": "course_completed", "occurred_at": "2026-11-25T10:00:00Z",
                           "actor": "ana@example.com"})
    # when
    response = admin.get("/events/lms/course/42")
    # then
    assert response.status_code == 200 and response.json()["id"] == "lms/course/42"


def test_malformed_ids_and_huge_offsets_are_4xx_not_500(admin):
    # found by schemathesis: an offset past SQLite's integers, a job id of any characters
    assert admin.get("/people/ana@example.com/awards", offset=10**30).status_code == 422
    assert admin.get("/recompute/\u00d3\u00f1\u00da").status_code == 404
