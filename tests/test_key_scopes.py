"""Integration keys with sources: they send only events whose ids start with their prefixes, and undo only those."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from base.api_keys import do_create_api_key
from base.models import ApiKey
from tests.conftest import Api
from tests.helpers import BASIC_RULESET, event
from tests.test_slack import SECRET, TEAM, CHANNEL, message, send

SLACK_TS = "1764064800.000100"
SLACK_ID = f"slack:{TEAM}:{CHANNEL}:{SLACK_TS}"


@pytest.fixture
def lms(db, redis):
    """An LMS's integration key, issued for the source `lms`."""
    return Api(Client(), do_create_api_key(name="lms", role="integration", sources=["lms"])[1])


def test_an_integration_key_sends_only_ids_of_its_sources_and_the_batch_is_refused_whole(admin, lms):
    # given
    admin.put_yaml("/ruleset", BASIC_RULESET)
    # when the LMS sends a batch with one of its own events and one under Slack's prefix
    refused = lms.post("/events", [event(id="lms:course-1"), event(id=SLACK_ID)])
    # then 403 names the item and the key's sources, and nothing was stored
    assert refused.status_code == 403, refused.content
    body = refused.json()
    assert body["error"] == "source_not_allowed"
    assert "lms:" in body["message"]
    assert [d["path"] for d in body["details"]] == ["events[1].id"]
    assert SLACK_ID in body["details"][0]["message"]
    assert admin.get("/events/lms:course-1").status_code == 404
    # and its own events go through
    assert lms.post("/events", event(id="lms:course-1")).status_code == 202


def test_a_claimed_slack_id_is_refused_so_slacks_signed_message_lands(admin, lms, settings):
    # given the LMS's key trying to take a Slack message's id first, with async storing too
    settings.SLACK_SIGNING_SECRET = SECRET
    admin.put_yaml("/ruleset", BASIC_RULESET)
    claim = event(id=SLACK_ID, actor="mallory@example.com")
    assert lms.post("/events", claim).json()["error"] == "source_not_allowed"
    refused = lms.client.post("/api/v1/events", [claim], content_type="application/json", HTTP_PREFER="respond-async",
                              HTTP_AUTHORIZATION=f"Bearer {lms.key}")
    assert refused.status_code == 403 and refused.json()["details"][0]["path"] == "events[0].id"
    # when Slack's signed message arrives
    answer = send(Client(), message(SLACK_TS))
    # then it is stored as Slack's
    assert answer.status_code == 200, answer.content
    assert admin.get(f"/events/{SLACK_ID}").json()["actor"] == f"slack:{TEAM}:U_ANA"


def test_an_integration_key_undoes_only_events_of_its_sources(admin, lms):
    # given a Slack post and an LMS event
    admin.put_yaml("/ruleset", BASIC_RULESET)
    assert admin.post("/events", event(id=SLACK_ID)).status_code == 202
    assert lms.post("/events", event(id="lms:course-2")).status_code == 202
    # when the LMS's key undoes the Slack post (with an id of its own)
    refused = lms.post("/events", event("undo", id="lms:undo-1", target={"id": SLACK_ID}))
    # then 403 names the target, and the undo is not stored
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"] == "source_not_allowed"
    assert [d["path"] for d in refused.json()["details"]] == ["target.id"]
    assert admin.get("/events/lms:undo-1").status_code == 404
    # and it may undo its own
    assert lms.post("/events", event("undo", id="lms:undo-2", target={"id": "lms:course-2"})).status_code == 202


def test_keys_without_sources_send_any_id(admin, integration):
    # given an integration key issued without sources, as every key issued before keys had them
    admin.put_yaml("/ruleset", BASIC_RULESET)
    # then it sends and undoes under any prefix, as an admin key does
    assert integration.post("/events", event(id=SLACK_ID)).status_code == 202
    assert integration.post("/events", event("undo", id="any:undo", target={"id": SLACK_ID})).status_code == 202


def test_apikey_create_with_sources_and_list_shows_them(db):
    # when
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", "create", "--role", "integration", "--name", "moodle", "--source", "lms",
                 "--source", "moodle:", stdout=out, stderr=err)
    # then the key is stored with the prefixes, and the listing shows them
    assert ApiKey.objects.get(name="moodle").sources == ["lms:", "moodle:"]
    assert "lms:, moodle:" in err.getvalue()
    listing = io.StringIO()
    call_command("apikey", "list", stdout=listing)
    assert "lms:, moodle:" in listing.getvalue()


@pytest.mark.parametrize("args, problem", [
    (["--role", "reader", "--source", "lms"], "only integration keys have sources"),
    (["--role", "integration", "--source", "bad prefix"], "'bad prefix' is not an event id prefix"),
])
def test_apikey_create_refuses_sources_it_cannot_use(db, args, problem):
    with pytest.raises(CommandError, match=problem):
        call_command("apikey", "create", "--name", "x", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiKey.objects.exists()


def test_the_adapters_refuse_a_key_scoped_to_other_sources(admin, lms):
    # given the LMS's key, scoped to `lms:`, used on the xAPI and Viva Engage adapters, which write
    # `xapi:` and `viva:` ids
    from tests.test_teams_viva import REFS, viva_send, yammer
    from tests.test_xapi import send, statement

    admin.put_yaml("/ruleset", BASIC_RULESET)
    # when
    xapi = send(Client(), statement(), key=lms.key)
    viva = viva_send(lms, {"messages": [yammer(9101, 11, "hello")], "references": REFS})
    # then both are refused, naming the source, and nothing is stored
    assert xapi.status_code == 403 and xapi.json()["error"] == "source_not_allowed", xapi.content
    assert viva.status_code == 403 and viva.json()["error"] == "source_not_allowed", viva.content
    assert admin.get("/events/viva:9101").status_code == 404


def test_the_adapters_take_a_key_scoped_to_their_own_source(admin, db, redis):
    # given a key issued for the xAPI adapter's source
    xapi_key = do_create_api_key(name="lrs", role="integration", sources=["xapi"])[1]
    from tests.test_xapi import send, statement

    admin.put_yaml("/ruleset", BASIC_RULESET)
    # when / then
    assert send(Client(), statement(), key=xapi_key).status_code == 200
