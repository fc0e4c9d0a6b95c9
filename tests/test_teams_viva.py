"""Teams outgoing webhooks (HMAC computed here) and Viva Engage messages (integration key) over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from base.models import Event
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET

TEAMS_SECRET = base64.b64encode(b"a-teams-webhook-security-token!!").decode()
CHANNEL = "19:abc@thread.tacv2"


@pytest.fixture(autouse=True)
def teams_secret(settings):
    settings.TEAMS_HMAC_SECRET = TEAMS_SECRET


def teams_sign(body: bytes, secret: str = TEAMS_SECRET) -> str:
    return "HMAC " + base64.b64encode(hmac.new(base64.b64decode(secret), body, hashlib.sha256).digest()).decode()


def teams_send(client, activity: dict, auth: str | None = None):
    body = json.dumps(activity).encode()
    return client.post("/integrations/teams/messages", body, content_type="application/json",
                       HTTP_AUTHORIZATION=auth if auth is not None else teams_sign(body))


def activity(id_: str, text: str, *, sender=None, reply_to: str | None = None, entities=()) -> dict:
    body = {
        "type": "message", "id": id_, "timestamp": "2026-11-25T10:00:00.000Z", "channelId": "msteams",
        "from": sender or {"id": "29:ana", "name": "Ana Ruiz", "aadObjectId": "aad-ana"},
        "conversation": {"isGroup": True, "id": f"{CHANNEL};messageid={reply_to or id_}"},
        "recipient": {"id": "28:plaudit", "name": "Plaudit"},
        "textFormat": "plain", "text": text,
        "entities": [{"type": "mention", "mentioned": {"id": "28:plaudit", "name": "Plaudit"}, "text": "<at>Plaudit</at>"},
                     *entities, {"type": "clientInfo", "locale": "en-US"}],
        "channelData": {"teamsChannelId": CHANNEL, "teamsTeamId": "19:team", "tenant": {"id": "t1"}},
    }
    if reply_to:
        body["replyToId"] = reply_to
    return body


# --- Teams -------------------------------------------------------------------------------------


def test_a_signed_teams_message_is_a_post_and_gets_a_reply(client, db, redis):
    carol = {"type": "mention", "mentioned": {"id": "29:carol", "name": "Carol"}, "text": "<at>Carol</at>"}

    response = teams_send(client, activity("1001", "<at>Plaudit</at> <p>Thanks <at>Carol</at> for the <b>#Python</b> tips &amp; tricks</p>",
                                           entities=[carol]))

    assert response.status_code == 200, response.content
    assert response.json()["type"] == "message" and "recorded" in response.json()["text"]
    event = Event.objects.select_related("actor").get(source_id=f"teams:{CHANNEL}:1001")
    assert event.type == "post"
    assert event.actor.key == "teams:aad-ana"
    assert event.text == "Thanks @Carol for the #Python tips & tricks"
    assert event.hashtags == ["Python"]
    assert event.mentions == ["teams:29:carol"]  # the webhook's own mention is addressing, not a mention


def test_a_teams_reply_is_a_comment_on_the_parent(client, db, redis):
    teams_send(client, activity("1001", "<at>Plaudit</at> a post"))
    bob = {"id": "29:bob", "name": "Bob", "aadObjectId": "aad-bob", "userPrincipalName": "bob@example.com"}

    response = teams_send(client, activity("1002", "<at>Plaudit</at> nice", sender=bob, reply_to="1001"))

    assert response.status_code == 200
    reply = Event.objects.select_related("actor", "target_author").get(source_id=f"teams:{CHANNEL}:1002")
    assert reply.type == "comment"
    assert reply.actor.key == "bob@example.com"
    assert reply.target_id == f"teams:{CHANNEL}:1001"
    assert reply.target_author.key == "teams:aad-ana"


# `Bearer ...` is the Teams bot's scheme on the same path: tests/test_teams_bot.py checks those tokens.
@pytest.mark.parametrize("auth", ["", "HMAC AAAA", "Basic x", "wrong-key"])
def test_a_bad_teams_hmac_is_401_and_stores_nothing(client, db, redis, auth):
    body = activity("1003", "hi")
    if auth == "wrong-key":
        auth = teams_sign(json.dumps(body).encode(), secret=base64.b64encode(b"another-token").decode())

    response = teams_send(client, body, auth=auth)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert Event.objects.count() == 0


def test_teams_without_a_secret_refuses_everything(client, db, settings):
    settings.TEAMS_HMAC_SECRET = ""

    assert teams_send(client, activity("1004", "hi")).status_code == 401


# --- Viva Engage -------------------------------------------------------------------------------


def viva_send(api, payload):
    return api.client.post("/integrations/viva/messages", json.dumps(payload), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.key}")


REFS = [
    {"type": "user", "id": 11, "full_name": "Ana Ruiz", "email": "ana@example.com"},
    {"type": "user", "id": 22, "full_name": "Bob Li", "email": "bob@example.com"},
    {"type": "user", "id": 33, "full_name": "Carol Ng", "email": "carol@example.com"},
]


def yammer(id_, sender, plain, **extra):
    return {"id": id_, "sender_id": sender, "group_id": 500, "created_at": "2026/11/25 10:00:00 +0000",
            "message_type": "update", "body": {"plain": plain, "parsed": plain}, **extra}


def test_viva_praise_is_a_shoutout_awarding_the_praised_people(admin, integration, reader):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    praise = yammer(9001, 11, "Congrats on passing the exam! #certified", message_type="praise",
                    praised_user_ids=[22, 33], praise_icon="star")

    response = viva_send(integration, {"messages": [praise], "references": REFS})
    do_score_pending()

    assert response.status_code == 200, response.content
    event = Event.objects.get(source_id="viva:9001")
    assert event.type == "shoutout"
    assert event.mentions == ["bob@example.com", "carol@example.com"]
    assert event.channel == "500"
    assert [reader.get(f"/people/{p}").json()["points"] for p in ("bob@example.com", "carol@example.com", "ana@example.com")] == [25, 25, 2]


def test_viva_replies_and_likes_are_comments_and_reactions(integration):
    post = yammer(9100, 11, "My notes on pandas")
    reply = yammer(9101, 22, "Thanks [[user:11]]!", replied_to_id=9100, thread_id=9100)
    reply["body"]["plain"] = "Thanks Ana!"
    like = {"type": "like", "message_id": 9100, "user_id": 33, "created_at": "2026-11-25T11:00:00+00:00"}

    response = viva_send(integration, {"messages": [post, reply], "likes": [like], "references": REFS})

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3
    comment = Event.objects.select_related("target_author").get(source_id="viva:9101")
    assert (comment.type, comment.target_id, comment.mentions) == ("comment", "viva:9100", ["ana@example.com"])
    assert comment.target_author.key == "ana@example.com"
    liked = Event.objects.select_related("actor", "target_author").get(source_id="viva:9100:like:33")
    assert (liked.type, liked.actor.key, liked.target_author.key) == ("reaction", "carol@example.com", "ana@example.com")
    # Sent again: acknowledged as duplicates.
    assert viva_send(integration, {"messages": [post, reply], "likes": [like], "references": REFS}).json()["duplicates"] == 3


def test_viva_needs_an_integration_key(anonymous, reader):
    payload = yammer(9200, 11, "hi")

    assert viva_send(anonymous, payload).status_code == 401
    assert viva_send(reader, payload).status_code == 403
    assert Event.objects.count() == 0


def test_viva_malformed_items_are_refused_whole(integration):
    response = viva_send(integration, [yammer(9300, 11, "fine"), {"id": 9301}])

    assert response.status_code == 422
    assert Event.objects.count() == 0
