"""Notifications end to end: channels and templates over the API, the outbox, retries, flood control,
real HTTP receivers on 127.0.0.1, real RQ workers, a real SMTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import time
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone

from base.redis import get_redis
from notifications import outbox
from notifications.models import Channel, Notification
from notifications.receiver import Answer, Receiver
from tests.conftest import wait_for
from tests.helpers import event, yaml

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()

RULESET = yaml("""
    ruleset: notify
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 20}
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: comment
        when: {type: comment}
        award: {to: actor, points: 2}
    badges:
      - id: first-post
        name: First Post
        description: Shared something for the first time.
        criteria: {rule: post}
      - id: talker
        name: Talker
        criteria: {rule: comment}
      - id: two-posts
        name: Two Posts
        criteria: {rule: post, count: 2}
    leaderboards:
      - id: all-time
    notifications:
      - {on: badge_awarded, to: origin, template: badge_awarded}
      - {on: level_up, to: origin, template: level_up}
      - {on: badge_awarded, to: hr-webhook}
      - {on: digest, schedule: "0 9 * * MON", to: learning-python, template: weekly_digest}
""")


@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def allow_local(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


def _activate(admin, text=RULESET):
    response = admin.put_yaml("/ruleset", text)
    assert response.status_code == 200, response.content


def _put_channel(admin, channel_id, **body):
    return admin.client.put(f"/api/v1/channels/{channel_id}", json.dumps(body), content_type="application/json",
                            **admin._headers())


def _channels(admin, receiver):
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    assert _put_channel(admin, "hr-webhook", kind="webhook", url=f"{receiver.url}/webhook",
                        secret=SECRET).status_code == 201


def _deliver_all():
    """What a worker does with the queued ids, in this process (the worker tests run the real one)."""
    for n in Notification.objects.filter(status__in=["pending", "retrying"]).order_by("id"):
        outbox.deliver_notification_job(n.id)


# --- channels over the API -------------------------------------------------------------------------

def test_a_webhook_channel_keeps_its_secret_out_of_every_answer(admin, receiver, allow_local):
    # when
    created = _put_channel(admin, "hr", kind="webhook", url=f"{receiver.url}/webhook?token=abc", secret=SECRET)
    listed = admin.get("/channels")
    one = admin.get("/channels/hr")
    # then
    assert created.status_code == 201
    for response in (created, listed, one):
        assert SECRET not in response.content.decode() and "token=abc" not in response.content.decode()
    assert one.json()["secrets"] == 1 and one.json()["kind"] == "webhook"
    assert Channel.objects.get(id="hr").secrets == [SECRET]


@pytest.mark.parametrize("body, path, words", [
    ({"kind": "carrier-pigeon", "url": "https://example.com/"}, "kind", "unknown channel kind"),
    ({"kind": "slack"}, "url", "needs a `url`"),
    ({"kind": "slack", "url": "http://169.254.169.254/latest"}, "url", "metadata"),
    ({"kind": "slack", "url": "http://10.0.0.1/hook"}, "url", "private address"),
    ({"kind": "teams", "url": "ftp://example.com/x"}, "url", "https://"),
    ({"kind": "webhook", "url": "RECEIVER/webhook"}, "secret", "needs a `secret`"),
    ({"kind": "webhook", "url": "RECEIVER/webhook", "secret": "hunter2"}, "secret", "whsec_"),
    ({"kind": "webhook", "url": "RECEIVER/webhook", "secrets": [SECRET, OLD_SECRET, SECRET]}, "secret", "at most two"),
    ({"kind": "slack", "url": "http://127.0.0.1:9/closed"}, "url", "cannot connect"),
    ({"kind": "email", "recipients": ["not-an-address"]}, "recipients[0]", "not an email address"),
    ({"kind": "email"}, "recipients", "needs 1 to"),
])
def test_a_bad_channel_is_refused_at_configuration_time(admin, receiver, allow_local, body, path, words):
    body = {k: (v.replace("RECEIVER", receiver.url) if isinstance(v, str) else v) for k, v in body.items()}
    # when
    response = _put_channel(admin, "c", **body)
    # then
    assert response.status_code == 422, response.content
    assert words in response.json()["message"]
    assert response.json()["details"][0]["path"] == path
    assert not Channel.objects.filter(id="c").exists()


def test_private_receivers_need_outbound_allow(admin, receiver, settings):
    settings.OUTBOUND_ALLOW = []
    response = _put_channel(admin, "c", kind="slack", url=f"{receiver.url}/slack")
    assert response.status_code == 422 and "loopback" in response.json()["message"]


def test_channels_need_an_admin_key(reader):
    assert reader.get("/channels").status_code == 403
    assert reader.get("/notifications").status_code == 403


# --- templates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("{% if person.name %}never closed", "line 1"),
    ("{{ person.nmae }} earned it", "nmae"),
    ("{{ nobody }}", "nobody"),
    ("{{ ''.__class__.__mro__ }}", "sandbox"),
])
def test_a_template_that_does_not_compile_or_names_unknown_fields_is_refused(admin, text, words):
    response = admin.client.put("/api/v1/templates/slack/badge_awarded", json.dumps({"text": text}),
                                content_type="application/json", **admin._headers())
    assert response.status_code == 422, response.content
    assert words in response.json()["message"]
    assert admin.get("/templates/slack/badge_awarded").json()["overridden"] is False


def test_an_override_is_used_for_its_kind_and_previews_with_sample_data(admin):
    # when
    saved = admin.client.put("/api/v1/templates/slack/badge_awarded",
                             json.dumps({"text": "Bravo {{ person.name }}: {{ badge.name }}!"}),
                             content_type="application/json", **admin._headers())
    slack = admin.post("/templates/preview", {"kind": "slack", "name": "badge_awarded"})
    teams = admin.post("/templates/preview", {"kind": "teams", "name": "badge_awarded"})
    email = admin.post("/templates/preview", {"kind": "email", "name": "weekly_digest"})
    hook = admin.post("/templates/preview", {"kind": "webhook", "name": "level_up"})
    unknown = admin.post("/templates/preview", {"kind": "sms", "name": "level_up"})
    # then
    assert saved.status_code == 200 and saved.json()["overridden"]
    assert slack.json()["text"] == "Bravo Ana Ruiz: Helper!"
    assert slack.json()["payload"]["blocks"][0]["text"] == {"type": "mrkdwn", "text": "Bravo Ana Ruiz: Helper!"}
    card = teams.json()["payload"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and "Ana Ruiz" in card["content"]["body"][1]["text"]
    assert "Most engaged posts" in email.json()["payload"]["html"] and email.json()["payload"]["subject"]
    assert hook.json()["payload"]["type"] == "level.reached" and hook.json()["payload"]["data"]["person"]["name"] == "Ana Ruiz"
    assert unknown.status_code == 422 and "unknown channel kind" in unknown.json()["message"]


def test_ruleset_notifications_are_checked_when_activated(admin):
    bad = RULESET.replace('schedule: "0 9 * * MON"', 'schedule: "every monday"').replace(
        "template: level_up}", "template: levelup}")
    response = admin.put_yaml("/ruleset", bad)
    assert response.status_code == 422
    text = response.content.decode()
    assert "not a cron schedule" in text and "unknown template 'levelup'" in text


# --- the outbox -------------------------------------------------------------------------------------

def _score(admin, *events):
    from engine.scoring import do_score_pending

    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.content
    do_score_pending()


def test_a_badge_becomes_a_slack_message_and_a_signed_webhook(admin, receiver, allow_local):
    # given
    _activate(admin)
    _channels(admin, receiver)
    # when: one post earns First Post
    _score(admin, event("post", {"id": "ana@example.com", "name": "Ana <!channel> Ruiz"}, channel="learning-python"))
    _deliver_all()
    # then
    rows = list(Notification.objects.order_by("channel_id"))
    assert [(n.channel_id, n.status, n.attempts) for n in rows] == [("hr-webhook", "delivered", 1),
                                                                    ("learning-python", "delivered", 1)]
    slack = next(r for r in receiver.received if r.path == "/slack")
    assert slack.problem == ""
    assert slack.json()["text"].startswith("*Ana &lt;!channel&gt; Ruiz* earned *First Post*.")
    hook = next(r for r in receiver.received if r.path == "/webhook")
    assert hook.verified is True
    signed = f"{hook.headers['webhook-id']}.{hook.headers['webhook-timestamp']}.".encode() + hook.body
    expected = base64.b64encode(hmac.new(b"k" * 32, signed, hashlib.sha256).digest()).decode()
    assert hook.headers["webhook-signature"] == f"v1,{expected}"
    body = hook.json()
    assert body["type"] == "badge.awarded" and body["data"]["badges"][0]["id"] == "first-post"
    assert body["data"]["person"]["id"] == "ana@example.com"


def test_several_awards_to_one_person_in_one_batch_become_one_message(admin, receiver, allow_local):
    # given
    _activate(admin)
    _channels(admin, receiver)
    # when: two posts and a comment in one batch: three badges and a level
    _score(admin, event("post", "bob@example.com", channel="learning-python"),
           event("post", "bob@example.com", channel="learning-python"),
           event("comment", "bob@example.com", channel="learning-python"))
    _deliver_all()
    # then
    slack = [r for r in receiver.received if r.path == "/slack"]
    assert len(slack) == 1
    text = slack[0].json()["text"]
    assert "*First Post*, *Two Posts* and *Talker*" in text and "reached the level *Contributor*" in text
    assert Notification.objects.filter(channel_id="learning-python").count() == 1


def test_unconfigured_channels_and_recomputes_announce_nothing(admin, receiver, allow_local):
    # given: only the slack channel is configured
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    _score(admin, event("post", "cy@example.com", channel="elsewhere"))
    assert Notification.objects.count() == 0
    _score(admin, event("post", "dee@example.com", channel="learning-python"))
    assert Notification.objects.count() == 1
    # when
    from engine.recompute import do_recompute

    do_recompute()
    # then: the badges were granted again, announced never again
    from badges.models import BadgeGrant

    assert BadgeGrant.objects.filter(badge_id="first-post").count() == 2
    assert Notification.objects.count() == 1


def test_a_backfill_import_announces_nothing(admin, receiver, allow_local, tmp_path):
    from django.core.management import call_command

    from engine.scoring import do_score_pending

    _activate(admin)
    _channels(admin, receiver)
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(event("post", "eve@example.com", channel="learning-python")) + "\n")
    # when
    call_command("events", "import", str(path))
    do_score_pending()
    # then
    from badges.models import BadgeGrant

    assert BadgeGrant.objects.filter(person__key="eve@example.com").count() == 1
    assert Notification.objects.count() == 0


def test_retries_back_off_honour_retry_after_and_end_delivered(admin, receiver, allow_local, settings):
    # given: the receiver fails twice (a 503, then a 429 asking for 30 s)
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    receiver.script = [Answer(503), Answer(429, {"Retry-After": "30"})]
    _score(admin, event("post", "fay@example.com", channel="learning-python"))
    n = Notification.objects.get()
    # when / then: the 503 is retried after a backoff
    assert outbox.deliver_notification_job(n.id) == "retrying"
    n.refresh_from_db()
    assert n.attempts == 1 and n.last_error.startswith("HTTP 503")
    assert 0 < (n.next_attempt_at - timezone.now()).total_seconds() <= settings.NOTIFICATION_BACKOFF_SECONDS
    assert outbox.deliver_notification_job(n.id) == "not due"  # too early: nothing is sent
    Notification.objects.filter(id=n.id).update(next_attempt_at=timezone.now())
    # the 429 waits as long as asked
    assert outbox.deliver_notification_job(n.id) == "retrying"
    n.refresh_from_db()
    assert n.last_status_code == 429 and 28 <= (n.next_attempt_at - timezone.now()).total_seconds() <= 30
    Notification.objects.filter(id=n.id).update(next_attempt_at=timezone.now())
    assert outbox.deliver_notification_job(n.id) == "delivered"
    listed = admin.get("/notifications", status="delivered").json()
    assert listed["total"] == 1 and listed["items"][0]["attempts"] == 3 and listed["items"][0]["last_error"] == ""
    assert len(receiver.received) == 3


def test_a_4xx_is_dead_lettered_and_an_admin_can_requeue_it(admin, receiver, allow_local):
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    receiver.script = [Answer(404)]
    _score(admin, event("post", "gus@example.com", channel="learning-python"))
    n = Notification.objects.get()
    # when
    assert outbox.deliver_notification_job(n.id) == "dead"
    dead = admin.get(f"/notifications/{n.id}").json()
    requeued = admin.post(f"/notifications/{n.id}/requeue", {})
    again = admin.post(f"/notifications/{n.id}/requeue", {})
    # then
    assert dead["status"] == "dead" and dead["last_status_code"] == 404 and "HTTP 404" in dead["last_error"]
    assert requeued.status_code == 202 and requeued.json()["status"] == "pending"
    assert outbox.deliver_notification_job(n.id) == "delivered"
    assert admin.post(f"/notifications/{n.id}/requeue", {}).status_code == 409
    assert again.status_code == 202  # still pending then: requeueing twice is harmless
    assert admin.get("/notifications", status="bogus").status_code == 422


def test_redirects_are_not_followed(admin, receiver, allow_local):
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    receiver.script = [Answer(302, {"Location": "http://169.254.169.254/"})]
    _score(admin, event("post", "hal@example.com", channel="learning-python"))
    n = Notification.objects.get()
    assert outbox.deliver_notification_job(n.id) == "dead"
    n.refresh_from_db()
    assert "redirects are not followed" in n.last_error and len(receiver.received) == 1


def test_a_channel_gets_at_most_about_one_message_a_second(admin, receiver, allow_local):
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    _score(admin, *[event("post", f"p{i}@example.com", channel="learning-python") for i in range(3)])
    arrivals = []
    receiver.on_receive = lambda item, status: arrivals.append(time.monotonic())
    # when
    _deliver_all()
    # then
    assert len(arrivals) == 3
    assert all(b - a >= 0.9 for a, b in zip(arrivals, arrivals[1:]))


def test_rotating_webhook_secrets_signs_with_both(admin, receiver, allow_local):
    _activate(admin)
    assert _put_channel(admin, "hr-webhook", kind="webhook", url=f"{receiver.url}/webhook",
                        secrets=[OLD_SECRET, SECRET]).status_code == 201
    _score(admin, event("post", "ivy@example.com", channel="x"))
    _deliver_all()
    [hook] = receiver.received
    assert hook.verified is True and len(hook.headers["webhook-signature"].split(" ")) == 2
    # a channel update without a secret keeps the secrets
    assert _put_channel(admin, "hr-webhook", kind="webhook", url=f"{receiver.url}/webhook").status_code == 200
    assert Channel.objects.get(id="hr-webhook").secrets == [OLD_SECRET, SECRET]


def test_email_goes_through_a_real_smtp_server(admin, smtp_inbox):
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="email", recipients=["team@example.com"]).status_code == 201
    _score(admin, event("post", {"id": "jo@example.com", "name": "Jo <b>bold</b>"}, channel="learning-python"))
    _deliver_all()
    [message] = smtp_inbox.messages
    text = message.content.decode()
    assert message.rcpt_tos == ["team@example.com"]
    assert "Subject: Jo <b>bold</b> earned First Post" in text
    assert "Jo &lt;b&gt;bold&lt;/b&gt;" in text and "text/html" in text
    assert Notification.objects.get().status == "delivered"


# --- digests ----------------------------------------------------------------------------------------

def test_the_weekly_digest_tells_the_channel_story_once_per_slot(admin, receiver, allow_local):
    from notifications.digest import publish_due
    from rulesets.active import active_ruleset

    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    # given: last week (Mon 23 Nov to Sun 29 Nov 2026, Berlin) and the week before
    _score(admin,
           event("post", {"id": "ana@example.com", "name": "Ana"}, id="p1", channel="learning-python",
                 at="2026-11-24T10:00:00+01:00", text="Notes from the pandas workshop: " + "groupby tips " * 20),
           event("reaction", "bob@example.com", channel="learning-python", at="2026-11-24T11:00:00+01:00",
                 target={"id": "p1", "author": "ana@example.com"}),
           event("comment", "bob@example.com", channel="learning-python", at="2026-11-25T11:00:00+01:00",
                 target={"id": "p1", "author": "ana@example.com"}, text="great"),
           event("post", "cat@example.com", channel="learning-python", at="2026-11-17T10:00:00+01:00"),
           event("post", "dan@example.com", channel="other", at="2026-11-24T10:00:00+01:00"))
    Notification.objects.all().delete()
    ruleset, _ = active_ruleset()
    monday_9 = datetime(2026, 11, 30, 8, 0, 30, tzinfo=dt_timezone.utc)  # 09:00:30 in Berlin
    # when: two relays in the slot, then one before it
    first = publish_due(ruleset, now=monday_9)
    second = publish_due(ruleset, now=monday_9 + timedelta(minutes=5))
    early = publish_due(ruleset, now=datetime(2026, 11, 30, 7, 59, tzinfo=dt_timezone.utc))
    # then
    assert len(first) == 1 and second == [] and early == []
    data = Notification.objects.get().data
    assert data["week"] == {"from": "2026-11-23", "until": "2026-11-30", "label": "23 Nov to 29 Nov 2026"}
    assert data["numbers"]["this_week"]["events"] == 3 and data["numbers"]["last_week"]["events"] == 1
    assert data["numbers"]["change"]["events"] == 200
    assert [c["name"] for c in data["top_contributors"]] == ["Ana", "bob@example.com"]
    assert data["top_posts"][0]["reactions"] == 1 and data["top_posts"][0]["comments"] == 1
    assert data["top_posts"][0]["quote"].endswith("…") and len(data["top_posts"][0]["quote"]) <= 141
    assert data["new_badges"] == [{"person": "Ana", "badge": "First Post", "tier": None},
                                  {"person": "bob@example.com", "badge": "Talker", "tier": None}]
    _deliver_all()
    [message] = receiver.received
    assert "*The week in learning-python* (23 Nov to 29 Nov 2026)" in message.json()["text"]


# --- real workers -----------------------------------------------------------------------------------

@pytest.mark.worker
def test_events_in_to_a_verified_delivery_through_real_workers(admin, workers, receiver, settings):
    # given: a real worker that may reach 127.0.0.1
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    _activate(admin)
    _channels(admin, receiver)
    workers.start(OUTBOUND_ALLOW="127.0.0.1")
    # when: events arrive over the API and the worker scores and delivers them
    response = admin.post("/events", [event("post", {"id": "kim@example.com", "name": "Kim"}, channel="learning-python")])
    assert response.status_code == 202
    wait_for(lambda: len(receiver.received) >= 2, timeout=60, what="two deliveries")
    # then
    slack = next(r for r in receiver.received if r.path == "/slack")
    hook = next(r for r in receiver.received if r.path == "/webhook")
    assert slack.problem == "" and "*Kim* earned *First Post*" in slack.json()["text"]
    assert hook.verified is True and hook.json()["type"] == "badge.awarded"
    wait_for(lambda: Notification.objects.filter(status="delivered").count() == 2, timeout=10, what="delivered rows")


@pytest.mark.worker
def test_a_killed_delivery_worker_loses_nothing(admin, workers, receiver, settings):
    # given: a receiver that hangs on the first request, and a worker delivering to it
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    receiver.script = [Answer(200, delay=8)]
    worker = workers.start(OUTBOUND_ALLOW="127.0.0.1")
    admin.post("/events", [event("post", "lee@example.com", channel="learning-python")])
    wait_for(lambda: Notification.objects.filter(status="delivering").exists(), timeout=60, what="a claimed row")
    # when: the worker is killed mid-delivery
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    n = Notification.objects.get()
    assert n.status == "delivering"
    Notification.objects.filter(id=n.id).update(lease_until=timezone.now() - timedelta(seconds=1))  # the lease runs out
    workers.start(OUTBOUND_ALLOW="127.0.0.1")
    assert outbox.requeue_due(get_redis()) == 1
    # then
    wait_for(lambda: Notification.objects.get(id=n.id).status == "delivered", timeout=60, what="redelivery")
    assert Notification.objects.get(id=n.id).attempts == 2


def test_entering_a_board_top_n_is_announced_once(admin, receiver, allow_local):
    # given: a top-2 announcement on the all-time board
    _activate(admin, RULESET.replace("  - {on: level_up, to: origin, template: level_up}\n",
                                     "  - {on: level_up, to: origin, template: level_up}\n"
                                     "  - {on: leaderboard_top, board: all-time, top: 2, to: origin}\n"))
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    _score(admin, event("post", "a@example.com", channel="x"), event("post", "a@example.com", channel="x"),
           event("post", "b@example.com", channel="x"))
    assert Notification.objects.filter(trigger="leaderboard_top").count() == 0  # channel x is not configured
    # when: c passes b with three comments in the configured channel
    _score(admin, *[event("comment", {"id": "c@example.com", "name": "Cleo"}, channel="learning-python")
                    for _ in range(6)])
    _score(admin, event("comment", "c@example.com", channel="learning-python"))
    # then
    [top] = Notification.objects.filter(trigger="leaderboard_top")
    assert top.data["person"]["name"] == "Cleo" and top.data["rank"] == 2 and top.data["board"]["id"] == "all-time"
    _deliver_all()
    text = next(r.json()["text"] for r in receiver.received if "top 2" in r.json()["text"])
    assert text == "*Cleo* entered the top 2 of *all-time* at rank 2 with 12 points."


def test_the_demo_live_events_earn_badges_announced_on_slack_and_the_webhook(admin, receiver, allow_local):
    # given: the example ruleset and the channels make demo configures
    from django.conf import settings as django_settings

    from notifications.demo import SLACK_CHANNEL, WEBHOOK_CHANNEL, live_events

    _activate(admin, (django_settings.BASE_DIR / "rules" / "examples" / "social-learning.yaml").read_text())
    assert _put_channel(admin, SLACK_CHANNEL, kind="slack", url=f"{receiver.url}/slack").status_code == 201
    assert _put_channel(admin, WEBHOOK_CHANNEL, kind="webhook", url=f"{receiver.url}/webhook", secret=SECRET).status_code == 201
    # when
    _score(admin, *live_events(datetime.now(dt_timezone.utc).replace(microsecond=0)))
    _deliver_all()
    # then
    slack = next(r for r in receiver.received if r.path == "/slack")
    hook = next(r for r in receiver.received if r.path == "/webhook")
    assert slack.problem == "" and "*Sam Rivera* earned *First Post*" in slack.json()["text"]
    assert hook.verified is True and {b["id"] for b in hook.json()["data"]["badges"]} >= {"first-post", "lifelong-learner"}


def test_a_disabled_channel_gets_nothing_and_says_why(admin, receiver, allow_local):
    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    _score(admin, event("post", "kai@example.com", channel="learning-python"))
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack", enabled=False).status_code == 200
    # when
    _deliver_all()
    # then
    n = Notification.objects.get()
    assert n.status == "dead" and "not configured or disabled" in n.last_error and receiver.received == []


def test_a_digest_slot_missed_by_more_than_an_hour_is_skipped(admin, receiver, allow_local):
    from notifications.digest import publish_due
    from rulesets.active import active_ruleset

    _activate(admin)
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    ruleset, _ = active_ruleset()
    # Monday 09:00 Berlin was 08:00 UTC; at 09:30 UTC the slot is 90 minutes old
    assert publish_due(ruleset, now=datetime(2026, 11, 30, 9, 30, tzinfo=dt_timezone.utc)) == []
    assert publish_due(ruleset, now=datetime(2026, 11, 30, 8, 59, tzinfo=dt_timezone.utc)) != []


def test_the_checked_address_is_the_one_connected_to_with_the_original_host(receiver, settings):
    from notifications import outbound

    # given: a name that resolves to the receiver's address, allowed by name
    settings.OUTBOUND_ALLOW = ["hooks.example.test"]

    class Network(outbound.SocketTransport):
        def __init__(self):
            self.lookups, self.connected = [], []

        def resolve(self, host, port):
            self.lookups.append(host)
            return super().resolve("127.0.0.1" if host == "hooks.example.test" else host, port)

        def send(self, request):
            self.connected.append(request.address)
            return super().send(request)

    network = Network()
    port = receiver.server_address[1]
    # when
    response = outbound.post(f"http://hooks.example.test:{port}/teams", b"{}", {"Content-Type": "application/json"},
                             transport=network)
    # then: the name was looked up once (by the check); the connection went to the checked address
    assert response.status == 200 and network.lookups == ["hooks.example.test"] and network.connected == ["127.0.0.1"]
    assert receiver.received[0].headers["host"] == f"hooks.example.test:{port}"


def test_retry_after_takes_seconds_or_a_date_and_is_bounded():
    from email.utils import format_datetime

    from notifications.delivery import retry_after

    assert retry_after("12") == 12
    assert retry_after("999999") == 3600
    assert 55 <= retry_after(format_datetime(datetime.now(dt_timezone.utc) + timedelta(seconds=60), usegmt=True)) <= 60
    assert retry_after("soon") is None


def test_people_who_opted_out_are_announced_to_webhooks_only(admin, receiver, allow_local):
    _activate(admin)
    _channels(admin, receiver)
    _score(admin, event("post", "quiet@example.com", channel="x"))
    assert admin.patch("/people/quiet@example.com", {"public": False}).status_code == 200
    # when: a badge earned after opting out
    _score(admin, event("comment", "quiet@example.com", channel="learning-python"))
    # then
    assert list(Notification.objects.filter(data__person__id="quiet@example.com").values_list("channel_id", flat=True)) \
        == ["hr-webhook", "hr-webhook"]


def test_a_badge_granted_by_hand_is_announced_to_named_channels(admin, receiver, allow_local):
    # given: the ruleset announces badges to the origin channel and to hr-webhook
    _activate(admin)
    _channels(admin, receiver)
    _score(admin, event("post", {"id": "kim@example.com", "name": "Kim"}, channel="elsewhere"))
    Notification.objects.all().delete()
    # when: an admin grants Talker by hand
    granted = admin.post("/people/kim@example.com/badges", {"badge": "talker", "reason": "ran the study group"})
    assert granted.status_code == 201, granted.content
    _deliver_all()
    # then: the webhook hears of it with the reason; no origin channel exists for a grant by hand
    assert [n.channel_id for n in Notification.objects.all()] == ["hr-webhook"]
    hook = next(r for r in receiver.received if r.path == "/webhook")
    data = hook.json()["data"]
    assert hook.verified and data["badge"]["id"] == "talker" and data["granted_by_hand"] and data["reason"] == "ran the study group"
