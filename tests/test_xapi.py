"""xAPI at /integrations/xapi/statements: an LRS subset whose statements become contract events."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from django.test import Client

from base.models import Person
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET

URL = "/integrations/xapi/statements"
VERBS = "http://adlnet.gov/expapi/verbs/"


def statement(verb="completed", *, actor="ana@example.com", activity="https://lms.example.com/courses/sql-101",
              **fields) -> dict:
    body = {"id": fields.pop("id", str(uuid.uuid4())),
            "actor": {"objectType": "Agent", "name": "Ana Ruiz", "mbox": f"mailto:{actor}"},
            "verb": {"id": verb if verb.startswith("http") else VERBS + verb, "display": {"en-US": verb}},
            "object": {"objectType": "Activity", "id": activity, **fields.pop("object", {})},
            "timestamp": fields.pop("timestamp", "2026-11-25T10:00:00.000Z")}
    body.update(fields)
    return body


def send(client, body, *, key=None, basic=None, version="1.0.3", raw=None):
    headers = {}
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if basic:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(basic.encode()).decode()
    if version is not None:
        headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
    return client.post(URL, raw if raw is not None else json.dumps(body), content_type="application/json", **headers)


def stored_event(reader, statement_id):
    response = reader.get(f"/events/xapi:{statement_id}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def lms(integration):
    """A client sending with the integration key as a Bearer token."""
    return lambda body, **kw: send(integration.client, body, key=integration.key, **kw)


# --- the protocol: auth and version ------------------------------------------------------------


def test_basic_auth_with_an_integration_key_as_password_is_accepted(integration, reader):
    # given
    body = statement("completed")

    # when
    response = send(Client(), body, basic=f"moodle:{integration.key}")

    # then
    assert response.status_code == 200, response.content
    assert response.json() == [body["id"]]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert stored_event(reader, body["id"])["type"] == "course_completed"


def test_bearer_auth_with_an_admin_key_is_accepted(admin):
    # given
    body = statement("completed")

    # when
    response = send(Client(), body, key=admin.key)

    # then
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("authorization", [None, "Bearer pk_nope", "Basic " + base64.b64encode(b"lms:pk_nope").decode(),
                                           "Basic not-base64!", "Digest abc"])
def test_missing_or_unknown_credentials_are_401_with_a_challenge(anonymous, reader, authorization):
    # given
    body = statement("completed")
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    # when
    response = Client().post(URL, json.dumps(body), content_type="application/json",
                             HTTP_X_EXPERIENCE_API_VERSION="1.0.3", **headers)

    # then
    assert response.status_code == 401, response.content
    assert "Basic" in response["WWW-Authenticate"]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert reader.get(f"/events/xapi:{body['id']}").status_code == 404


def test_a_reader_key_is_known_but_may_not_send(reader):
    # given
    body = statement("completed")

    # when
    bearer = send(Client(), body, key=reader.key)
    basic = send(Client(), body, basic=f"lms:{reader.key}")

    # then
    assert bearer.status_code == 403, bearer.content
    assert basic.status_code == 403, basic.content
    assert reader.get(f"/events/xapi:{body['id']}").status_code == 404


@pytest.mark.parametrize("version", [None, "0.95", "2.0.0", "banana"])
def test_the_version_header_is_required_and_must_be_1_0(lms, reader, version):
    # given
    body = statement("completed")

    # when
    response = lms(body, version=version)

    # then
    assert response.status_code == 400, response.content
    assert "X-Experience-API-Version" in response.json()["message"]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert reader.get(f"/events/xapi:{body['id']}").status_code == 404


def test_any_1_0_x_version_is_accepted(lms):
    # given
    body = statement("completed")

    # when
    response = lms(body, version="1.0.0")

    # then
    assert response.status_code == 200, response.content


# --- mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("verb, event_type, targeted", [
    ("completed", "course_completed", False),
    ("passed", "course_completed", False),
    ("attended", "attended", False),
    ("commented", "comment", True),
    ("shared", "reshare", True),
    ("answered", "answer", True),
    ("asked", "question", False),
    ("liked", "reaction", True),
    ("http://activitystrea.ms/schema/1.0/earn", "certification_earned", False),
    ("https://w3id.org/openbadges/verbs/earned", "certification_earned", False),
    ("http://id.tincanapi.com/verb/mentored", "mentored", False),
])
def test_each_verb_maps_to_its_event_type(lms, reader, verb, event_type, targeted):
    # given
    body = statement(verb, activity="https://lms.example.com/things/42")

    # when
    response = lms(body)

    # then
    assert response.status_code == 200, response.content
    stored = stored_event(reader, body["id"])
    assert stored["type"] == event_type
    assert stored["actor"] == "ana@example.com"
    assert stored["channel"] == "lms"
    assert stored["attributes"]["verb"] == body["verb"]["id"]
    assert stored["attributes"]["activity"] == "https://lms.example.com/things/42"
    assert (stored["target"] or {}).get("id") == ("https://lms.example.com/things/42" if targeted else None)


def test_passed_is_a_success(lms, reader):
    # given
    body = statement("passed")

    # when
    lms(body)

    # then
    assert stored_event(reader, body["id"])["attributes"]["success"] is True


def test_a_comment_keeps_its_words_for_hashtags_and_mentions(lms, reader):
    # given
    body = statement("commented", result={"response": "Loved the joins chapter #SQL thanks @bob@example.com"})

    # when
    lms(body)

    # then
    stored = stored_event(reader, body["id"])
    assert stored["text"] == body["result"]["response"]
    assert stored["hashtags"] == ["SQL"]
    assert stored["mentions"] == ["bob@example.com"]


@pytest.mark.parametrize("definition", [
    {"type": "https://example.com/activitytypes/certification"},
    {"name": {"en-US": "AWS Certification: Solutions Architect"}},
    {"extensions": {"https://example.com/xapi/certification": True}},
])
@pytest.mark.parametrize("verb", ["completed", "passed"])
def test_a_successful_completion_of_a_certification_activity_is_certification_earned(lms, reader, definition, verb):
    # given
    body = statement(verb, object={"definition": definition}, result={"success": True, "completion": True})

    # when
    lms(body)

    # then
    assert stored_event(reader, body["id"])["type"] == "certification_earned"


def test_a_failed_certification_attempt_or_a_plain_course_is_a_completion(lms, reader):
    # given
    failed = statement("completed", object={"definition": {"type": "https://example.com/activitytypes/certification"}},
                       result={"success": False})
    plain = statement("completed", object={"definition": {"name": {"en-US": "SQL basics"}}}, result={"success": True})

    # when
    lms([failed, plain])

    # then
    assert stored_event(reader, failed["id"])["type"] == "course_completed"
    assert stored_event(reader, plain["id"])["type"] == "course_completed"


def test_score_success_activity_name_and_program_are_kept(lms, reader):
    # given
    scaled = statement("passed", object={"definition": {"name": {"de-DE": "SQL", "en-US": "SQL basics"}}},
                       result={"score": {"scaled": 0.92, "raw": 46, "max": 50}, "success": True},
                       context={"contextActivities": {"grouping": [{"id": "https://lms.example.com/programs/data-academy"}]}})
    raw = statement("completed", result={"score": {"raw": 7}},
                    context={"extensions": {"https://plaudit.example/xapi/program": "data-academy"}})

    # when
    lms([scaled, raw])

    # then
    first = stored_event(reader, scaled["id"])
    assert first["attributes"]["score"] == 92
    assert first["attributes"]["success"] is True
    assert first["attributes"]["activity_name"] == "SQL basics"
    assert first["program"] == "https://lms.example.com/programs/data-academy"
    second = stored_event(reader, raw["id"])
    assert second["attributes"]["score"] == 7
    assert "success" not in second["attributes"]
    assert second["program"] == "data-academy"


def test_an_account_actor_becomes_homepage_colon_name(lms, reader):
    # given
    body = statement("completed")
    body["actor"] = {"name": "Bob", "account": {"homePage": "https://lms.example.com", "name": "u-123"}}

    # when
    lms(body)

    # then
    assert stored_event(reader, body["id"])["actor"] == "https://lms.example.com:u-123"
    # GET /people/{id} takes no "/" in an id, so the directory is read directly.
    assert Person.objects.get(key="https://lms.example.com:u-123").name == "Bob"


def test_the_timestamp_becomes_occurred_at_and_a_missing_id_is_assigned(lms, reader):
    # given
    body = statement("completed", timestamp="2026-11-25T11:00:00+01:00")
    del body["id"]

    # when
    response = lms(body)

    # then
    assert response.status_code == 200, response.content
    [assigned] = response.json()
    assert uuid.UUID(assigned).version == 4
    assert stored_event(reader, assigned)["occurred_at"].startswith("2026-11-25T10:00:00")


# --- idempotency -------------------------------------------------------------------------------


def test_a_stored_statement_sent_again_changes_nothing(lms, reader):
    # given
    body = statement("completed", result={"score": {"scaled": 0.8}})
    del body["timestamp"]  # the LRS's time: resending must still be the same statement
    assert lms(body).status_code == 200
    before = stored_event(reader, body["id"])

    # when
    response = lms(body)

    # then
    assert response.status_code == 200, response.content
    assert response.json() == [body["id"]]
    assert stored_event(reader, body["id"]) == before


def test_another_statement_under_a_stored_id_is_409(lms, reader):
    # given
    body = statement("completed", result={"score": {"scaled": 0.8}})
    assert lms(body).status_code == 200
    other = {**body, "result": {"score": {"scaled": 0.3}}}
    fresh = statement("attended")

    # when
    response = lms([fresh, other])

    # then
    assert response.status_code == 409, response.content
    assert response.json()["error"] == "conflict"
    assert response.json()["details"][0]["path"] == "statements[1].id"
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert stored_event(reader, body["id"])["attributes"]["score"] == 80
    assert reader.get(f"/events/xapi:{fresh['id']}").status_code == 404


def test_a_statement_differing_only_in_an_unmapped_field_is_still_another_statement(lms):
    # given
    body = statement("completed", context={"registration": str(uuid.uuid4())})
    assert lms(body).status_code == 200

    # when
    response = lms({**body, "context": {"registration": str(uuid.uuid4())}})

    # then
    assert response.status_code == 409, response.content


# --- lists and bad input -------------------------------------------------------------------------


def test_a_list_of_statements_answers_their_ids_in_order(lms, reader):
    # given
    bodies = [statement("completed"), statement("commented", actor="bob@example.com"), statement("attended")]

    # when
    response = lms(bodies)

    # then
    assert response.status_code == 200, response.content
    assert response.json() == [b["id"] for b in bodies]
    assert [stored_event(reader, b["id"])["type"] for b in bodies] == ["course_completed", "comment", "attended"]


def test_invalid_statements_are_400_with_the_paths_to_fix_and_nothing_is_stored(lms, reader):
    # given
    good = statement("completed")
    no_actor = statement("completed")
    del no_actor["actor"]
    bad_id = statement("completed", id="not-a-uuid")
    bad_time = statement("completed", timestamp="yesterday")
    no_verb = statement("completed")
    no_verb["verb"] = {}

    # when
    response = lms([good, no_actor, bad_id, bad_time, no_verb])

    # then
    assert response.status_code == 400, response.content
    paths = {d["path"] for d in response.json()["details"]}
    assert paths == {"statements[1].actor", "statements[2].id", "statements[3].timestamp", "statements[4].verb.id"}
    assert reader.get(f"/events/xapi:{good['id']}").status_code == 404


@pytest.mark.parametrize("raw", ["{not json", "[]", "42"])
def test_a_body_that_is_no_statement_is_400(lms, raw):
    # when
    response = lms(None, raw=raw)

    # then
    assert response.status_code == 400, response.content
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_more_than_a_thousand_statements_or_a_megabyte_are_refused(lms):
    # when
    many = lms([statement("completed") for _ in range(1001)])
    huge = lms(None, raw=json.dumps([statement("completed", result={"response": "x" * 9000}) for _ in range(120)]))

    # then
    assert many.status_code == 400, many.content
    assert many.json()["error"] == "batch_too_large"
    assert huge.status_code == 413, huge.content


def test_voided_undoes_the_statement_it_names(lms, reader):
    # given
    body = statement("liked")
    assert lms(body).status_code == 200
    void = statement("voided", object={"objectType": "StatementRef", "id": body["id"]})
    void["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"

    # when
    response = lms(void)

    # then
    assert response.status_code == 200, response.content
    stored = stored_event(reader, void["id"])
    assert stored["type"] == "undo"
    assert stored["target"]["id"] == f"xapi:{body['id']}"


# --- end to end --------------------------------------------------------------------------------

# BASIC_RULESET plus rules for what an LMS sends, inserted at the end of its `rules:` list.
CERTIFICATION_RULES = BASIC_RULESET.replace("badges:\n", """\
  - id: certified
    when: {type: certification_earned}
    award: {to: actor, points: 50}
  - id: course
    when: {type: course_completed}
    award: {to: actor, points: 5}
badges:
""", 1)


def test_a_passed_certification_is_scored_for_the_person(admin, lms, reader):
    # given
    assert "id: certified" in CERTIFICATION_RULES
    put = admin.put_yaml("/ruleset", CERTIFICATION_RULES)
    assert put.status_code == 200, put.content
    body = statement("passed", actor="carol@example.com",
                     object={"definition": {"type": "https://example.com/activitytypes/certification",
                                            "name": {"en-US": "Data Engineer"}}},
                     result={"success": True, "score": {"scaled": 0.9}})

    # when
    assert lms(body).status_code == 200
    do_score_pending()

    # then
    person = reader.get("/people/carol@example.com")
    assert person.status_code == 200, person.content
    assert person.json()["points"] == 50
    awards = stored_event(reader, body["id"])["awards"]
    assert [(a["rule"], a["points"]) for a in awards] == [("certified", 50)]
