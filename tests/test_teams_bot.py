"""The Teams bot over HTTP, against real local servers standing in for Microsoft.

One local server plays Microsoft: the OpenID metadata and its JWKS (an RSA key made here, tokens
signed with it by PyJWT), the token endpoint the bot gets its own token from, and the Bot Connector
that receives the replies. Each records what it was asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
import zipfile
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from PIL import Image

from base.models import Event, Person
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event, yaml

APP_ID = "6f1f3f38-4a6e-4b0b-9b3c-0d6f9c1f2a11"
ISSUER = "https://api.botframework.com"
CHANNEL = "19:general@thread.tacv2"


def _rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys():
    return {"k1": _rsa(), "k2": _rsa(), "stranger": _rsa()}


class Microsoft:
    """The local stand-in: what it publishes, what it answers, and every call it received."""

    def __init__(self, keys):
        self.keys, self.published = keys, ["k1"]
        self.calls: list[dict] = []
        self.connector_status = 201
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def jwks(self) -> dict:
        out = []
        for kid in self.published:
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
            out.append({**jwk, "kid": kid, "use": "sig", "endorsements": ["msteams"]})
        return {"keys": out}

    def calls_to(self, prefix: str) -> list[dict]:
        return [c for c in self.calls if c["path"].startswith(prefix)]

    @property
    def replies(self) -> list[dict]:
        return self.calls_to("/connector/")

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                stand_in.calls.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                if self.path == "/openid":
                    self._answer(200, {"issuer": ISSUER, "jwks_uri": f"{stand_in.base}/keys",
                                       "id_token_signing_alg_values_supported": ["RS256"]})
                elif self.path == "/keys":
                    self._answer(200, stand_in.jwks())
                else:
                    self._answer(404, {})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                call = {"method": "POST", "path": self.path, "headers": dict(self.headers), "raw": raw}
                stand_in.calls.append(call)
                if self.path == "/token":
                    call["form"] = dict(p.split("=", 1) for p in raw.decode().split("&"))
                    self._answer(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "bot-token-1"})
                elif self.path.startswith("/connector/"):
                    call["json"] = json.loads(raw)
                    self._answer(stand_in.connector_status, {"id": "reply-1"})
                else:
                    self._answer(404, {})

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def microsoft(keys, settings):
    stand_in = Microsoft(keys)
    settings.TEAMS_APP_ID = APP_ID
    settings.TEAMS_APP_PASSWORD = "the-bot-password"
    settings.TEAMS_OPENID_METADATA_URL = f"{stand_in.base}/openid"
    settings.TEAMS_TOKEN_URL = f"{stand_in.base}/token"
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    yield stand_in
    stand_in.close()


def token(microsoft, *, kid="k1", key=None, service_url=None, **claims) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": APP_ID, "nbf": now - 10, "exp": now + 3600,
               "serviceurl": service_url or f"{microsoft.base}/connector/", **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key or microsoft.keys[kid], algorithm="RS256", headers={"kid": kid})


def message(microsoft, text: str, *, id_="1700000000001", sender=None, entities=(), conversation=CHANNEL,
            **extra) -> dict:
    return {
        "type": "message", "id": id_, "timestamp": "2026-11-25T10:00:00.000Z", "channelId": "msteams",
        "serviceUrl": f"{microsoft.base}/connector/",
        "from": sender or {"id": "29:ana", "name": "Ana Ruiz", "aadObjectId": "aad-ana"},
        "conversation": {"isGroup": True, "id": f"{conversation};messageid={id_}", "conversationType": "channel"},
        "recipient": {"id": "28:plaudit-bot", "name": "Plaudit"},
        "text": text, "textFormat": "plain",
        "entities": [{"type": "mention", "mentioned": {"id": "28:plaudit-bot", "name": "Plaudit"},
                      "text": "<at>Plaudit</at>"}, *entities],
        "channelData": {"teamsChannelId": conversation, "teamsTeamId": "19:team", "tenant": {"id": "t1"}},
        **extra,
    }


def mention(name: str, teams_id: str, aad: str | None = None) -> dict:
    mentioned = {"id": teams_id, "name": name, **({"aadObjectId": aad} if aad else {})}
    return {"type": "mention", "mentioned": mentioned, "text": f"<at>{name}</at>"}


def send(client, activity: dict, bearer: str | None):
    return client.post("/integrations/teams/messages", json.dumps(activity), content_type="application/json",
                       **({"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer is not None else {}))


def ask(client, microsoft, text: str, **kwargs) -> dict:
    """Send a message with a valid token; the card of the one reply the connector received."""
    before = len(microsoft.replies)
    response = send(client, message(microsoft, text, **kwargs), token(microsoft))
    assert response.status_code == 200, response.content
    assert response.json() == {"replied": True}
    assert len(microsoft.replies) == before + 1
    return card_of(microsoft.replies[-1])


def card_of(call: dict) -> dict:
    attachments = call["json"]["attachments"]
    assert len(attachments) == 1 and attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachments[0]["content"]
    assert_adaptive_card(card)
    return card


ELEMENTS = {"TextBlock": {"text"}, "FactSet": {"facts"}}
# The Adaptive Cards 1.5 properties the bot's elements use, with the values the schema allows.
PROPERTIES = {
    "TextBlock": {"type": None, "text": None, "wrap": {True, False}, "isSubtle": {True, False},
                  "size": {"Default", "Small", "Medium", "Large", "ExtraLarge"},
                  "weight": {"Default", "Lighter", "Bolder"},
                  "color": {"Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"},
                  "spacing": {"None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"}},
    "FactSet": {"type": None, "facts": None, "spacing": {"None", "Small", "Default", "Medium", "Large"}},
}


def assert_adaptive_card(card: dict) -> None:
    """The structure Adaptive Cards 1.5 requires of what the bot sends (the element types and properties it uses)."""
    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.4", "1.5")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert set(card) <= {"type", "$schema", "version", "body", "actions"}
    assert isinstance(card["body"], list) and card["body"]
    for element in card["body"]:
        assert element["type"] in ELEMENTS, element
        assert ELEMENTS[element["type"]] <= element.keys()
        allowed = PROPERTIES[element["type"]]
        assert set(element) <= set(allowed), element
        assert all(allowed[k] is None or v in allowed[k] for k, v in element.items()), element
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str)
        else:
            assert element["facts"] and all(isinstance(f["title"], str) and isinstance(f["value"], str)
                                            for f in element["facts"])


def texts(card: dict) -> str:
    """Everything a reader sees on the card, as one string."""
    parts = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            parts.append(element["text"])
        else:
            parts.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
    return "\n".join(parts)


# --- authentication --------------------------------------------------------------------------------


def test_a_valid_token_gets_a_reply_card_posted_to_the_service_url_with_the_bot_token(client, db, redis, microsoft):
    response = send(client, message(microsoft, "<at>Plaudit</at> help"), token(microsoft))

    assert response.status_code == 200, response.content
    [reply] = microsoft.replies
    # the reply goes to the activity's conversation, as an answer to the activity itself
    assert reply["path"] == f"/connector/v3/conversations/{CHANNEL.replace(':', '%3A').replace('@', '%40')}" \
                            "%3Bmessageid%3D1700000000001/activities/1700000000001"
    assert reply["headers"]["Authorization"] == "Bearer bot-token-1"
    assert reply["json"]["replyToId"] == "1700000000001"
    assert reply["json"]["from"]["id"] == "28:plaudit-bot" and reply["json"]["recipient"]["id"] == "29:ana"
    assert "kudos @name" in texts(card_of(reply))
    # the bot's own token came from the token endpoint by client credentials
    [got_token] = microsoft.calls_to("/token")
    assert got_token["form"]["grant_type"] == "client_credentials"
    assert got_token["form"]["client_id"] == APP_ID and got_token["form"]["client_secret"] == "the-bot-password"
    assert "api.botframework.com" in got_token["form"]["scope"]


def test_the_bot_token_and_the_keys_are_fetched_once_and_reused(client, db, redis, microsoft):
    for i in range(3):
        assert send(client, message(microsoft, "help", id_=f"17{i}"), token(microsoft)).status_code == 200

    assert len(microsoft.replies) == 3
    assert len(microsoft.calls_to("/token")) == 1
    assert len(microsoft.calls_to("/keys")) == 1


def _expired(m):
    now = int(time.time())
    return token(m, exp=now - 400, nbf=now - 4000)  # beyond the 5 minutes of skew


BAD_TOKENS = {
    "missing": (lambda m: None, "Bearer"),
    "not a JWT": (lambda m: "not-a-jwt", "not a JWT"),
    "expired": (_expired, "expired"),
    "not yet valid": (lambda m: token(m, nbf=int(time.time()) + 900), "not valid yet"),
    "wrong audience": (lambda m: token(m, aud="another-bot"), "another bot"),
    "wrong issuer": (lambda m: token(m, iss="https://evil.example.com"), "not issued by"),
    "tampered": (lambda m: _tampered(token(m)), "signature"),
    "unknown key": (lambda m: token(m, kid="stranger"), "not among the keys"),
    "signed by another key under a known kid": (lambda m: token(m, kid="k1", key=m.keys["stranger"]), "signature"),
    "HS256": (lambda m: jwt.encode({"iss": ISSUER, "aud": APP_ID, "exp": int(time.time()) + 60}, "secret" * 6,
                                   algorithm="HS256", headers={"kid": "k1"}), "RS256"),
    "service url of another connector": (lambda m: token(m, service_url="https://smba.trafficmanager.net/emea/"),
                                         "serviceUrl"),
    "no service url": (lambda m: _no_service_url(m), "serviceurl"),
}


def _tampered(value: str) -> str:
    head, payload, signature = value.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["serviceurl"] = "https://attacker.example.com/"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


def _no_service_url(m) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": APP_ID, "exp": now + 60}, m.keys["k1"], algorithm="RS256",
                      headers={"kid": "k1"})


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_a_bad_token_is_401_with_the_reason_and_nothing_is_answered(client, db, redis, microsoft, case):
    make, reason = BAD_TOKENS[case]

    response = send(client, message(microsoft, "kudos <at>Ben</at> thanks", entities=[mention("Ben", "29:ben")]),
                    make(microsoft))

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_token"
    assert reason in response.json()["message"]
    assert microsoft.replies == [] and microsoft.calls_to("/token") == []
    assert Event.objects.count() == 0 and Person.objects.count() == 0


def test_a_token_expired_within_the_five_minutes_of_clock_skew_is_accepted(client, db, redis, microsoft):
    now = int(time.time())

    response = send(client, message(microsoft, "help"), token(microsoft, exp=now - 120, nbf=now - 3600))

    assert response.status_code == 200 and response.json() == {"replied": True}


def test_a_key_published_after_the_first_fetch_is_fetched_when_a_token_names_it(client, db, redis, microsoft, settings):
    assert send(client, message(microsoft, "help"), token(microsoft)).status_code == 200
    microsoft.published = ["k1", "k2"]  # Microsoft rolls a new key out

    # given the last fetch is over a minute old, a token signed with the new key makes the bot read the keys again
    from engine.integrations import teams_bot_auth
    later = time.monotonic() + teams_bot_auth.UNKNOWN_KID_REFETCH_SECONDS + 1
    teams_bot_auth.signing_keys().clock = lambda: later

    assert send(client, message(microsoft, "help", id_="2"), token(microsoft, kid="k2")).status_code == 200
    assert len(microsoft.calls_to("/keys")) == 2


def test_unknown_keys_do_not_make_the_bot_fetch_the_keys_on_every_request(client, db, redis, microsoft):
    assert send(client, message(microsoft, "help"), token(microsoft)).status_code == 200

    for _ in range(5):
        assert send(client, message(microsoft, "help"), token(microsoft, kid="stranger")).status_code == 401

    assert len(microsoft.calls_to("/keys")) == 1  # within the minute, the keys read first stand


def test_a_key_not_endorsed_for_the_channel_is_401(client, db, redis, microsoft):
    response = send(client, message(microsoft, "help", channelId="skype"), token(microsoft))

    assert response.status_code == 401
    assert "not endorsed for the channel 'skype'" in response.json()["message"]


def test_without_an_app_id_every_bearer_token_is_refused(client, db, redis, microsoft, settings):
    settings.TEAMS_APP_ID = ""

    response = send(client, message(microsoft, "help"), token(microsoft))

    assert response.status_code == 401
    assert "TEAMS_APP_ID is not set" in response.json()["message"]


def test_unreachable_signing_keys_are_503_not_401(client, db, redis, microsoft, settings):
    settings.TEAMS_OPENID_METADATA_URL = f"{microsoft.base}/nothing-here"

    responses = [send(client, message(microsoft, "help"), token(microsoft)) for _ in range(3)]

    assert [r.status_code for r in responses] == [503, 503, 503]
    assert responses[0].json()["error"] == "keys_unavailable"
    assert "nothing-here answered 404" in responses[0].json()["message"]
    assert len(microsoft.calls_to("/nothing-here")) == 1  # asked again after a minute, not on every request


def test_keys_already_read_keep_verifying_while_microsoft_is_unreachable(client, db, redis, microsoft, settings):
    assert send(client, message(microsoft, "help"), token(microsoft)).status_code == 200
    from engine.integrations import teams_bot_auth
    keys = teams_bot_auth.signing_keys()
    later = time.monotonic() + teams_bot_auth.KEYS_LIFESPAN_SECONDS + 1  # the keys are due to be read again
    keys.clock = lambda: later
    microsoft.close()

    response = send(client, message(microsoft, "me", id_="2"), token(microsoft))

    assert response.status_code == 200  # verified with the keys held; only the reply could not be posted
    assert response.json() == {"replied": False}


def test_a_body_that_is_not_an_activity_is_400_after_the_token_is_checked(client, db, redis, microsoft):
    response = client.post("/integrations/teams/messages", "[1, 2]", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token(microsoft)}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


# --- replies -------------------------------------------------------------------------------------


def test_a_reply_the_connector_refuses_is_logged_and_the_activity_still_acknowledged(client, db, redis, microsoft,
                                                                                     caplog):
    microsoft.connector_status = 403

    response = send(client, message(microsoft, "help"), token(microsoft))

    assert response.status_code == 200
    assert response.json() == {"replied": False}
    assert "answered 403" in caplog.text


def test_a_reply_to_an_address_outbound_may_not_reach_is_not_sent(client, db, redis, microsoft, settings, caplog):
    settings.OUTBOUND_ALLOW = []  # the local connector is a loopback address: off limits without the allow list

    response = send(client, message(microsoft, "help"), token(microsoft))

    assert response.status_code == 200 and response.json() == {"replied": False}
    assert microsoft.replies == []
    assert "loopback" in caplog.text


def test_the_bot_added_to_a_team_posts_a_welcome_card(client, db, redis, microsoft):
    update = {"type": "conversationUpdate", "id": "f:1", "channelId": "msteams",
              "serviceUrl": f"{microsoft.base}/connector/", "from": {"id": "29:ana", "aadObjectId": "aad-ana"},
              "conversation": {"id": CHANNEL, "conversationType": "channel"},
              "recipient": {"id": "28:plaudit-bot", "name": "Plaudit"},
              "membersAdded": [{"id": "28:plaudit-bot"}]}

    assert send(client, update, token(microsoft)).status_code == 200

    [reply] = microsoft.replies
    assert "Hello!" in texts(card_of(reply))


@pytest.mark.parametrize("kind", ["messageReaction", "typing", "installationUpdate"])
def test_other_activities_are_acknowledged_without_a_reply(client, db, redis, microsoft, kind):
    activity = {**message(microsoft, ""), "type": kind}

    response = send(client, activity, token(microsoft))

    assert response.status_code == 200 and response.json() == {"replied": False}
    assert microsoft.replies == []


def test_someone_joining_is_not_welcomed_by_the_bot(client, db, redis, microsoft):
    update = {**message(microsoft, ""), "type": "conversationUpdate", "membersAdded": [{"id": "29:newcomer"}]}

    assert send(client, update, token(microsoft)).json() == {"replied": False}


# --- me, top, help ----------------------------------------------------------------------------------


@pytest.fixture
def scored(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200

    def post(*events):
        assert admin.post("/events", list(events)).status_code == 202
        do_score_pending()
    return post


def test_me_shows_points_level_ranks_and_the_closest_badges(client, microsoft, scored, admin):
    assert admin.client.put("/api/v1/people/ana@example.com", json.dumps({"aliases": [{"source": "teams", "id": "aad-ana"}]}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin.key}").status_code in (200, 201)
    scored(event("post", "ben@example.com", id="p1"), event("post", "ana@example.com", id="p2"),
           event("comment", "ana@example.com", id="c1", target={"id": "p1", "author": "ben@example.com"}))
    api = admin.get("/people/ana@example.com").json()

    card = ask(client, microsoft, "<at>Plaudit</at> me")

    shown = texts(card)
    assert f"{api['points']} points" in shown
    assert f"Level: {api['level']['name']}" in shown
    assert all(f"#{r['rank']} with {r['points']} points" in shown for r in api["ranks"])
    assert "Commenter (Bronze): " in shown


def test_me_for_someone_plaudit_has_never_seen_is_zero_and_creates_no_one(client, microsoft, scored):
    scored(event("post", "ben@example.com"))
    stranger = {"id": "29:zoe", "name": "Zoe Park", "aadObjectId": "aad-zoe"}

    card = ask(client, microsoft, "me", sender=stranger)

    assert "Zoe Park: 0 points" in texts(card)
    assert "No points yet" in texts(card)
    assert not Person.objects.filter(key="teams:aad-zoe").exists()


def test_top_lists_the_first_board_s_top_five(client, microsoft, scored):
    scored(*[event("post", f"p{i}@example.com", id=f"p{i}") for i in range(7)])

    card = ask(client, microsoft, "<at>Plaudit</at> top")

    facts = [e for e in card["body"] if e["type"] == "FactSet"][0]["facts"]
    assert [f["title"].split(" ")[0] for f in facts] == ["#1", "#2", "#3", "#4", "#5"]
    assert all(f["value"].endswith(" points") for f in facts)


def test_top_of_an_unknown_board_names_the_boards_there_are(client, microsoft, scored):
    scored(event("post", "ben@example.com"))

    card = ask(client, microsoft, "top nope")

    assert "the boards are: all-time" in texts(card)


def test_top_before_any_ruleset_says_there_are_no_boards(client, db, redis, microsoft):
    assert "no leaderboards yet" in texts(ask(client, microsoft, "top"))


@pytest.mark.parametrize("text", ["help", "<at>Plaudit</at> what can you do?", ""])
def test_help_and_anything_else_lists_the_commands(client, db, redis, microsoft, text):
    shown = texts(ask(client, microsoft, text))

    for command in ("kudos @name", "me", "top [board]", "help"):
        assert command in shown


# --- the outgoing webhook on the same path ------------------------------------------------------------


def test_the_hmac_outgoing_webhook_still_records_messages_on_the_same_path(client, db, redis, microsoft, settings):
    secret = base64.b64encode(b"a-teams-webhook-security-token!!").decode()
    settings.TEAMS_HMAC_SECRET = secret
    body = json.dumps(message(microsoft, "<at>Plaudit</at> my notes on #python", id_="3001")).encode()
    signature = base64.b64encode(hmac.new(base64.b64decode(secret), body, hashlib.sha256).digest()).decode()

    response = client.post("/integrations/teams/messages", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"HMAC {signature}")

    assert response.status_code == 200, response.content
    assert "recorded" in response.json()["text"]
    assert Event.objects.filter(source_id=f"teams:{CHANNEL}:3001", type="post").exists()
    assert microsoft.replies == []  # the webhook answers inline; the bot's connector is not involved


# --- the app package -------------------------------------------------------------------------------------


def test_the_app_package_holds_the_manifest_and_both_icons(tmp_path):
    out = tmp_path / "plaudit.zip"

    call_command("teams", "package", "--url", "https://plaudit.example.com/", "--app-id", APP_ID, "--out", str(out),
                 stdout=io.StringIO())

    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert manifest["manifestVersion"] == "1.16" and "v1.16" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    [commands] = manifest["bots"][0]["commandLists"]
    assert [c["title"] for c in commands["commands"]] == ["kudos", "me", "top", "challenges", "help"]
    assert all(len(c["description"]) <= 128 for c in commands["commands"])
    assert manifest["validDomains"] == ["plaudit.example.com"]
    assert set(manifest["developer"].values()) >= {"https://plaudit.example.com"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    # the outline icon is white on transparent: every pixel is either see-through or white
    assert {(r, g, b) for r, g, b, a in outline.getdata() if a} == {(255, 255, 255)}
    assert any(a == 0 for *_, a in outline.getdata())


@pytest.mark.parametrize("args, problem", [
    (["--url", "http://plaudit.example.com", "--app-id", APP_ID], "https"),
    (["--url", "https://plaudit.example.com", "--app-id", "plaudit-bot"], "GUID"),
])
def test_the_package_refuses_options_teams_would_reject(tmp_path, args, problem):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=problem):
        call_command("teams", "package", *args, "--out", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


# --- kudos -------------------------------------------------------------------------------------------

KUDOS_RULESET = yaml("""
    ruleset: kudos-in-teams
    timezone: UTC
    levels:
      - {name: Newcomer, min_points: 0}
    rules:
      - id: kudos-received
        when: {type: kudos}
        award: {to: mentioned, points: 5}
    leaderboards:
      - {id: all-time, name: All time}
    kudos:
      allowance: {amount: 3, per: month}
      values: [teamwork, curiosity]
