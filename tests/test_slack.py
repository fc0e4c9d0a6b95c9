"""Slack Events API over HTTP: signed like Slack signs (v0 HMAC, computed here), mapped to events, scored."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from base.accept import do_accept_events
from base.models import Event, Person, PersonAlias
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
URL = "/integrations/slack/events"
TEAM = "T01"
CHANNEL = "C42"


@pytest.fixture(autouse=True)
def signing_secret(settings):
    settings.SLACK_SIGNING_SECRET = SECRET


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def send(client, payload, *, timestamp: int | None = None, secret: str = SECRET, retry: int | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp), "HTTP_X_SLACK_SIGNATURE": sign(body, timestamp, secret)}
    if retry is not None:
        headers["HTTP_X_SLACK_RETRY_NUM"] = str(retry)
        headers["HTTP_X_SLACK_RETRY_REASON"] = "http_timeout"
    return client.post(URL, body, content_type="application/json", **headers)


def callback(event: dict, event_id: str = "Ev01") -> dict:
    return {"token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
            "event_time": 1764064800, "event": event}


def message(ts: str, user: str = "U_ANA", text: str = "hello", **extra) -> dict:
    return callback({"type": "message", "channel": CHANNEL, "user": user, "text": text, "ts": ts,
                     "event_ts": ts, "channel_type": "channel", **extra}, event_id=f"Ev{ts}")


def reaction(kind: str, ts: str, user: str = "U_BOB", item_user: str = "U_ANA", name: str = "thumbsup", at: str = "1764065000.000100"):
    return callback({"type": kind, "user": user, "reaction": name, "item_user": item_user,
                     "item": {"type": "message", "channel": CHANNEL, "ts": ts}, "event_ts": at}, event_id=f"Ev{kind}{at}")


def stored(event_id: str) -> Event:
    return Event.objects.select_related("actor", "target_author").get(source_id=event_id)


def points_of(reader, person_id: str) -> int:
    response = reader.get(f"/people/{person_id}")
    return response.json()["points"] if response.status_code == 200 else 0


POST_TS = "1764064800.000100"
POST_ID = f"slack:{TEAM}:{CHANNEL}:{POST_TS}"


# --- verification ------------------------------------------------------------------------------


def test_the_url_verification_challenge_is_answered(client, db):
    response = send(client, {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})

    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize("how", ["wrong secret", "stale", "missing headers", "tampered body"])
def test_a_bad_or_stale_signature_is_401_and_stores_nothing(client, db, redis, how):
    payload = message(POST_TS)
    body = json.dumps(payload).encode()
    now = int(time.time())
    if how == "wrong secret":
        response = send(client, payload, secret="not-the-secret")
    elif how == "stale":
        response = send(client, payload, timestamp=now - 6 * 60)
    elif how == "missing headers":
        response = client.post(URL, body, content_type="application/json")
    else:
        headers = {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(now), "HTTP_X_SLACK_SIGNATURE": sign(body, now)}
        response = client.post(URL, body.replace(b"hello", b"HELLO"), content_type="application/json", **headers)

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_signature"
    assert Event.objects.count() == 0


def test_without_a_signing_secret_every_request_is_refused(client, db, settings):
    settings.SLACK_SIGNING_SECRET = ""

    response = send(client, {"type": "url_verification", "challenge": "c"})

    assert response.status_code == 401
    assert "SLACK_SIGNING_SECRET" in response.json()["message"]


def test_signed_bad_json_is_400(client, db):
    response = send(client, None, raw=b"{not json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


# --- mapping -----------------------------------------------------------------------------------


def test_a_channel_message_is_a_post_with_mentions_and_hashtags(client, db, redis):
    carol = Person.objects.create(key="carol@example.com")
    PersonAlias.objects.create(source="slack", external_id=f"{TEAM}:U_CAROL", person=carol)

    response = send(client, message(POST_TS, text="Loved the <#C99|python> session #SocialLearning thanks <@U_CAROL> and <@U_DAN>"))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    event = stored(POST_ID)
    assert event.type == "post"
    assert event.actor.key == f"slack:{TEAM}:U_ANA"
    assert event.channel == CHANNEL
    assert event.hashtags == ["SocialLearning"]
    assert event.mentions == ["carol@example.com", f"slack:{TEAM}:U_DAN"]
    assert "@carol@example.com" in event.text
    # An unknown Slack user becomes a person with an alias, so the next mention resolves to them.
    assert PersonAlias.objects.get(source="slack", external_id=f"{TEAM}:U_DAN").person.key == f"slack:{TEAM}:U_DAN"


def test_a_thread_reply_is_a_comment_on_the_parent_and_credits_its_stored_author(client, db, redis):
    send(client, message(POST_TS, user="U_ANA"))

    response = send(client, message("1764064900.000200", user="U_BOB", text="Great!", thread_ts=POST_TS))

    assert response.status_code == 200
    reply = stored(f"slack:{TEAM}:{CHANNEL}:1764064900.000200")
    assert reply.type == "comment"
    assert reply.target_id == POST_ID
    assert reply.target_author.key == f"slack:{TEAM}:U_ANA"


def test_a_thread_parent_itself_is_a_post(client, db, redis):
    send(client, message(POST_TS, thread_ts=POST_TS))

    assert stored(POST_ID).type == "post"


def test_a_reaction_credits_the_message_author(client, db, redis):
    response = send(client, reaction("reaction_added", POST_TS))

    assert response.status_code == 200
    like = stored(f"{POST_ID}:reaction:U_BOB:thumbsup")
    assert like.type == "reaction"
    assert like.actor.key == f"slack:{TEAM}:U_BOB"
    assert like.target_id == POST_ID
    assert like.target_author.key == f"slack:{TEAM}:U_ANA"


@pytest.mark.parametrize("extra", [
    {"subtype": "message_changed", "message": {"text": "edited"}},
    {"subtype": "bot_message", "bot_id": "B1"},
    {"bot_id": "B1"},
    {"subtype": "channel_join"},
])
def test_edits_bot_and_system_messages_are_acknowledged_and_ignored(client, db, redis, extra):
    response = send(client, message(POST_TS, **extra))

    assert response.status_code == 200
    assert Event.objects.count() == 0


@pytest.mark.parametrize("how", ["attachment", "thread_broadcast", "permalink"])
def test_a_shared_message_is_a_reshare_of_the_original(client, db, redis, how):
    send(client, message(POST_TS, user="U_ANA"))
    share_ts = "1764065100.000300"
    if how == "attachment":
        payload = message(share_ts, user="U_BOB", text="worth a read", channel="C77",
                          attachments=[{"is_share": True, "is_msg_unfurl": True, "channel_id": CHANNEL, "ts": POST_TS, "author_id": "U_ANA"}])
        payload["event"]["channel"] = "C77"
    elif how == "thread_broadcast":
        payload = message(share_ts, user="U_BOB", subtype="thread_broadcast", thread_ts=POST_TS)
    else:
        payload = message(share_ts, user="U_BOB", text=f"see <https://acme.slack.com/archives/{CHANNEL}/p{POST_TS.replace('.', '')}>")

    assert send(client, payload).status_code == 200

    share = Event.objects.select_related("target_author").get(type="reshare")
    assert share.target_id == POST_ID
    assert share.target_author.key == f"slack:{TEAM}:U_ANA"


# --- retries and undo --------------------------------------------------------------------------


def test_slack_retries_are_acknowledged_and_stored_once(client, db, redis):
    payload = message(POST_TS)

    first = send(client, payload)
    retried = [send(client, payload, retry=n) for n in (1, 2)]

    assert first.json()["accepted"] == 1
    assert [(r.status_code, r.json()["duplicates"]) for r in retried] == [(200, 1), (200, 1)]
    assert Event.objects.filter(source_id=POST_ID).count() == 1


def test_reaction_removed_undoes_the_reaction_and_its_points(client, admin, reader):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    send(client, message(POST_TS, user="U_ANA"))
    send(client, reaction("reaction_added", POST_TS))
    do_score_pending()
    ana = f"slack:{TEAM}:U_ANA"
    assert points_of(reader, ana) == 11  # a post and a like received

    response = send(client, reaction("reaction_removed", POST_TS, at="1764065200.000100"))
    do_score_pending()

    assert response.status_code == 200
    undo = stored(f"{POST_ID}:reaction:U_BOB:thumbsup:undo")
    assert undo.type == "undo" and undo.target_id == f"{POST_ID}:reaction:U_BOB:thumbsup"
    assert points_of(reader, ana) == 10

    # Re-adding the same emoji reuses Slack's only identity for it: acknowledged, earns nothing again.
    again = send(client, reaction("reaction_added", POST_TS, at="1764065300.000100"))
    do_score_pending()
    assert again.status_code == 200
    assert points_of(reader, ana) == 10


def test_removing_a_reaction_never_stored_is_acknowledged_with_nothing_stored(client, db, redis):
    response = send(client, reaction("reaction_removed", POST_TS))

    assert response.status_code == 200
    assert Event.objects.count() == 0


# --- one identity per person -------------------------------------------------------------------


def test_a_slack_user_with_an_email_and_an_lms_event_land_on_the_same_person(client, db, redis):
    send(client, message(POST_TS, user="U_ANA", user_profile={"real_name": "Ana Ruiz", "email": "Ana@Example.com"}))
    do_accept_events({"id": "lms:1", "type": "course_completed", "occurred_at": "2026-11-25T12:00:00+00:00",
                      "actor": "ana@example.com"})

    assert stored(POST_ID).actor.key == "ana@example.com"
    assert stored("lms:1").actor_id == stored(POST_ID).actor_id
    assert stored(POST_ID).actor.name == "Ana Ruiz"
    # Later Slack events without the profile still resolve through the alias.
    send(client, message("1764069999.000100", user="U_ANA"))
    assert stored(f"slack:{TEAM}:{CHANNEL}:1764069999.000100").actor.key == "ana@example.com"
