"""The two-way Slack app over HTTP: install, slash commands, buttons, the shortcut's modal, the Home tab.

Requests are signed as Slack signs them (v0 HMAC over the raw body, computed here); Slack's Web API is
a real local server (tests/fake_slack.py) that records what the app asked of it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from base.keys import PREFIX
from base.models import Event, Person, PersonAlias
from engine.integrations.slack_app import tokens
from engine.integrations.slack_app.nudges import STOP_ACTION
from engine.integrations.slack_app.workspaces import do_install_workspace
from engine.models import SlackWorkspace
from engine.scoring import do_score_pending
from tests.fake_slack import BOT_TOKEN, fake_slack  # noqa: F401 (a fixture)
from tests.helpers import BASIC_RULESET
from tests.test_notifications import _activate, _channels, _deliver_all, _score, allow_local, receiver  # noqa: F401

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T01"
CHANNEL = "C42"


@pytest.fixture(autouse=True)
def signing_secret(settings):
    settings.SLACK_SIGNING_SECRET = SECRET


@pytest.fixture
def installed(fake_slack, db):
    """The app installed in workspace T01, its bot token answering the fake Slack."""
    do_install_workspace({"access_token": BOT_TOKEN, "team": {"id": TEAM, "name": "Acme"}, "bot_user_id": "UBOT",
                          "app_id": "A01", "scope": "commands"})
    return fake_slack


def signed(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
            "HTTP_X_SLACK_SIGNATURE": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()}


def command(client, command: str, text: str, user: str = "U_ANA", **extra):
    fields = {"token": "x", "team_id": TEAM, "team_domain": "acme", "channel_id": CHANNEL, "channel_name": "general",
              "user_id": user, "user_name": user.lower(), "command": command, "text": text,
              "response_url": "https://hooks.slack.com/commands/T01/1/x", "trigger_id": f"1.2.{time.monotonic_ns()}", **extra}
    body = urlencode(fields).encode()
    return client.post("/integrations/slack/commands", body, content_type="application/x-www-form-urlencoded", **signed(body))


def interact(client, payload: dict, **sign):
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return client.post("/integrations/slack/interactivity", body, content_type="application/x-www-form-urlencoded",
                       **signed(body, **sign))


def view_of(call) -> dict:
    """A view as sent: slack-sdk sends it as a JSON string in some methods and an object in others."""
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def ephemeral(response) -> dict:
    """A slash command's answer: 200, ephemeral, and blocks slack-sdk parses back as Block Kit."""
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["response_type"] == "ephemeral" and answer["text"]
    assert [Block.parse(b).to_dict() for b in answer["blocks"]] == answer["blocks"]
    return answer


# --- the manifest --------------------------------------------------------------------------------

# The parts of Slack's app manifest schema (docs.slack.dev/reference/app-manifest) the app uses.
MANIFEST_SCHEMA = {
    "type": "object", "required": ["display_information", "features", "oauth_config", "settings"],
    "properties": {
        "_metadata": {"type": "object", "properties": {"major_version": {"type": "integer"}, "minor_version": {"type": "integer"}}},
        "display_information": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 35}, "description": {"type": "string", "maxLength": 140},
            "background_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}},
        "features": {"type": "object", "properties": {
            "app_home": {"type": "object", "properties": {"home_tab_enabled": {"type": "boolean"},
                                                          "messages_tab_enabled": {"type": "boolean"}}},
            "bot_user": {"type": "object", "required": ["display_name"], "properties": {
                "display_name": {"type": "string", "maxLength": 80}, "always_online": {"type": "boolean"}}},
            "slash_commands": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["command", "description"],
                               "properties": {"command": {"type": "string", "pattern": "^/[a-z0-9_-]{1,31}$"},
                                              "description": {"type": "string", "maxLength": 2000},
                                              "url": {"type": "string", "pattern": "^https://"},
                                              "usage_hint": {"type": "string", "maxLength": 1000},
                                              "should_escape": {"type": "boolean"}}}},
            "shortcuts": {"type": "array", "maxItems": 10, "items": {"type": "object",
                          "required": ["name", "type", "callback_id", "description"],
                          "properties": {"name": {"type": "string", "maxLength": 24}, "type": {"enum": ["message", "global"]},
                                         "callback_id": {"type": "string", "maxLength": 255},
                                         "description": {"type": "string", "maxLength": 150}}}}}},
        "oauth_config": {"type": "object", "properties": {
            "redirect_urls": {"type": "array", "maxItems": 1000, "items": {"type": "string", "pattern": "^https://"}},
            "scopes": {"type": "object", "properties": {"bot": {"type": "array", "maxItems": 255, "items": {"type": "string"}}}}}},
        "settings": {"type": "object", "properties": {
            "event_subscriptions": {"type": "object", "properties": {
                "request_url": {"type": "string", "pattern": "^https://"},
                "bot_events": {"type": "array", "maxItems": 100, "items": {"type": "string"}}}},
            "interactivity": {"type": "object", "required": ["is_enabled"], "properties": {
                "is_enabled": {"type": "boolean"}, "request_url": {"type": "string", "pattern": "^https://"}}},
            "org_deploy_enabled": {"type": "boolean"}, "socket_mode_enabled": {"type": "boolean"},
            "token_rotation_enabled": {"type": "boolean"}}},
    },
}


