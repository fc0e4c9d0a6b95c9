"""Slack slash commands at the server: /kudos, /plaudit me and /plaudit top, p99 on demo-sized data.

The example ruleset scores a generated month (300 people, seed 11); every person has a Slack alias,
as after a while in a workspace, so no command waits for users.info. The commands are signed as
Slack signs them and sent through Django's test client (the full middleware, no socket); Slack's
Web API is the tests' local stand-in (tests/fake_slack.py), so the kudos' chat.postMessage is a real
HTTP call. The three commands are interleaved in a rotating order, after a warm-up. Slack gives up
on an answer after 3 seconds; the target is a tenth of that.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import statistics
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

from .report import Figure

REQUESTS = 300
TARGET_MS = 300.0
SECRET = "bench-signing-secret"


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def run(ctx) -> dict:
    from django.test import Client, override_settings

    from base.accept import do_accept_events
    from base.models import Event, Person, PersonAlias
    from engine.demo_data import generate_month
    from engine.integrations.slack_app.workspaces import do_install_workspace
    from engine.scoring import do_score_pending
    from rulesets.active import do_activate_ruleset
    from tests import fake_slack

    do_activate_ruleset((ctx.root / "rules/examples/social-learning.yaml").read_text())
    people, events = generate_month(seed=11, people=ctx.size(300, 20), days=ctx.size(30, 2),
                                    end=datetime.now(timezone.utc))
    for i in range(0, len(events), 1000):
        do_accept_events(events[i:i + 1000])
    do_score_pending()
    ids = [p["id"] for p in people]
    persons = {p.key: p for p in Person.objects.filter(key__in=ids)}
    ids = [key for key in ids if key in persons]
    PersonAlias.objects.bulk_create([PersonAlias(source="slack", external_id=f"T01:U{i:05d}", person=persons[key])
                                     for i, key in enumerate(ids)], ignore_conflicts=True)
    requests = ctx.size(REQUESTS, 6)
    fake, server = fake_slack.start()
    client = Client()
    rng = random.Random(5)

    def send(user: int, command: str, text: str) -> dict:
        body = urlencode({"team_id": "T01", "user_id": f"U{user:05d}", "channel_id": "C01", "command": command,
                          "text": text, "trigger_id": f"1.{time.monotonic_ns()}"}).encode()
        stamp = str(int(time.time()))
        signature = "v0=" + hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        answer = client.post("/integrations/slack/commands", body, content_type="application/x-www-form-urlencoded",
                             HTTP_X_SLACK_REQUEST_TIMESTAMP=stamp, HTTP_X_SLACK_SIGNATURE=signature)
        assert answer.status_code == 200, answer.content[:300]
        return answer.json()

    givers = list(range(len(ids)))
    rng.shuffle(givers)

    def kudos(i):
        giver = givers[i % len(givers)]
        receiver = (giver + 1 + rng.randrange(len(ids) - 1)) % len(ids)
        answer = send(giver, "/kudos", f"<@U{receiver:05d}> thanks for the walkthrough #sharing")
        assert "Kudos sent" in answer["text"], answer["text"]

    def me(i):
        assert "points" in send(rng.randrange(len(ids)), "/plaudit", "me")["text"]

    def top(i):
        assert "Top" in send(rng.randrange(len(ids)), "/plaudit", "top")["text"]

    commands = (kudos, me, top)
    times = {c: [] for c in commands}
    try:
        with override_settings(SLACK_API_URL=fake.url, SLACK_SIGNING_SECRET=SECRET):
            do_install_workspace({"access_token": fake_slack.BOT_TOKEN, "team": {"id": "T01", "name": "Bench"}})
            for c in commands:  # warm-up, untimed
                c(requests)
            for i in range(requests):
                for c in commands[i % 3:] + commands[:i % 3]:
                    started = time.perf_counter()
                    c(i)
                    times[c].append(time.perf_counter() - started)
    finally:
        server.shutdown()
        server.server_close()
    assert Event.objects.filter(type="kudos").count() == requests + 1
    target = "the target"
    return {
        "figures": [
            Figure("/kudos p99 at the server, demo data", _p99(times[kudos]), TARGET_MS, "ms", target, target=1.0,
                   higher_is_better=False),
            Figure("/plaudit me p99 at the server, demo data", _p99(times[me]), TARGET_MS, "ms", target, target=1.0,
                   higher_is_better=False),
            Figure("/plaudit top p99 at the server, demo data", _p99(times[top]), TARGET_MS, "ms", target, target=1.0,
                   higher_is_better=False),
        ],
        "details": {"requests_each": requests, "people": len(ids), "events": len(events),
                    **{f"{name}_median_ms": round(statistics.median(times[c]) * 1000, 1)
                       for name, c in (("kudos", kudos), ("me", me), ("top", top))},
                    "slack_calls": len(fake.calls)},
    }