""")
BEN, CY = mention("Ben Li", "29:ben", aad="aad-ben"), mention("Cy", "29:cy")


@pytest.fixture
def kudos_on(admin):
    assert admin.put_yaml("/ruleset", KUDOS_RULESET).status_code == 200


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def give(client, microsoft, text: str, *, id_: str, entities=(BEN, CY), **kwargs) -> dict:
    kwargs.setdefault("timestamp", now_iso())
    return ask(client, microsoft, f"<at>Plaudit</at> {text}", id_=id_, entities=list(entities), **kwargs)


def test_kudos_to_the_mentioned_people_is_given_and_confirmed_with_the_allowance_left(client, microsoft, kudos_on):
    card = give(client, microsoft, "kudos <at>Ben Li</at> and <at>Cy</at> thanks for the review #TeamWork", id_="k1")

    shown = texts(card)
    assert "Kudos sent to Ben Li, Cy" in shown
    assert "thanks for the review #TeamWork" in shown
    assert "1 of 3 kudos left this month; more on {{DATE(" in shown  # one kudos to two people uses two
    stored = Event.objects.select_related("actor").get(type="kudos")
    assert stored.actor.key == "teams:aad-ana"
    assert sorted(stored.mentions) == ["teams:29:cy", "teams:aad-ben"]
    assert stored.text == "thanks for the review #TeamWork"
    assert [v.lower() for v in stored.hashtags] == ["teamwork"]


def test_a_kudos_delivered_twice_is_given_once(client, microsoft, kudos_on):
    sent_at = now_iso()
    give(client, microsoft, "kudos <at>Ben Li</at> thanks", id_="k1", entities=[BEN], timestamp=sent_at)

    again = texts(give(client, microsoft, "kudos <at>Ben Li</at> thanks", id_="k1", entities=[BEN], timestamp=sent_at))

    assert "already sent" in again and "2 of 3 kudos left" in again
    assert Event.objects.filter(type="kudos").count() == 1


def test_kudos_by_email_address_in_a_personal_chat(client, microsoft, kudos_on):
    card = ask(client, microsoft, "kudos ben@example.com, cy@example.com thanks #curiosity", id_="k1",
               timestamp=now_iso())

    assert "Kudos sent to ben@example.com, cy@example.com" in texts(card)
    assert sorted(Event.objects.get(type="kudos").mentions) == ["ben@example.com", "cy@example.com"]


ANA_HERSELF = mention("Ana Ruiz", "29:ana", aad="aad-ana")


@pytest.mark.parametrize("text, entities, code", [
    ("kudos thanks everyone", [], "validation_error"),
    ("kudos <at>Ana Ruiz</at> well done me", [ANA_HERSELF], "self_kudos"),
    ("kudos <at>Ben Li</at> thanks #synergy", [BEN], "unknown_value"),
])
def test_a_refused_kudos_says_why_and_stores_nothing(client, microsoft, kudos_on, text, entities, code):
    from kudos.actions import KudosRefused, do_give_kudos

    with pytest.raises(KudosRefused) as expected:  # what the kudos rules say to the same kudos given directly
        do_give_kudos(giver="someone@example.com", receivers=["someone@example.com"] if code == "self_kudos" else
                      (["ben@example.com"] if code == "unknown_value" else []), message=text.split(" ", 1)[1])
    people = Person.objects.count()

    card = give(client, microsoft, text, id_="k1", entities=entities)

    shown = texts(card)
    assert "Kudos not sent" in shown
    assert expected.value.message in shown
    assert "3 of 3 kudos left this month" in shown
    assert Event.objects.filter(type="kudos").count() == 0
    assert Person.objects.count() == people  # nobody introduced by a kudos that was not given
    if code == "validation_error":
        assert "Mention the people you thank" in shown


def test_refusals_and_unknown_boards_are_told_in_german_to_a_german_teams_client(client, microsoft, kudos_on):
    refused = texts(give(client, microsoft, "kudos danke an alle", id_="k1", entities=[], locale="de-DE"))
    assert "Erwähne die Personen, denen du dankst" in refused and "Mention the people" not in refused
    unknown = texts(ask(client, microsoft, "top nope", locale="de-DE"))
    assert "Es gibt keine Bestenliste 'nope'; die Bestenlisten sind: " in unknown and "the boards" not in unknown


def test_when_the_allowance_is_spent_the_refusal_says_when_it_comes_back(client, microsoft, kudos_on):
    give(client, microsoft, "kudos <at>Ben Li</at> and <at>Cy</at> thanks", id_="k1")
    give(client, microsoft, "kudos <at>Ben Li</at> thanks again", id_="k2", entities=[BEN])

    shown = texts(give(client, microsoft, "kudos <at>Cy</at> and more", id_="k3", entities=[CY]))

    assert "Kudos not sent" in shown and "0 of 3 kudos left this month; more on {{DATE(" in shown
    assert Event.objects.filter(type="kudos").count() == 2


def test_kudos_without_a_kudos_section_says_they_are_not_set_up(client, microsoft, scored):
    shown = texts(give(client, microsoft, "kudos <at>Ben Li</at> thanks", id_="k1", entities=[BEN]))

    assert "Kudos not sent" in shown and "not enabled" in shown


def test_me_shows_the_kudos_left(client, microsoft, kudos_on):
    give(client, microsoft, "kudos <at>Ben Li</at> thanks", id_="k1", entities=[BEN])

    assert "2 of 3 kudos left this month" in texts(ask(client, microsoft, "me"))


def test_a_mention_inside_the_message_is_a_receiver_too(client, microsoft, kudos_on):
    card = give(client, microsoft, "kudos <at>Ben Li</at> thanks, and <at>Cy</at> too", id_="k1")

    assert "Kudos sent to Ben Li, Cy" in texts(card)
    stored = Event.objects.get(type="kudos")
    assert stored.text == "thanks, and @Cy too"
    assert sorted(stored.mentions) == ["teams:29:cy", "teams:aad-ben"]


@pytest.mark.parametrize("change, field", [
    ({"text": 5}, "text"),
    ({"from": "29:ana"}, "from"),
    ({"entities": [{"type": "mention", "mentioned": {"id": 7}, "text": "<at>x</at>"}]}, "entities[0].mentioned.id"),
    ({"conversation": {"id": ["19:x"]}}, "conversation.id"),
    ({"type": None}, "type"),
    ({"channelData": {"teamsChannelId": {"id": 1}}}, "channelData.teamsChannelId"),
])
def test_an_activity_of_the_wrong_shape_is_400_naming_the_field(client, db, redis, microsoft, change, field):
    response = send(client, {**message(microsoft, "me"), **change}, token(microsoft))

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_body"
    assert response.json()["details"][0]["path"] == field
    assert microsoft.replies == []


def test_without_the_bot_password_the_activity_is_acknowledged_and_the_missing_setting_logged(
        client, db, redis, microsoft, settings, caplog):
    settings.TEAMS_APP_PASSWORD = ""

    response = send(client, message(microsoft, "help"), token(microsoft))

    assert response.status_code == 200 and response.json() == {"replied": False}
    assert microsoft.calls_to("/token") == [] and microsoft.replies == []
    assert "TEAMS_APP_PASSWORD" in caplog.text


def test_top_of_a_people_board_in_works_council_mode_says_why_not(client, microsoft, admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET + "privacy: {individual_ranking: false}\n").status_code == 200

    assert "no individual rankings" in texts(ask(client, microsoft, "top"))


def test_the_bot_answers_in_the_language_of_the_teams_client_or_the_persons_locale(client, db, redis, microsoft):
    from base.models import Person

    german = texts(ask(client, microsoft, "help", locale="de-DE"))
    assert "Was der Bot versteht." in german and "What the bot understands." not in german
    assert "What the bot understands." in texts(ask(client, microsoft, "help", locale="en-US"))
    # the person's locale (directory, SCIM, OIDC) beats the client's
    ana = Person.objects.create(key="ana@example.com", name="Ana Ruiz", locale="de")
    from base.models import PersonAlias
    PersonAlias.objects.create(person=ana, source="teams", external_id="aad-ana")
    assert "Was der Bot versteht." in texts(ask(client, microsoft, "help", locale="en-US"))