def test_the_manifest_command_prints_a_valid_manifest_for_this_server():
    out = io.StringIO()
    call_command("slack", "manifest", "--url", "https://plaudit.example.com/", stdout=out)

    manifest = json.loads(out.getvalue())
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    base = "https://plaudit.example.com/integrations/slack"
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/kudos", "/plaudit"}
    assert all(c["url"] == f"{base}/commands" and c["usage_hint"] and c["description"] for c in commands.values())
    assert manifest["features"]["shortcuts"] == [{"name": "Give kudos", "type": "message", "callback_id": "give_kudos",
                                                  "description": "Thank the author of this message"}]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"] == [f"{base}/oauth/callback"]
    assert {"commands", "chat:write", "users:read", "users:read.email", "channels:history", "reactions:read"} <= \
        set(manifest["oauth_config"]["scopes"]["bot"])
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == f"{base}/events"
    assert {"app_home_opened", "message.channels", "reaction_added", "reaction_removed"} <= set(events["bot_events"])
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": f"{base}/interactivity"}


@pytest.mark.parametrize("url", ["http://plaudit.example.com", "plaudit.example.com", "https://"])
def test_the_manifest_needs_the_servers_https_address(url):
    with pytest.raises(CommandError, match="--url must be the server's https address"):
        call_command("slack", "manifest", "--url", url, stdout=io.StringIO())


# --- install -----------------------------------------------------------------------------------


def install_state(client) -> tuple[str, dict]:
    response = client.get("/integrations/slack/install")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return parse_qs(location.query)["state"][0], {"location": location, "query": parse_qs(location.query)}


def test_install_redirects_to_slacks_authorize_page(client, fake_slack, db, redis, settings):
    settings.PUBLIC_BASE_URL = "https://plaudit.example.com"

    state, seen = install_state(client)

    location, query = seen["location"], seen["query"]
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://slack.com/oauth/v2/authorize"
    assert query["client_id"] == ["111.222"]
    assert {"commands", "chat:write", "users:read", "users:read.email"} <= set(query["scope"][0].split(","))
    assert query["redirect_uri"] == ["https://plaudit.example.com/integrations/slack/oauth/callback"]
    assert len(state) >= 32
    # the state expires: it is usable for ten minutes at most
    assert 0 < redis.ttl(f"{PREFIX}:slack:oauth_state:{state}") <= 600


def test_install_without_the_client_credentials_says_what_to_set(client, db, redis, settings):
    settings.SLACK_CLIENT_ID = ""

    response = client.get("/integrations/slack/install")

    assert response.status_code == 503
    assert b"SLACK_CLIENT_ID" in response.content


