"""Every route against every kind of caller: anonymous, reader, integration and admin keys, and a
signed-in employee (own data versus another's). The expected access is written out here, apart
from the code under test; a route missing from the table fails the test until someone decides."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver

from base.models import ApiKey, Person
from tests.helpers import BASIC_RULESET

PUBLIC, ANY_KEY, SENDER, READER, ADMIN = "public", "any key", "sender", "reader", "admin"
# Which key roles each access level admits (the contract: admin > reader; integration only sends).
ADMITS = {PUBLIC: {None, "reader", "integration", "admin", "provisioning"}, ANY_KEY: {"reader", "integration", "admin"}, SENDER: {"integration", "admin"},
          READER: {"reader", "admin"}, ADMIN: {"admin"}}

API = {
    "POST /events": SENDER,
    "GET /events/{event_id}": READER,
    "GET /event-batches/{batch_id}": ANY_KEY,  # a sender follows its own batches; readers see all
    "POST /event-batches/{batch_id}/retry": ADMIN,
    "GET /people/{person_id}": READER,
    "PATCH /people/{person_id}": ADMIN,
    "PUT /people/{person_id}": ADMIN,
    "DELETE /people/{person_id}": ADMIN,
    "GET /people/{person_id}/export": ADMIN,
    "POST /people/{person_id}/merge": ADMIN,
    "GET /people/{person_id}/awards": READER,
    "GET /healthz": PUBLIC,
    "POST /recompute": ADMIN,
    "GET /recompute/{job_id}": ADMIN,
    "GET /leaderboards": READER,
    "GET /leaderboards/{board_id}": READER,
    "GET /badges": READER,
    "GET /badges/{badge_id}/image.svg": PUBLIC,
    "GET /people/{person_id}/badges": READER,
    "POST /people/{person_id}/badges": ADMIN,
    "POST /people/{person_id}/badges/{badge_id}/revoke": ADMIN,
    "PUT /ruleset": ADMIN,
    "GET /ruleset": READER,
    "POST /rulesets/validate": ADMIN,
    "GET /rulesets/schema.json": PUBLIC,
    "GET /rulesets": READER,
    "GET /rulesets/{version_id}": READER,
    "GET /rulesets/{old_id}/diff/{new_id}": READER,
    "POST /rulesets/{version_id}/activate": ADMIN,
    "POST /rulesets/simulate": ADMIN,
    "POST /rulesets/scheduled": ADMIN,
    "GET /rulesets/scheduled": ADMIN,
    "DELETE /rulesets/scheduled/{schedule_id}": ADMIN,
    "GET /insights/integrity": ADMIN,  # who may be gaming the points is for admins
    "GET /insights/engagement": READER,
    "GET /insights/report": READER,
    "GET /insights/kudos": ADMIN,  # who gives kudos to which team is for admins, as the dashboard
    "PUT /channels/{channel_id}": ADMIN,
    "GET /channels/{channel_id}": ADMIN,
    "DELETE /channels/{channel_id}": ADMIN,
    "GET /channels": ADMIN,
    "GET /notifications": ADMIN,
    "GET /notifications/{notification_id}": ADMIN,
    "POST /notifications/{notification_id}/requeue": ADMIN,
    "GET /templates": ADMIN,
    "GET /templates/{kind}/{name}": ADMIN,
    "PUT /templates/{kind}/{name}": ADMIN,
    "DELETE /templates/{kind}/{name}": ADMIN,
    "POST /templates/preview": ADMIN,
    "POST /kudos": SENDER,
    "GET /kudos": READER,
    "DELETE /kudos/{event_id}": SENDER,  # an integration key undoes only kudos of its sources
    "GET /people/{person_id}/allowance": READER,
    "GET /prompts": ADMIN,
    "POST /prompts/{prompt_id}/post": ADMIN,
    "GET /challenges": READER,
    "GET /challenges/{challenge_id}": READER,
    "GET /people/{person_id}/challenges": READER,
}
SAMPLE = {"event_id": "nope", "person_id": "someone@example.com", "job_id": "nope", "board_id": "all-time",
          "badge_id": "first-post", "version_id": "1", "old_id": "1", "new_id": "1", "channel_id": "general",
          "notification_id": "1", "batch_id": "1", "challenge_id": "nope", "kind": "slack", "name": "badge_awarded",
          "prompt_id": "nope", "schedule_id": "1"}


def operations() -> list[tuple[str, str]]:
    from engine.api import api

    schema = api.get_openapi_schema()
    return [(method.upper(), path.removeprefix("/api/v1")) for path, ops in schema["paths"].items() for method in ops]


def test_the_table_names_every_route_of_the_api():
    assert sorted(f"{m} {p}" for m, p in operations()) == sorted(API)


@pytest.fixture
def callers(db, redis):
    keys = {role: ApiKey.issue(name=f"matrix {role}", role=role)[1] for role in ("reader", "integration", "admin", "provisioning")}
    Client().put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml",
                 HTTP_AUTHORIZATION=f"Bearer {keys['admin']}")
    get_user_model().objects.create_user(username="emma@example.com", password="a-long-password-1")
    employee = Client()
    assert employee.login(username="emma@example.com", password="a-long-password-1")
    return keys, employee


def call(client: Client, method: str, path: str, key: str | None):
    url = "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    body, content_type = ("ruleset: x\n", "application/yaml") if "ruleset" in path else (json.dumps({}), "application/json")
    if method == "GET":
        return client.get(url, **headers)
    return client.generic(method, url, body, content_type=content_type, **headers)


def test_every_api_route_admits_exactly_the_callers_it_should(callers):
    keys, employee = callers
    deviations = []
    for method, path in operations():
        level = API[f"{method} {path}"]
        for role in (None, "reader", "integration", "admin", "provisioning"):  # provisioning: SCIM only, never the API
            status = call(Client(), method, path, keys.get(role)).status_code
            allowed = role in ADMITS[level]
            expected = "through" if allowed else ("401" if role is None else "403")
            got = "401" if status == 401 else "403" if status == 403 else "through"
            if got != expected:
                deviations.append(f"{method} {path} as {role or 'anonymous'}: {status}, expected {expected}")
        # A signed-in employee's session is no API credential: the API answers as to anyone without a key.
        status = call(employee, method, path, None).status_code
        if level != PUBLIC and status != 401:
            deviations.append(f"{method} {path} as a signed-in employee: {status}, expected 401")
    assert deviations == []


SCIM = ["GET /ServiceProviderConfig", "GET /ResourceTypes", "GET /Schemas", "GET /Users", "POST /Users", "GET /Users/1",
        "PUT /Users/1", "PATCH /Users/1", "DELETE /Users/1", "GET /Groups", "POST /Groups", "POST /.search"]


def test_only_provisioning_keys_reach_scim(callers):
    keys, employee = callers
    deviations = []
    for route in SCIM:
        method, path = route.split(" ")
        for role in (None, "reader", "integration", "admin", "provisioning"):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {keys[role]}"} if role else {}
            status = Client().generic(method, f"/scim/v2{path}", "{}", content_type="application/scim+json", **headers).status_code
            expected = "through" if role == "provisioning" else "401" if role is None else "403"
            got = "401" if status == 401 else "403" if status == 403 else "through"
            if got != expected:
                deviations.append(f"{route} as {role or 'anonymous'}: {status}, expected {expected}")
        status = employee.generic(method, f"/scim/v2{path}", "{}", content_type="application/scim+json").status_code
        if status != 401:
            deviations.append(f"{route} as a signed-in employee: {status}, expected 401")
    assert deviations == []


def web_pages() -> list[str]:
    from web import urls

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)
    return list(walk(urls.urlpatterns))


PAGE_SAMPLE = {"board_id": "all-time", "key": "emma@example.com", "badge_id": "first-post", "version_id": "1", "key_id": "1",
               "channel_id": "hooks", "kind": "slack", "name": "badge_awarded", "notification_id": "1", "batch_id": "1",
               "challenge_id": "dbt-week", "prompt_id": "monday-question", "job_id": "no-such-job"}


def page_url(pattern: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: PAGE_SAMPLE[m.group(1)], pattern)


def outcome(response) -> str:
    """`sign-in` for a redirect to the sign-in page, else the status (another redirect is fine: /me goes to one's profile)."""
    if response.status_code == 302 and "/login" in response["Location"]:
        return "sign-in"
    return str(response.status_code)


def test_every_page_needs_a_sign_in_and_admin_pages_need_an_admin(callers):
    keys, employee = callers
    get_user_model().objects.create_user(username="boss", password="a-long-password-1", is_staff=True)
    admin = Client()
    assert admin.login(username="boss", password="a-long-password-1")
    Person.objects.get_or_create(key="emma@example.com")
    deviations = []
    for pattern in web_pages():
        if pattern in ("login", "auth/oidc/login", "auth/oidc/callback"):  # the ways in are open to everyone
            continue
        url = page_url(pattern)
        anonymous = outcome(Client().get(url))
        if anonymous not in ("sign-in", "405"):  # 405: a POST-only action refuses a GET before anything else
            deviations.append(f"{url} anonymous: {anonymous}")
        as_employee, as_admin = outcome(employee.get(url)), outcome(admin.get(url))
        if pattern.startswith("admin-area/"):
            if as_employee not in ("403", "405"):
                deviations.append(f"{url} employee: {as_employee}, expected 403")
            posted = outcome(employee.post(url, {}))  # the admin actions (roll back, revoke...) are POSTs
            if posted not in ("403", "405"):
                deviations.append(f"POST {url} employee: {posted}, expected 403")
            if as_admin in ("sign-in", "403"):
                deviations.append(f"{url} admin: {as_admin}")
        elif as_employee in ("sign-in", "403"):
            deviations.append(f"{url} employee: {as_employee}")
    assert deviations == []


def test_an_employee_changes_her_own_visibility_and_nobody_elses(callers):
    _, employee = callers
    Person.objects.get_or_create(key="emma@example.com")
    Person.objects.get_or_create(key="other@example.com")
    own = employee.post("/people/emma@example.com/visibility", {"public": "no"})
    other = employee.post("/people/other@example.com/visibility", {"public": "no"})
    assert own.status_code == 302 and Person.objects.get(key="emma@example.com").public is False
    assert other.status_code == 403 and Person.objects.get(key="other@example.com").public is True
