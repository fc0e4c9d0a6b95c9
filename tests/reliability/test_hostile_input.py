"""Hostile input over HTTP: each payload of the corpus is refused with a 4xx that says why, quickly.

Timings are recorded as figures; only `make reliability` holds them to the 100 ms bound, since a
shared test machine's timings are no verdict.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import BASIC_RULESET, event

from .conftest import FULL

BOUND_MS = 100

ALIAS_BOMB = "ruleset: bomb\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
DEEP = "ruleset: deep\nrules: " + "[" * 1000 + "]" * 1000 + "\n"
TEN_MB = "ruleset: huge\ndescription: \"" + "x" * 10_000_000 + "\"\n"
PYTHON_TAG = "ruleset: evil\ndescription: !!python/object/apply:os.system ['touch /tmp/plaudit-pwned']\n"
UNSAFE_TAGS = "ruleset: evil\nlevels: !!python/name:os.system\n"

YAML_CORPUS = {"alias bomb": ALIAS_BOMB, "1,000-deep nesting": DEEP, "10 MB document": TEN_MB,
               "python object tag": PYTHON_TAG, "python name tag": UNSAFE_TAGS, "not a mapping": "- just\n- a list\n",
               "binary junk": "\x00\x01\x02ruleset: x"}


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, (time.perf_counter() - started) * 1000


@pytest.mark.parametrize("name", YAML_CORPUS)
@pytest.mark.parametrize("route", ["/rulesets/validate", "/ruleset"])
def test_hostile_yaml_is_refused_quickly_and_changes_nothing(admin, figures, name, route):
    # given an active ruleset
    admin.put_yaml("/ruleset", BASIC_RULESET)
    # when a hostile document is validated or activated
    send = (lambda: admin.post(route, YAML_CORPUS[name], content_type="application/yaml")) if route.endswith("validate") \
        else (lambda: admin.put_yaml(route, YAML_CORPUS[name]))
    response, ms = timed(send)
    # then it is a 4xx with a message, and the active ruleset is still the one before
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response.json()["message"]
    assert admin.get("/ruleset").json()["name"] == "basic"
    figures(payload=name, route=route, status=response.status_code, ms=round(ms, 1))
    if FULL:
        assert ms < BOUND_MS, f"{name} took {ms:.0f} ms"


EVENT_CORPUS = {
    "11,000-character text": [event(id="h:1", text="x" * 11_000)],
    "5 KB attributes": [event(id="h:2", attributes={"blob": "y" * 5000})],
    "1,001 events": [event(id=f"h:b{i}") for i in range(1001)],
    "naive time": [event(id="h:3", at="2026-11-25T10:00:00")],
    "nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "not JSON": "{\"id\": ",
    "2 MB body": json.dumps([event(id="h:4", text="z" * 2_000_000)]),
    "id of 201 characters": [event(id="h" * 201)],
    "actor missing": [{"id": "h:5", "type": "post", "occurred_at": "2026-11-25T10:00:00+00:00"}],
}


@pytest.mark.parametrize("name", EVENT_CORPUS)
def test_oversized_and_malformed_events_are_refused_and_nothing_is_stored(admin, integration, figures, name):
    admin.put_yaml("/ruleset", BASIC_RULESET)
    body = EVENT_CORPUS[name]
    response, ms = timed(lambda: integration.post("/events", body if isinstance(body, str) else body))
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response.json()["message"]
    assert admin.get("/events/h:1").status_code == 404 and admin.get("/events/h:b0").status_code == 404
    figures(payload=name, status=response.status_code, ms=round(ms, 1))
    if FULL:
        assert ms < BOUND_MS, f"{name} took {ms:.0f} ms"


SIGNATURE_CORPUS = {"no signature": {}, "wrong signature": {"HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64},
                    "stale timestamp": {"HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64, "HTTP_X_SLACK_REQUEST_TIMESTAMP": "1000000000"},
                    "malformed timestamp": {"HTTP_X_SLACK_SIGNATURE": "v0=abc", "HTTP_X_SLACK_REQUEST_TIMESTAMP": "soon"}}


@pytest.mark.parametrize("name", SIGNATURE_CORPUS)
def test_bad_slack_signatures_are_refused(client, db, redis, settings, figures, name):
    settings.SLACK_SIGNING_SECRET = "test-signing-secret"
    headers = {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time())), **SIGNATURE_CORPUS[name]}
    body = json.dumps({"type": "url_verification", "challenge": "c"})
    response, ms = timed(lambda: client.post("/integrations/slack/events", body, content_type="application/json", **headers))
    assert response.status_code == 401, (name, response.status_code)
    figures(payload=name, status=response.status_code, ms=round(ms, 1))