def test_the_callback_keeps_the_workspace_with_its_bot_token_encrypted(client, fake_slack, db, redis):
    state, _ = install_state(client)

    response = client.get("/integrations/slack/oauth/callback", {"code": "good-code", "state": state})

    assert response.status_code == 200, response.content
    assert b"installed in Acme" in response.content and b"/kudos" in response.content
    [call] = fake_slack.called("oauth.v2.access")
    assert call.basic == ("111.222", "client-secret") and call.args["code"] == "good-code"
    workspace = SlackWorkspace.objects.get(team_id=TEAM)
    assert (workspace.name, workspace.bot_user_id) == ("Acme", "UBOT")
    # encrypted at rest: the plain token is nowhere in the row, and the key opens it
    assert BOT_TOKEN not in json.dumps(list(SlackWorkspace.objects.values().get(team_id=TEAM).values()), default=str)
    assert tokens.decrypt(workspace.bot_token_encrypted) == BOT_TOKEN


def test_no_token_reaches_the_logs_even_at_debug_level(client, fake_slack, db, redis, caplog):
    caplog.set_level("DEBUG")
    state, _ = install_state(client)

    assert client.get("/integrations/slack/oauth/callback", {"code": "good-code", "state": state}).status_code == 200
    assert ephemeral(command(client, "/plaudit", "me"))

    assert fake_slack.called("users.info")  # the bot token was used
    assert BOT_TOKEN not in caplog.text and "client-secret" not in caplog.text


@pytest.mark.parametrize("how", ["wrong", "missing", "reused", "expired"])
def test_a_bad_state_is_400_and_slack_is_not_called(client, fake_slack, db, redis, how):
    state, _ = install_state(client)
    if how == "reused":
        assert client.get("/integrations/slack/oauth/callback", {"code": "good-code", "state": state}).status_code == 200
        fake_slack.calls.clear()
    elif how == "expired":
        redis.delete(f"{PREFIX}:slack:oauth_state:{state}")  # what Redis does when its ten minutes are up
    params = {"code": "good-code"} | ({} if how == "missing" else {"state": "forged" if how == "wrong" else state})

    response = client.get("/integrations/slack/oauth/callback", params)

    assert response.status_code == 400
    assert b"state" in response.content and b"/integrations/slack/install" in response.content
    assert fake_slack.calls == []


def test_a_code_slack_refuses_is_a_400_page_and_nothing_is_kept(client, fake_slack, db, redis):
    state, _ = install_state(client)

    response = client.get("/integrations/slack/oauth/callback", {"code": "stale-code", "state": state})

    assert response.status_code == 400
    assert b"invalid_code" in response.content
    assert not SlackWorkspace.objects.exists()


# --- signatures --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/integrations/slack/commands", "/integrations/slack/interactivity"])
@pytest.mark.parametrize("how", ["wrong secret", "stale", "missing"])
def test_unsigned_or_stale_requests_are_401(client, installed, redis, path, how):
    body = urlencode({"team_id": TEAM, "user_id": "U_ANA", "command": "/plaudit", "text": "me",
                      "payload": json.dumps({"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U_ANA"}})}).encode()
    headers = {"wrong secret": signed(body, secret="nope"), "stale": signed(body, int(time.time()) - 6 * 60), "missing": {}}[how]

    response = client.post(path, body, content_type="application/x-www-form-urlencoded", **headers)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert installed.calls == []


def test_slacks_certificate_check_is_answered_200(client, installed, db, redis):
    body = urlencode({"ssl_check": "1", "token": "x"}).encode()

    response = client.post("/integrations/slack/commands", body, content_type="application/x-www-form-urlencoded", **signed(body))

    assert response.status_code == 200


def test_a_signed_command_without_team_or_user_is_400_naming_them(client, installed, db, redis):
    body = urlencode({"command": "/plaudit", "text": "me"}).encode()

    response = client.post("/integrations/slack/commands", body, content_type="application/x-www-form-urlencoded", **signed(body))

    assert response.status_code == 400 and "team_id and user_id" in response.json()["message"]


# --- /plaudit ----------------------------------------------------------------------------------


