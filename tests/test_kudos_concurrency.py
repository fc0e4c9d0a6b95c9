"""Twenty gives from one person at the same moment, against a real server: the allowance is never overspent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from base.models import ApiKey, Event
from kudos.allowance import allowance_for
from rulesets.active import do_activate_ruleset
from tests.helpers import yaml


def test_twenty_concurrent_gives_never_overspend_the_allowance(live_server, transactional_db, redis):
    # given an allowance of 5 a month, and 20 kudos from Ana sent at once, each to someone else
    do_activate_ruleset(yaml("""
        ruleset: k
        timezone: Europe/Berlin
        kudos: {allowance: {amount: 5, per: month}}
    """))
    key = ApiKey.issue(name="slack", role="integration")[1]
    url = f"{live_server.url}/api/v1/kudos"

    def send(i: int):
        body = {"from": "ana@example.com", "to": [f"p{i}@example.com"], "message": f"thanks {i}", "id": f"c:{i}"}
        for attempt in range(5):  # the test server's listen queue is short; a client sends the same id again
            try:
                return requests.post(url, json=body, timeout=60, headers={"Authorization": f"Bearer {key}"})
            except requests.ConnectionError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))
    # then exactly five were given, and fifteen refused saying none are left
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 5 + [422] * 15, [a.text for a in answers if a.status_code not in (201, 422)]
    refused = [a.json() for a in answers if a.status_code == 422]
    assert {r["error"] for r in refused} == {"allowance_exhausted"}
    assert {r["allowance"]["left"] for r in refused} == {0}
    assert sorted(a.json()["allowance"]["left"] for a in answers if a.status_code == 201) == [0, 1, 2, 3, 4]
    assert Event.objects.filter(type="kudos").count() == 5
    assert allowance_for("ana@example.com").left == 0
