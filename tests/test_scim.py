"""SCIM 2.0 provisioning at /scim/v2, as Okta and Entra ID call it: a provisioning key's bearer token,
users as people, groups as teams or admins, deprovisioning off the boards and out of sign-in."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from base.api_keys import do_create_api_key
from base.models import Award, Event, Person, PersonAlias
from base.ledger import ledger_batch
from engine.scoring import do_score_pending
from leaderboards.rebuild import check_boards, rebuild_boards
from rulesets.active import active_ruleset
from tests.helpers import BASIC_RULESET, event

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ANA = "ana@example.com"


class Scim:
    def __init__(self, key: str | None):
        self.client, self.key = Client(), key

    def call(self, method: str, path: str, body=None, content_type="application/scim+json", **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}
        url = f"/scim/v2{path}"
        if method == "GET":
            return self.client.get(url, params, **headers)
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return self.client.generic(method, url, data or "", content_type=content_type, **headers)

    def get(self, path, **params):
        return self.call("GET", path, **params)

    def post(self, path, body, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body):
        return self.call("PUT", path, body)

    def patch(self, path, *operations):
        return self.call("PATCH", path, {"schemas": [PATCH], "Operations": list(operations)})

    def delete(self, path):
        return self.call("DELETE", path)


@pytest.fixture
def scim(db, redis):
    return Scim(do_create_api_key(name="okta", role="provisioning")[1])


def user(user_name=ANA, **extra):
    body = {"schemas": [USER, ENTERPRISE], "userName": user_name, "displayName": "Ana Ruiz", "active": True,
            "emails": [{"value": user_name, "primary": True, "type": "work"}], "externalId": "00u1",
            "preferredLanguage": "de-AT", "timezone": "Europe/Vienna", ENTERPRISE: {"department": "Data"}}
    body.update(extra)
    return body


def scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    assert body.get("scimType") == scim_type
    return body


def board(reader) -> list[str]:
    return [e["person"] for e in reader.get("/leaderboards/all-time").json()["entries"]]


# Discovery ------------------------------------------------------------------------------------------

def test_discovery_announces_what_is_supported_and_that_username_is_immutable(scim):
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"] == {"supported": True} and config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["changePassword"]["supported"] is config["sort"]["supported"] is config["etag"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("/ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"} and types["totalResults"] == 2
    assert scim.get("/ResourceTypes/User").json()["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    listed = scim.get("/Schemas").json()["Resources"]
    assert {s["id"] for s in listed} == {USER, GROUP, ENTERPRISE}
    user_schema = scim.get(f"/Schemas/{USER}").json()
    assert next(a for a in user_schema["attributes"] if a["name"] == "userName")["mutability"] == "immutable"
    scim_error(scim.get("/Schemas/urn:nope"), 404)
    scim_error(scim.get("/ResourceTypes/Robot"), 404)
    scim_error(scim.get("/Bulk"), 404)


# Authentication ----------------------------------------------------------------------------------------

def test_only_provisioning_keys_may_use_scim(db, redis):
    no_key, wrong = Scim(None), Scim("not-a-key")
    assert scim_error(no_key.get("/Users"), 401) and scim_error(wrong.get("/ServiceProviderConfig"), 401)
    for role in ("admin", "reader", "integration"):
        other = Scim(do_create_api_key(name=role, role=role)[1])
        body = scim_error(other.post("/Users", user()), 403)
        assert "provisioning" in body["detail"]
        scim_error(other.get("/Groups"), 403)


def test_a_provisioning_key_may_use_nothing_else_of_the_api(db, redis):
    key = do_create_api_key(name="okta", role="provisioning")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert Client().get("/api/v1/leaderboards", **headers).status_code == 403
    assert Client().post("/api/v1/events", "[]", content_type="application/json", **headers).status_code == 403
    assert Client().get("/insights/report", **headers).status_code == 403


# Users -------------------------------------------------------------------------------------------------

def test_a_user_is_created_read_and_its_attributes_land_on_the_person(scim):
    created = scim.post("/Users", user())
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == body["meta"]["location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    assert body["userName"] == ANA and body["active"] is True and body["externalId"] == "00u1"
    assert body[ENTERPRISE]["department"] == "Data" and body["meta"]["resourceType"] == "User"
    person = Person.objects.get(key=ANA)
    assert (person.name, person.team, person.locale, person.timezone) == ("Ana Ruiz", "Data", "de-AT", "Europe/Vienna")
    assert str(person.pk) == body["id"]
    assert PersonAlias.objects.filter(source="email", external_id=ANA, person=person).exists()
    assert scim.get(f"/Users/{body['id']}").json()["displayName"] == "Ana Ruiz"
    scim_error(scim.get("/Users/999999"), 404)
    scim_error(scim.get("/Users/not-an-id"), 404)


def test_the_same_username_twice_is_a_uniqueness_conflict(scim):
    assert scim.post("/Users", user()).status_code == 201
    body = scim_error(scim.post("/Users", user("ANA@example.com")), 409, "uniqueness")
    assert ANA in body["detail"]


def test_bad_requests_get_scim_errors_naming_what_to_fix(scim):
    scim_error(scim.post("/Users", "{not json"), 400, "invalidSyntax")
    scim_error(scim.post("/Users", "[1, 2]"), 400, "invalidSyntax")
    scim_error(scim.post("/Users", user(), content_type="text/plain"), 400, "invalidSyntax")
    assert "userName" in scim_error(scim.post("/Users", {"schemas": [USER], "displayName": "x"}), 400, "invalidValue")["detail"]
    scim_error(scim.post("/Users", user("has space@example.com")), 400, "invalidValue")
    scim_error(scim.post("/Users", user(active="maybe")), 400, "invalidValue")
    huge = user(displayName="x" * 300_000)
    scim_error(scim.post("/Users", huge), 413)
    scim_error(scim.get("/Users", filter='userName eq'), 400, "invalidFilter")
    scim_error(scim.get("/Users", filter='userName eq "' + "a" * 1000 + '"'), 400, "invalidFilter")
    scim_error(scim.get("/Users", startIndex="one"), 400, "invalidValue")
    scim_error(scim.call("POST", "/ServiceProviderConfig", {}), 405)
    assert Person.objects.count() == 0


def test_replace_keeps_the_id_and_refuses_a_new_username(scim):
    user_id = scim.post("/Users", user()).json()["id"]
    replaced = scim.put(f"/Users/{user_id}", user(displayName="Ana Ruiz-Lopez", **{ENTERPRISE: {"department": "Platform"}}))
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["id"] == user_id and replaced.json()["displayName"] == "Ana Ruiz-Lopez"
    assert Person.objects.get(key=ANA).team == "Platform"
    scim_error(scim.put(f"/Users/{user_id}", user("other@example.com")), 400, "mutability")
    scim_error(scim.patch(f"/Users/{user_id}", {"op": "replace", "path": "userName", "value": "x@example.com"}),
               400, "mutability")


def test_list_with_filters_and_paging(scim):
    ids = [scim.post("/Users", user(f"p{i}@example.com", externalId=f"ext{i}", displayName=f"Person {i}")).json()["id"]
           for i in range(5)]
    everyone = scim.get("/Users").json()
    assert everyone["totalResults"] == 5 and everyone["startIndex"] == 1 and len(everyone["Resources"]) == 5
    page = scim.get("/Users", startIndex=2, count=2).json()
    assert page["totalResults"] == 5 and page["itemsPerPage"] == 2 and [u["id"] for u in page["Resources"]] == ids[1:3]
    assert scim.get("/Users", count=0).json()["totalResults"] == 5
    one = scim.get("/Users", filter='userName eq "P3@example.com"').json()
    assert one["totalResults"] == 1 and one["Resources"][0]["id"] == ids[3]
    assert scim.get("/Users", filter='externalId eq "ext2"').json()["Resources"][0]["id"] == ids[2]
    assert scim.get("/Users", filter='emails.value eq "p4@example.com"').json()["Resources"][0]["id"] == ids[4]
    assert scim.get("/Users", filter='displayName eq "person 1"').json()["Resources"][0]["id"] == ids[1]
    assert scim.get("/Users", filter='userName sw "p0"').json()["Resources"][0]["id"] == ids[0]
    assert scim.get("/Users", filter='userName eq "nobody@example.com"').json()["totalResults"] == 0
    searched = scim.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                            "filter": 'externalId eq "ext1"', "attributes": ["userName"]})
    assert searched.status_code == 200 and searched.json()["Resources"] == [{"schemas": [USER], "id": ids[1], "userName": "p1@example.com"}]


def test_a_filter_that_would_read_every_user_of_a_large_directory_is_too_many(scim, monkeypatch):
    from engine.scim import users

    for i in range(3):
        assert scim.post("/Users", user(f"p{i}@example.com")).status_code == 201
    monkeypatch.setattr(users, "MAX_SCANNED", 2)
    assert "userName" in scim_error(scim.get("/Users", filter='title pr'), 400, "tooMany")["detail"]
    assert scim.get("/Users", filter='userName eq "p1@example.com"').json()["totalResults"] == 1


def test_a_person_known_from_events_is_adopted_not_duplicated(scim, admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", [event("post", ANA, id="p1")]).status_code == 202
    do_score_pending()
    created = scim.post("/Users", user())
    assert created.status_code == 201
    assert Person.objects.filter(key=ANA).count() == 1 and Person.objects.count() == 1
    assert str(Person.objects.get(key=ANA).pk) == created.json()["id"] and Person.objects.get(key=ANA).points == 10


def test_an_email_that_belongs_to_another_person_is_a_uniqueness_conflict(scim):
    Person.objects.create(key="ana.ruiz", name="Ana")
    PersonAlias.objects.create(source="email", external_id=ANA, person=Person.objects.get(key="ana.ruiz"))
    body = scim_error(scim.post("/Users", user()), 409, "uniqueness")
    assert "ana.ruiz" in body["detail"] and "merge" in body["detail"]
    assert not Person.objects.filter(key=ANA).exists()


def test_okta_style_patch_deactivates_and_entra_style_patch_changes_attributes(scim):
    user_id = scim.post("/Users", user()).json()["id"]
    # Okta: a path-less replace whose value object names the attributes.
    okta = scim.patch(f"/Users/{user_id}", {"op": "replace", "value": {"active": False}})
    assert okta.status_code == 200, okta.content and okta.json()["active"] is False
    assert Person.objects.get(key=ANA).active is False
    # Entra ID: capitalised ops, a path per attribute, the extension by its URN, booleans as strings.
    entra = scim.patch(f"/Users/{user_id}",
                       {"op": "Replace", "path": "active", "value": True},
                       {"op": "Replace", "path": "displayName", "value": "Ana R."},
                       {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Platform"},
                       {"op": "Remove", "path": "timezone"})
    assert entra.status_code == 200, entra.content
    person = Person.objects.get(key=ANA)
    assert (person.active, person.name, person.team, person.timezone) == (True, "Ana R.", "Platform", "")
    scim_error(scim.patch(f"/Users/{user_id}", {"op": "jump", "path": "active", "value": True}), 400, "invalidValue")
    scim_error(scim.patch(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": "maybe"}), 400, "invalidValue")


# Deprovisioning ----------------------------------------------------------------------------------------

def test_deprovisioning_takes_a_person_off_the_boards_and_out_of_sign_in_and_back(scim, admin, reader, redis):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    user_id = scim.post("/Users", user()).json()["id"]
    assert admin.post("/events", [event("post", ANA, id="p1"), event("post", "bob@example.com", id="p2")]).status_code == 202
    do_score_pending()
    get_user_model().objects.create_user(username=ANA, password="a-long-password-1")
    browser = Client()
    assert browser.login(username=ANA, password="a-long-password-1")
    assert browser.get("/").status_code == 200
    assert ANA in board(reader)

    assert scim.patch(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": False}).status_code == 200
    assert board(reader) == ["bob@example.com"]
    assert browser.get("/")["Location"].startswith("/login")  # the session ended
    refused = Client().post("/login", {"username": ANA, "password": "a-long-password-1"})
    assert refused.status_code == 400 and "switched off by your company" in refused.content.decode()
    # Later events still score, and keep her off the boards; the ledger is kept.
    assert admin.post("/events", [event("post", ANA, id="p3")]).status_code == 202
    do_score_pending()
    assert board(reader) == ["bob@example.com"]
    assert Award.objects.filter(recipient__key=ANA).count() == 2 and Event.objects.filter(actor__key=ANA).count() == 2
    # A rebuild from the ledger keeps her off too, and the boards agree with the ledger.
    ruleset, _ = active_ruleset()
    assert check_boards(redis, ruleset, ledger_batch()).drift == 0
    rebuild_boards(redis, ruleset, ledger_batch())
    assert board(reader) == ["bob@example.com"]

    assert scim.patch(f"/Users/{user_id}", {"op": "replace", "value": {"active": True}}).status_code == 200
    entries = reader.get("/leaderboards/all-time").json()["entries"]
    assert {e["person"]: e["points"] for e in entries}[ANA] == 20
    assert Client().post("/login", {"username": ANA, "password": "a-long-password-1"}).status_code == 302


def test_delete_deprovisions_without_erasing(scim, admin, reader):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    user_id = scim.post("/Users", user()).json()["id"]
    assert admin.post("/events", [event("post", ANA, id="p1")]).status_code == 202
    do_score_pending()
    deleted = scim.delete(f"/Users/{user_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    person = Person.objects.get(key=ANA)
    assert person.active is False and person.points == 10 and board(reader) == []
    scim_error(scim.get(f"/Users/{user_id}"), 404)
    again = scim.post("/Users", user())
    assert again.status_code == 201 and again.json()["id"] == user_id and board(reader) == [ANA]


# Groups ------------------------------------------------------------------------------------------------

def test_a_group_is_a_team_and_members_move_with_it(scim):
    a = scim.post("/Users", user(**{ENTERPRISE: {}})).json()["id"]
    b = scim.post("/Users", user("bob@example.com", **{ENTERPRISE: {}})).json()["id"]
    created = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Data", "members": [{"value": a}]})
    assert created.status_code == 201, created.content
    group = created.json()
    assert created["Location"] == group["meta"]["location"] and [m["value"] for m in group["members"]] == [a]
    assert Person.objects.get(key=ANA).team == "Data"
    gid = group["id"]
    # Okta adds with a path; Entra removes by a value filter in the path.
    assert scim.patch(f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": b}]}).status_code == 200
    assert Person.objects.get(key="bob@example.com").team == "Data"
    removed = scim.patch(f"/Groups/{gid}", {"op": "Remove", "path": f'members[value eq "{a}"]'})
    assert removed.status_code == 200 and [m["value"] for m in removed.json()["members"]] == [b]
    assert Person.objects.get(key=ANA).team == ""
    renamed = scim.patch(f"/Groups/{gid}", {"op": "replace", "value": {"displayName": "Data Science"}})
    assert renamed.status_code == 200 and Person.objects.get(key="bob@example.com").team == "Data Science"
    assert scim.get("/Groups", filter='displayName eq "data science"').json()["Resources"][0]["id"] == gid
    assert scim.get("/Groups", filter='displayName eq "Data"').json()["totalResults"] == 0
    replaced = scim.put(f"/Groups/{gid}", {"schemas": [GROUP], "displayName": "Data Science", "members": [{"value": a}]})
    assert replaced.status_code == 200 and Person.objects.get(key="bob@example.com").team == ""
    scim_error(scim.post("/Groups", {"schemas": [GROUP], "displayName": "X", "members": [{"value": "999"}]}), 400, "invalidValue")
    scim_error(scim.post("/Groups", {"schemas": [GROUP], "members": []}), 400, "invalidValue")
    assert scim.delete(f"/Groups/{gid}").status_code == 204
    assert Person.objects.get(key=ANA).team == "" and scim.get("/Groups").json()["totalResults"] == 0
    scim_error(scim.get(f"/Groups/{gid}"), 404)
    scim_error(scim.get("/Groups/not-a-uuid"), 404)


def test_members_of_an_admin_group_are_staff_and_lose_it_when_removed(scim, settings):
    settings.OIDC_ADMIN_GROUPS = ["Plaudit Admins"]
    a = scim.post("/Users", user()).json()["id"]
    gid = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Plaudit Admins", "members": [{"value": a}]}).json()["id"]
    account = get_user_model().objects.get(username=ANA)
    assert account.is_staff and not account.has_usable_password()
    assert Person.objects.get(key=ANA).team == "Data"  # an admins' group is no team
    assert scim.patch(f"/Groups/{gid}", {"op": "remove", "path": "members", "value": [{"value": a}]}).status_code == 200
    assert not get_user_model().objects.get(username=ANA).is_staff
    # A deleted user leaves their groups, the admins' too.
    assert scim.patch(f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": a}]}).status_code == 200
    assert get_user_model().objects.get(username=ANA).is_staff
    assert scim.delete(f"/Users/{a}").status_code == 204
    assert not get_user_model().objects.get(username=ANA).is_staff and "members" not in scim.get(f"/Groups/{gid}").json()


def test_the_apikey_command_issues_a_provisioning_key(db, redis):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("apikey", "create", "--role", "provisioning", "--name", "okta", stdout=out, stderr=StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    assert Scim(key).get("/ServiceProviderConfig").status_code == 200