@pytest.fixture
def scored(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200

    def send(*events):
        assert admin.post("/events", list(events)).status_code == 202
        do_score_pending()
    return send


def post(person: str, n: int, channel: str = CHANNEL) -> dict:
    return {"id": f"p-{person}-{n}", "type": "post", "occurred_at": f"2026-11-2{n}T10:00:00+00:00", "actor": person,
            "channel": channel}


def test_plaudit_me_answers_points_level_ranks_and_closest_badges(client, installed, scored):
    installed.users["U_ANA"] = {"email": "ana@example.com", "real_name": "Ana Ruiz"}
    scored(post("ana@example.com", 1), post("ana@example.com", 2))

    for text in ("me", ""):
        answer = ephemeral(command(client, "/plaudit", text))
        assert "*20* points" in answer["text"] and "Newcomer" in answer["text"]
        assert "#1 on all-time" in answer["text"]


def test_plaudit_top_answers_the_top_five_of_a_board(client, installed, scored):
    Person.objects.create(key="ben@example.com", name="Ben <b>")
    scored(*[post(f"p{i}@example.com", i % 3 + 1) for i in range(7)], post("ben@example.com", 1), post("ben@example.com", 2))

    answer = ephemeral(command(client, "/plaudit", "top"))
    assert answer["text"].startswith("*Top 5 on all-time*")
    assert "1. Ben &lt;b&gt;: 20" in answer["text"]
    assert answer["text"].count("\n") == 5

    assert "Top 5 on posting" in ephemeral(command(client, "/plaudit", "top posting"))["text"]
    assert "the boards are: all-time, weekly" in ephemeral(command(client, "/plaudit", "top nope"))["text"]


@pytest.mark.parametrize("text", ["help", "what is this", "top of the pops please and more"])
def test_plaudit_help_and_unknown_text_say_what_the_commands_do(client, installed, scored, text):
    answer = ephemeral(command(client, "/plaudit", text))
    if text != "top of the pops please and more":
        assert "/kudos @someone" in answer["text"] and "/plaudit top [board]" in answer["text"]


# --- identity ----------------------------------------------------------------------------------


def test_an_unknown_slack_user_is_looked_up_once_and_linked_to_their_email(client, installed, scored, redis):
    # Ana's stand-in already holds a post from the Events API, before anyone knew her email
    stand_in = Person.objects.create(key=f"slack:{TEAM}:U_ANA")
    PersonAlias.objects.create(source="slack", external_id=f"{TEAM}:U_ANA", person=stand_in)
    scored(post(f"slack:{TEAM}:U_ANA", 1))
    installed.users["U_ANA"] = {"email": "Ana@Example.com", "real_name": "Ana Ruiz"}

    first = ephemeral(command(client, "/plaudit", "me"))
    ephemeral(command(client, "/plaudit", "me"))

    assert len(installed.called("users.info")) == 1
    assert installed.called("users.info")[0].token == BOT_TOKEN
    assert "*10* points" in first["text"]  # her post came along
    alias = PersonAlias.objects.select_related("person").get(source="slack", external_id=f"{TEAM}:U_ANA")
    assert alias.person.key == "ana@example.com" and alias.person.name == "Ana Ruiz"
    assert not Person.objects.filter(key=f"slack:{TEAM}:U_ANA").exists()


def test_a_user_without_an_email_is_not_asked_about_again(client, installed, scored):
    installed.users["U_GUEST"] = {"real_name": "A Guest"}

    for _ in range(3):
        ephemeral(command(client, "/plaudit", "me", user="U_GUEST"))

    assert len(installed.called("users.info")) == 1
    assert PersonAlias.objects.get(source="slack", external_id=f"{TEAM}:U_GUEST").person.key == f"slack:{TEAM}:U_GUEST"


# --- the Home tab --------------------------------------------------------------------------------


def test_opening_the_home_tab_publishes_where_the_person_stands(client, installed, scored):
    installed.users["U_ANA"] = {"email": "ana@example.com"}
    scored(post("ana@example.com", 1))
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "Ev1", "event": {
        "type": "app_home_opened", "user": "U_ANA", "channel": "D1", "tab": "home", "event_ts": "1764065000.000100"}}).encode()

    response = client.post("/integrations/slack/events", body, content_type="application/json", **signed(body))

    assert response.status_code == 200 and response.json()["published"] is True
    [call] = installed.called("views.publish")
    assert call.token == BOT_TOKEN and call.args["user_id"] == "U_ANA"
    view = view_of(call)
    assert View(**view).to_dict() == view  # Block Kit slack-sdk accepts
    assert view["type"] == "home" and "*10* points" in json.dumps(view) and "#1 on all-time" in json.dumps(view)
    assert not Event.objects.filter(type="app_home_opened").exists()


