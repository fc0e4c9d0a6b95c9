"""The people directory: one person, known by many ids, across every source."""

from __future__ import annotations

import base64
import json

from engine.integrations.identity import resolve
from base.models import ApiKey
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET


def test_a_directory_entry_makes_every_source_resolve_to_one_person(admin, reader, client):
    # given a directory entry for an employee known by a staff id, with their Slack id and email
    response = admin.client.put("/api/v1/people/emp-0042", json.dumps({
        "name": "Ana Ruiz", "team": "Data", "email": "Ana.Ruiz@example.com",
        "aliases": [{"source": "slack", "id": "T1:U042"}, {"source": "lms", "id": "https://lms.example.com:ana"}]}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin.key}")
    assert response.status_code == 200, response.json()
    person = response.json()
    assert person["name"] == "Ana Ruiz" and {"source": "slack", "id": "T1:U042"} in person["aliases"]
    assert {"source": "email", "id": "ana.ruiz@example.com"} in person["aliases"]

    # when Slack names that user, and the LMS sends a certification for the email
    assert resolve("slack", "T1:U042") == "emp-0042"
    ruleset = BASIC_RULESET.replace(
        "badges:\n", "badges:\n  - id: certified\n    name: Certified\n    criteria: {event: {type: certification_earned}}\n")
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200
    _, key = ApiKey.issue(name="lms", role="integration")
    statement = {"id": "6f1c6a40-0a4b-4c2f-9f2e-0a8e2d3f9b11", "actor": {"mbox": "mailto:ana.ruiz@example.com"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/earned"},
                 "object": {"id": "https://lms.example.com/certs/aws"}, "timestamp": "2026-11-25T10:00:00+01:00"}
    sent = client.post("/integrations/xapi/statements", json.dumps(statement), content_type="application/json",
                       HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
                       HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"lms:{key}".encode()).decode())
    assert sent.status_code == 200, sent.content
    do_score_pending()

    # then the certification landed on the directory's person, not on a second one
    badges = [b["id"] for b in reader.get("/people/emp-0042").json()["badges"]]
    assert badges == ["certified"]
    assert reader.get("/people/ana.ruiz@example.com").status_code == 404


def test_an_alias_that_belongs_to_someone_else_is_refused(admin):
    # given
    put = lambda key, body: admin.client.put(f"/api/v1/people/{key}", json.dumps(body),  # noqa: E731
                                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin.key}")
    assert put("emp-1", {"aliases": [{"source": "slack", "id": "T1:U1"}]}).status_code == 200
    # when another person claims the same Slack id
    response = put("emp-2", {"aliases": [{"source": "slack", "id": "T1:U1"}]})
    # then
    assert response.status_code == 409 and "emp-1" in response.json()["message"]
    assert put("emp-2", {"email": "not-an-email"}).status_code == 422


def test_a_csv_directory_is_imported_whole_or_not_at_all(db, redis, tmp_path):
    # given a directory file, and one with a clash on its third line
    import io

    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from base.models import Person, PersonAlias

    good = tmp_path / "people.csv"
    good.write_text("id,name,email,team,role,aliases\n"
                    "emp-1,Ana Ruiz,ana@example.com,Data,,slack=T1:U1 teams=29:a\n"
                    "emp-2,Bob Li,bob@example.com,Sales,facilitator,\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,email,team,role,aliases\nemp-3,Cy,cy@example.com,Data,,\nemp-4,Dee,,Data,,slack=T1:U1\n")
    # when
    call_command("people", "import", str(good), stdout=io.StringIO())
    # then
    assert Person.objects.get(key="emp-2").role == "facilitator"
    assert resolve("teams", "29:a") == "emp-1" and resolve("email", "bob@example.com") == "emp-2"
    with pytest.raises(CommandError) as error:
        call_command("people", "import", str(bad), stdout=io.StringIO())
    assert "3:" in str(error.value) and "emp-1" in str(error.value)
    assert not Person.objects.filter(key="emp-3").exists()
    assert PersonAlias.objects.filter(person__key="emp-1").count() == 3


def test_bodies_that_are_not_objects_or_guess_at_types_are_refused(admin):
    # given an admin editing a person
    # when the body is an array, or `public` is a number rather than a boolean, or a date is a Unix time
    as_array = admin.client.put("/api/v1/people/ana@example.com", "[null, null]", content_type="application/json",
                                **admin._headers())
    as_number = admin.patch("/people/ana@example.com", {"public": 0})
    unix_time = admin.post("/recompute?since=1700000000", {})
    # then each is a 422 that says what a valid value looks like
    assert as_array.status_code == 422 and "must be a JSON object, not an array" in as_array.content.decode()
    assert as_number.status_code == 422 and as_number.json()["details"][0]["path"] == "public"
    assert unix_time.status_code == 422 and "YYYY-MM-DD" in unix_time.content.decode()


def test_directory_text_longer_than_the_database_holds_is_refused_before_anything_is_stored(db, redis, tmp_path, admin):
    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from base.models import Person

    # given a directory entry whose team and alias source are too long for their columns
    path = tmp_path / "people.json"
    path.write_text(json.dumps([{"id": "ok@example.com"}, {"id": "x@example.com", "team": "t" * 101,
                                                            "aliases": [{"source": "s" * 33, "id": "1"}]}]))
    # when it is imported, or the alias sent through the API
    with pytest.raises(CommandError) as refused:
        call_command("people", "import", str(path))
    answer = admin.client.put("/api/v1/people/x@example.com", json.dumps({"aliases": [{"source": "s" * 33, "id": "1"}]}),
                              content_type="application/json", **admin._headers())
    # then both say what is too long, and nothing is stored
    assert "`team` is text of at most 100 characters" in str(refused.value) and "at most 32" in str(refused.value)
    assert answer.status_code == 422
    assert not Person.objects.filter(key__in=["ok@example.com", "x@example.com"]).exists()
