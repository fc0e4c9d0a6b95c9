"""Every inbound source against the running app (gunicorn, a worker, the relay) over real HTTP:
signed, recorded-shaped payloads become the right events and points for the right person, and a
bad signature stores nothing."""

from __future__ import annotations

import json
import time

import pytest
import requests

from base.models import ApiKey, Event
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.reliability.stack import running_stack
from tests.test_slack import SECRET as SLACK_SECRET, message, reaction, sign
from tests.test_teams_viva import REFS, TEAMS_SECRET, activity, teams_sign, yammer
from tests.test_xapi import statement


def slack_post(site: str, payload: dict, secret: str = SLACK_SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    return requests.post(f"{site}/integrations/slack/events", data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(body, stamp, secret)})


@pytest.mark.worker
def test_each_source_turns_real_requests_into_the_right_events_and_points(transactional_db, redis):
    with running_stack(SLACK_SIGNING_SECRET=SLACK_SECRET, TEAMS_HMAC_SECRET=TEAMS_SECRET) as (_, base):
        site = base.removesuffix("/api/v1")
        admin = {"Authorization": f"Bearer {ApiKey.issue(name='admin', role='admin')[1]}"}
        integration_key = ApiKey.issue(name="sources", role="integration")[1]
        assert requests.put(f"{base}/ruleset", BASIC_RULESET, headers={**admin, "Content-Type": "application/yaml"},
                            timeout=30).status_code == 200
        for alias, person in (("T01:U_ANA", "ana@example.com"), ("T01:U_BOB", "bob@example.com")):
            assert requests.put(f"{base}/people/{person}", json={"aliases": [{"source": "slack", "id": alias}]},
                                headers=admin, timeout=30).status_code == 200

        # Slack: a post, a thread reply (a comment on it), a reaction, and a retry of the post
        assert slack_post(site, message("1764064800.000100", text="My notes on #Python fixtures")).status_code == 200
        assert slack_post(site, message("1764064900.000200", user="U_BOB", text="Thanks, very useful",
                                        thread_ts="1764064800.000100")).status_code == 200
        assert slack_post(site, reaction("reaction_added", "1764064800.000100")).status_code == 200
        assert slack_post(site, message("1764064800.000100", text="My notes on #Python fixtures")).status_code == 200
        # a forged Slack request stores nothing
        forged = slack_post(site, message("1764065999.000900", text="free points"), secret="not-the-secret")
        # Teams: a signed outgoing-webhook message
        teams_body = json.dumps(activity("2001", "<at>Plaudit</at> Sharing the Terraform module guide")).encode()
        teams = requests.post(f"{site}/integrations/teams/messages", data=teams_body, timeout=30,
                              headers={"Content-Type": "application/json", "Authorization": teams_sign(teams_body)})
        # Viva Engage: praise is a shoutout for the praised people
        praise = yammer(9001, 11, "Congrats on passing the exam! #certified", message_type="praise", praised_user_ids=[22, 33])
        viva = requests.post(f"{site}/integrations/viva/messages", json={"messages": [praise], "references": REFS},
                             headers={"Authorization": f"Bearer {integration_key}"}, timeout=30)
        # xAPI: passing a certification activity is certification_earned, with the score kept
        cert = statement("passed", actor="carol@example.com", object={"definition": {"type": "https://example.com/activitytypes/certification"}},
                         result={"success": True, "completion": True, "score": {"scaled": 0.92}})
        xapi = requests.post(f"{site}/integrations/xapi/statements", json=cert, timeout=30,
                             headers={"Authorization": f"Bearer {integration_key}", "X-Experience-API-Version": "1.0.3"})

        # the rest of each source's mappings: a Slack reshare and an unlike, a Teams reply, Viva replies
        # and likes, and the xAPI verbs besides completion
        share = message("1764065100.000300", user="U_BOB", text="worth a read",
                        attachments=[{"is_share": True, "is_msg_unfurl": True, "channel_id": "C42",
                                      "ts": "1764064800.000100", "author_id": "U_ANA"}])
        assert slack_post(site, share).status_code == 200
        assert slack_post(site, reaction("reaction_removed", "1764064800.000100", at="1764065200.000100")).status_code == 200
        reply_body = json.dumps(activity("2002", "<at>Plaudit</at> Which module?", sender={"id": "29:bob", "name": "Bob"},
                                         reply_to="2001")).encode()
        assert requests.post(f"{site}/integrations/teams/messages", data=reply_body, timeout=30, headers={
            "Content-Type": "application/json", "Authorization": teams_sign(reply_body)}).status_code == 200
        viva_post, viva_reply = yammer(9100, 11, "My notes on pandas"), yammer(9101, 22, "Thanks!", replied_to_id=9100, thread_id=9100)
        like = {"type": "like", "message_id": 9100, "user_id": 33, "created_at": "2026-11-25T11:00:00+00:00"}
        assert requests.post(f"{site}/integrations/viva/messages", json={"messages": [viva_post, viva_reply], "likes": [like],
                             "references": REFS}, headers={"Authorization": f"Bearer {integration_key}"}, timeout=30).status_code == 200
        verbs = {"completed": "course_completed", "attended": "attended", "commented": "comment", "shared": "reshare",
                 "answered": "answer", "asked": "question", "liked": "reaction",
                 "https://w3id.org/openbadges/verbs/earned": "certification_earned"}
        statements = {verb: statement(verb, actor="dan@example.com", activity="https://lms.example.com/things/42") for verb in verbs}
        assert requests.post(f"{site}/integrations/xapi/statements", json=list(statements.values()), timeout=30, headers={
            "Authorization": f"Bearer {integration_key}", "X-Experience-API-Version": "1.0.3"}).status_code == 200

        assert forged.status_code == 401 and teams.status_code == 200 and viva.status_code == 200
        assert xapi.status_code == 200 and xapi.headers["X-Experience-API-Version"].startswith("1.0")
        expected = 6 + 2 + 1 + 3 + len(verbs)
        wait_for(lambda: Event.objects.count() == expected and not Event.objects.filter(scored_at__isnull=True).exists(),
                 timeout=60, what=f"the {expected} events scored by the worker")

        def event(event_id):
            answer = requests.get(f"{base}/events/{event_id}", headers=admin, timeout=30)
            assert answer.status_code == 200, (event_id, answer.text)
            return answer.json()

        post = event("slack:T01:C42:1764064800.000100")
        assert post["type"] == "post" and post["actor"] == "ana@example.com" and post["hashtags"] == ["Python"]
        reply = event("slack:T01:C42:1764064900.000200")
        assert reply["type"] == "comment" and reply["actor"] == "bob@example.com" and reply["target"]["author"] == "ana@example.com"
        assert event(f"xapi:{cert['id']}")["type"] == "certification_earned"
        assert event(f"xapi:{cert['id']}")["attributes"]["score"] == 92  # scaled 0.92 as a percentage
        assert event("viva:9001")["type"] == "shoutout"
        assert Event.objects.filter(source_id__startswith="teams:", type="post").count() == 1
        assert not Event.objects.filter(source_id__contains="1764065999").exists()

        assert event("slack:T01:C42:1764065100.000300")["type"] == "reshare"
        assert Event.objects.filter(source_id__startswith="teams:", type="comment").count() == 1
        assert event("viva:9101")["type"] == "comment" and event("viva:9100:like:33")["type"] == "reaction"
        for verb, event_type in verbs.items():
            assert event(f"xapi:{statements[verb]['id']}")["type"] == event_type, verb
        undo = Event.objects.get(type="undo", source_id__startswith="slack:")
        assert undo.target_id == Event.objects.get(type="reaction", source_id__startswith="slack:").source_id

        def points(person):
            return requests.get(f"{base}/people/{person}", headers=admin, timeout=30).json()["points"]

        # Ana: post 10 + comment received 1 + the like, taken back by the unlike (0); the retry counted
        # nothing; 2 for giving the Viva praise; 10 for her Viva post, 1 for the Viva reply to it, 1 for its like
        assert points("ana@example.com") == 10 + 1 + 2 + 10 + 1 + 1
        assert points("bob@example.com") == 2 + 25 + 2  # his Slack comment, the praise, his Viva reply
        assert points("carol@example.com") == 25