# --- recognition messages and the Congratulate button ------------------------------------------


def block_action(user: str, value: str, channel: str = "learning-python") -> dict:
    return {"type": "block_actions", "team": {"id": TEAM, "domain": "acme"}, "user": {"id": user, "team_id": TEAM},
            "channel": {"id": channel}, "trigger_id": "1.2.3", "container": {"type": "message", "channel_id": channel},
            "actions": [{"type": "button", "action_id": "congratulate", "block_id": "recognition", "value": value,
                         "action_ts": "1764065000.1"}]}


def test_a_badge_message_mentions_the_earner_and_congratulating_records_one_reaction(client, installed, admin, receiver,
                                                                                     allow_local):
    _activate(admin)
    _channels(admin, receiver)
    ana = Person.objects.create(key="ana@example.com", name="Ana")
    PersonAlias.objects.create(source="slack", external_id=f"{TEAM}:U_ANA", person=ana)
    installed.users["U_BOB"] = {"email": "bob@example.com"}
    _score(admin, {"id": "p-ana-1", "type": "post", "occurred_at": "2026-11-25T10:00:00+00:00", "actor": "ana@example.com",
                   "channel": "learning-python"})
    _deliver_all()

    message = next(r for r in receiver.received if r.path == "/slack").json()
    assert "<@U_ANA>" in message["text"]
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("congratulate", "p-ana-1")
    assert [Block.parse(b).to_dict() for b in message["blocks"]] == message["blocks"]

    clicks = [interact(client, block_action("U_BOB", "p-ana-1")) for _ in range(2)]

    assert [c.status_code for c in clicks] == [200, 200]
    [reaction] = Event.objects.filter(type="reaction").select_related("actor", "target_author")
    assert (reaction.actor.key, reaction.target_id, reaction.target_author.key) == ("bob@example.com", "p-ana-1", "ana@example.com")
    told = [c.args["text"] for c in installed.called("chat.postEphemeral")]
    assert told[0].endswith("Your congratulations are recorded.") and told[1] == "You congratulated them already."
    assert all(c.args["user"] == "U_BOB" and c.args["channel"] == "learning-python" for c in installed.called("chat.postEphemeral"))


def test_congratulating_an_unknown_event_or_oneself_records_nothing(client, installed, scored):
    installed.users["U_ANA"] = {"email": "ana@example.com"}
    scored(post("ana@example.com", 1))

    assert interact(client, block_action("U_ANA", "p-ana@example.com-1")).status_code == 200
    assert interact(client, block_action("U_ANA", "no-such-event")).status_code == 200

    assert not Event.objects.filter(type="reaction").exists()
    assert [c.args["text"] for c in installed.called("chat.postEphemeral")] == [
        "That is your own recognition: let others congratulate you.", "That recognition is no longer known to Plaudit."]


def test_an_interaction_without_a_json_payload_is_400(client, installed, db, redis):
    body = urlencode({"payload": "{not json"}).encode()

    response = client.post("/integrations/slack/interactivity", body, content_type="application/x-www-form-urlencoded", **signed(body))

    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


# --- /kudos ------------------------------------------------------------------------------------

KUDOS_RULESET = BASIC_RULESET + """
kudos:
  allowance: {amount: 3, per: month}
  per_receiver: {max: 1, per: week}
  values: [teamwork, curiosity]
"""


@pytest.fixture
def kudos_on(admin, installed):
    assert admin.put_yaml("/ruleset", KUDOS_RULESET).status_code == 200, admin.put_yaml("/ruleset", KUDOS_RULESET).content
    installed.users.update({u: {"email": f"{u[2:].lower()}@example.com", "real_name": u[2:].title()}
                            for u in ("U_ANA", "U_BOB", "U_CAROL", "U_DAN", "U_EVE")})
    return installed


