"""Idempotency-Key: a request repeated with the same key has one effect, even when repeats arrive together."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from base.models import ApiKey
from rulesets.models import RulesetVersion
from tests.helpers import BASIC_RULESET


def test_a_repeated_request_is_answered_from_the_first_without_a_second_effect(admin):
    # given
    headers = {"HTTP_AUTHORIZATION": f"Bearer {admin.key}", "HTTP_IDEMPOTENCY_KEY": "deploy-42"}
    # when the same activation is sent twice with one key
    first = admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml", **headers)
    second = admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml", **headers)
    # then one version exists and the repeat got the same answer
    assert first.status_code == second.status_code == 200
    assert second.json()["version"] == first.json()["version"] and second["Idempotent-Replayed"] == "true"
    assert RulesetVersion.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(admin):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {admin.key}", "HTTP_IDEMPOTENCY_KEY": "k1"}
    admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml", **headers)
    other = admin.client.put("/api/v1/ruleset", BASIC_RULESET.replace("basic", "other"),
                             content_type="application/yaml", **headers)
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    assert RulesetVersion.objects.count() == 1


def test_keys_are_scoped_to_the_caller(admin):
    # given two admins using the same key string
    other_key = ApiKey.issue(name="other admin", role="admin")[1]
    for key in (admin.key, other_key):
        response = admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml",
                                    HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 200
    # then each had its own effect
    assert RulesetVersion.objects.count() == 2


def test_concurrent_repeats_have_one_effect(live_server, transactional_db, redis):
    # given a hundred requests with one key sent at the same moment
    key = ApiKey.issue(name="ci", role="admin")[1]
    url = f"{live_server.url}/api/v1/ruleset"

    def send(_):
        # The test server's listen queue is short: on a loaded machine it may reset a connection out
        # of a hundred opened at once. A client then sends the same request again, which is what the
        # key is for; the request counts only if it is answered.
        for attempt in range(5):
            try:
                return requests.put(url, data=BASIC_RULESET.encode(), timeout=60,
                                    headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "rollout-7",
                                             "Content-Type": "application/yaml"})
            except requests.ConnectionError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    with ThreadPoolExecutor(max_workers=100) as pool:
        responses = list(pool.map(send, range(100)))
    # then one activation happened and everyone got its answer
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["version"] for r in responses}) == 1
    assert RulesetVersion.objects.count() == 1


def test_spellings_of_the_scheme_are_one_caller(admin):
    # given one activation sent with "Bearer", then repeated with "bearer" and "BEARER" and one Idempotency-Key
    answers = [admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml",
                                HTTP_AUTHORIZATION=f"{scheme} {admin.key}", HTTP_IDEMPOTENCY_KEY="deploy-43")
               for scheme in ("Bearer", "bearer", "BEARER")]
    # then the repeats are answered from the first, and one version exists
    assert [a.status_code for a in answers] == [200] * 3
    assert [a.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert RulesetVersion.objects.count() == 1