def test_kudos_is_given_confirmed_with_whats_left_and_announced_in_the_channel(client, kudos_on):
    answer = ephemeral(command(client, "/kudos", "<@U_BOB|bob> <@U_CAROL> thanks for the review &amp; the <https://x.example/doc|doc> #Teamwork"))

    assert "Kudos sent to <@U_BOB>, <@U_CAROL>" in answer["text"]
    assert "*1* of 3 kudos left this month" in answer["text"] and "<!date^" in answer["text"]
    kudos = Event.objects.select_related("actor").get(type="kudos")
    assert (kudos.actor.key, kudos.mentions, kudos.hashtags, kudos.channel) == (
        "ana@example.com", ["bob@example.com", "carol@example.com"], ["teamwork"], CHANNEL)
    assert kudos.text == "thanks for the review & the doc #Teamwork"
    [post_call] = kudos_on.called("chat.postMessage")
    assert post_call.token == BOT_TOKEN and post_call.args["channel"] == CHANNEL
    assert "<@U_ANA> gave kudos to <@U_BOB>, <@U_CAROL>" in post_call.args["text"]
    blocks = post_call.args["blocks"]
    assert [Block.parse(b).to_dict() for b in blocks] == blocks
    [button] = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("congratulate", kudos.source_id)


def test_kudos_the_bot_cannot_announce_is_still_given_and_the_giver_told_why(client, kudos_on):
    kudos_on.failures["chat.postMessage"] = {"ok": False, "error": "not_in_channel"}

    answer = ephemeral(command(client, "/kudos", "<@U_BOB> thanks"))

    assert "Kudos sent to <@U_BOB>" in answer["text"] and "Invite the app to this channel" in answer["text"]
    assert Event.objects.filter(type="kudos").count() == 1


@pytest.mark.parametrize("text, words", [
    ("thanks everyone", "Say whom you thank"),
    ("<@U_ANA> for me", "cannot give yourself kudos"),
    (" ".join(f"<@U_R{i}>" for i in range(11)) + " all of you", "at most 10 people"),
    ("<@U_BOB> thanks #nope", "#nope is not one of the company values"),
])
def test_every_refusal_is_a_200_ephemeral_answer_saying_why_and_whats_left(client, kudos_on, text, words):
    answer = ephemeral(command(client, "/kudos", text))

    assert words in answer["text"]
    assert "*3* of 3 kudos left" in answer["text"]
    assert not Event.objects.filter(type="kudos").exists()
    assert kudos_on.called("chat.postMessage") == []


def test_the_per_receiver_limit_and_the_allowance_are_refused_with_whats_left(client, kudos_on):
    ephemeral(command(client, "/kudos", "<@U_BOB> thanks"))

    again = ephemeral(command(client, "/kudos", "<@U_BOB> thanks again"))
    assert "kudos left" in again["text"] and "*2* of 3" in again["text"]

    ephemeral(command(client, "/kudos", "<@U_CAROL> <@U_DAN> thanks"))
    spent = ephemeral(command(client, "/kudos", "<@U_EVE> thanks"))
    assert "*0* of 3" in spent["text"]
    assert Event.objects.filter(type="kudos").count() == 2


def test_value_required_is_refused_naming_the_values(client, kudos_on, admin):
    assert admin.put_yaml("/ruleset", KUDOS_RULESET + "  require_value: true\n").status_code == 200

    answer = ephemeral(command(client, "/kudos", "<@U_BOB> thanks"))

    assert "#teamwork" in answer["text"] and not Event.objects.filter(type="kudos").exists()


def test_kudos_without_a_kudos_section_says_so(client, installed, scored):
    answer = ephemeral(command(client, "/kudos", "<@U_BOB> thanks"))

    assert "not enabled" in answer["text"]


# --- the give_kudos shortcut and its modal ---------------------------------------------------------


def shortcut(user: str = "U_ANA") -> dict:
    return {"type": "message_action", "callback_id": "give_kudos", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "team": {"id": TEAM, "domain": "acme"}, "user": {"id": user, "team_id": TEAM}, "channel": {"id": CHANNEL},
            "message": {"type": "message", "user": "U_BOB", "ts": "1764064800.000100",
                        "text": "Fixed the build for <@U_CAROL|carol> &amp; everyone"},
            "response_url": "https://hooks.slack.com/app/T01/1/x"}


def submission(view: dict, users: list[str], text: str, values: list[str], user: str = "U_ANA") -> dict:
    state = {"receivers": {"users": {"type": "multi_users_select", "selected_users": users}},
             "message": {"text": {"type": "plain_text_input", "value": text}}}
    if values is not None:
        state["values"] = {"picked": {"type": "checkboxes", "selected_options": [
            {"value": v, "text": {"type": "plain_text", "text": f"#{v}"}} for v in values]}}
    return {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": user, "team_id": TEAM},
            "view": {**view, "id": "V123", "state": {"values": state}}}


def test_the_shortcut_opens_a_modal_whose_submission_gives_kudos(client, kudos_on):
    assert interact(client, shortcut()).status_code == 200

    [opened] = kudos_on.called("views.open")
    assert opened.token == BOT_TOKEN and opened.args["trigger_id"] == shortcut()["trigger_id"]
    view = view_of(opened)
    assert View(**view).to_dict() == view
    assert view["callback_id"] == "give_kudos"
    receivers, message, values = view["blocks"]
    assert (receivers["element"]["type"], receivers["element"]["initial_users"]) == ("multi_users_select", ["U_BOB"])
    assert message["element"]["initial_value"] == "Fixed the build for @carol & everyone"
    assert [o["value"] for o in values["element"]["options"]] == ["teamwork", "curiosity"]
    assert values["element"]["type"] == "checkboxes"

    response = interact(client, submission(view, ["U_BOB"], "Fixed the build", ["teamwork"]))

    assert response.status_code == 200
    assert response.json()["response_action"] == "update"
    assert "*2* of 3 kudos left" in json.dumps(response.json()["view"])
    kudos = Event.objects.select_related("actor").get(type="kudos")
    assert (kudos.actor.key, kudos.mentions, kudos.hashtags, kudos.channel) == (
        "ana@example.com", ["bob@example.com"], ["teamwork"], CHANNEL)
    assert kudos_on.called("chat.postMessage")[0].args["channel"] == CHANNEL


@pytest.mark.parametrize("users, text, block, words", [
    (["U_ANA"], "me", "receivers", "cannot give yourself kudos"),
    (["U_BOB"], "thanks #nope", "values", "#nope is not one of the company values"),
    ([], "thanks", "receivers", "Pick at least one person"),
    (["U_BOB"], "  ", "message", "Say what you thank them for"),
])
def test_a_refused_submission_answers_errors_on_the_right_block(client, kudos_on, users, text, block, words):
    interact(client, shortcut())
    view = view_of(kudos_on.called("views.open")[0])

    response = interact(client, submission(view, users, text, []))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [block]
    assert words in answer["errors"][block]
    assert not Event.objects.filter(type="kudos").exists()


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_kudos_from_one_giver_never_overspend(live_server, fake_slack, redis, settings):
    import threading

    import requests

    from engine.integrations.slack_app.workspaces import do_install_workspace as install
    from base.api_keys import do_create_api_key

    install({"access_token": BOT_TOKEN, "team": {"id": TEAM, "name": "Acme"}, "bot_user_id": "UBOT"})
    key = do_create_api_key(name="admin", role="admin")[1]
    activated = requests.put(f"{live_server.url}/api/v1/ruleset", KUDOS_RULESET.replace("amount: 3", "amount: 5"),
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/yaml"}, timeout=30)
    assert activated.status_code == 200, activated.text
    fake_slack.users["U_ANA"] = {"email": "ana@example.com"}
    answers, barrier = [], threading.Barrier(20)

    def give(i):
        fields = {"team_id": TEAM, "user_id": "U_ANA", "channel_id": CHANNEL, "command": "/kudos",
                  "text": f"<@U_R{i}> thanks", "trigger_id": f"1.2.{i}"}
        body = urlencode(fields).encode()
        headers = {k.removeprefix("HTTP_").replace("_", "-"): v for k, v in signed(body).items()}
        barrier.wait()
        answers.append(requests.post(f"{live_server.url}/integrations/slack/commands", data=body, timeout=60,
                                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}))

    threads = [threading.Thread(target=give, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [a.status_code for a in answers] == [200] * 20
    texts = [a.json()["text"] for a in answers]
    assert sum("Kudos sent" in t for t in texts) == 5
    assert sum("Kudos sent" not in t and "*0* of 5" in t for t in texts) == 15
    assert Event.objects.filter(type="kudos").count() == 5


def test_the_home_tabs_button_opens_the_modal_and_receivers_hear_of_it_from_the_app(client, kudos_on):
    home_click = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U_ANA", "team_id": TEAM}, "trigger_id": "9.8.7",
                  "container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"},
                  "actions": [{"type": "button", "action_id": "give_kudos", "value": "home", "action_ts": "1"}]}

    assert interact(client, home_click).status_code == 200
    view = view_of(kudos_on.called("views.open")[0])
    assert "initial_users" not in view["blocks"][0]["element"] and "initial_value" not in view["blocks"][1]["element"]

    response = interact(client, submission(view, ["U_BOB", "U_CAROL"], "Thanks for the pairing", ["curiosity"]))

    assert response.json()["response_action"] == "update"
    assert sorted(c.args["channel"] for c in kudos_on.called("chat.postMessage")) == ["U_BOB", "U_CAROL"]
    assert Event.objects.get(type="kudos").channel == ""


def test_the_people_a_kudos_names_are_looked_up_once_each(client, kudos_on):
    ephemeral(command(client, "/kudos", "<@U_BOB> <@U_CAROL> thanks"))
    ephemeral(command(client, "/kudos", "<@U_DAN> <@U_BOB> thanks again"))

    looked_up = sorted(c.args["user"] for c in kudos_on.called("users.info"))
    assert looked_up == ["U_ANA", "U_BOB", "U_CAROL", "U_DAN"]


def test_plaudit_top_of_a_people_board_in_works_council_mode_says_why_not(client, installed, admin):
    ruleset = BASIC_RULESET + "privacy: {individual_ranking: false}\n"
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200

    answer = ephemeral(command(client, "/plaudit", "top"))

    assert "no individual rankings" in answer["text"]


def test_a_person_with_a_german_locale_is_answered_in_german(client, installed, scored):
    installed.users["U_ANA"] = {"email": "ana@example.com", "real_name": "Ana Ruiz"}
    scored(post("ana@example.com", 1), post("ana@example.com", 2))
    assert "*20* points" in ephemeral(command(client, "/plaudit", "me"))["text"]  # links U_ANA to her person
    Person.objects.filter(key="ana@example.com").update(locale="de-DE")

    me = ephemeral(command(client, "/plaudit", "me"))["text"]
    assert "*20* Punkte" in me and "Platzierungen: #1 auf all-time" in me
    assert "Plaudit in Slack" in (helped := ephemeral(command(client, "/plaudit", "help"))["text"])
    assert "deine Punkte, Stufe" in helped and "this message" not in helped
    # the errors of the commands speak German too
    unknown = ephemeral(command(client, "/plaudit", "top nope"))["text"]
    assert "Es gibt keine Bestenliste 'nope'; die Bestenlisten sind: all-time, weekly" in unknown
    assert ephemeral(command(client, "/plaudit", "challenges"))["text"] == "Zurzeit läuft keine Challenge."


def test_the_stop_button_of_a_nudge_answers_in_the_persons_language(client, installed, scored):
    installed.users["U_ANA"] = {"email": "ana@example.com", "real_name": "Ana Ruiz"}
    scored(post("ana@example.com", 1))
    ephemeral(command(client, "/plaudit", "me"))  # links U_ANA to her person
    Person.objects.filter(key="ana@example.com").update(locale="de")

    response = interact(client, {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U_ANA"},
                                 "channel": {"id": "D0ANA"}, "actions": [{"action_id": STOP_ACTION, "value": "stop"}]})
    assert response.status_code == 200

    note = installed.called("chat.postEphemeral")[-1]
    assert note.args["text"].startswith("Du bekommst keine Anstöße mehr von Plaudit. Auf deiner Einstellungsseite kannst du "
                                        "sie wieder einschalten: ")
    assert note.args["text"].endswith("/me/preferences")
