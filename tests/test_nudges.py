"""Nudges: Slack direct messages to opted-in people, at most one a week, with a stop button.

Slack's Web API is the local stand-in of tests/fake_slack.py; the day's run is given its clock.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from engine.integrations.identity import resolve
from engine.integrations.slack_app.nudges import STOP_ACTION, run_due_nudges
from engine.models import Nudge
from insights import rollup
from insights.rollup import relay_pass
from tests.fake_slack import fake_slack  # noqa: F401 (a fixture)
from tests.helpers import event, yaml
from tests.test_slack_app import installed, interact, signing_secret  # noqa: F401 (fixtures)

BOB = "slack:T01:U_BOB"
CLARA = "slack:T01:U_CLARA"


def ruleset(nudges: str = "{unanswered_question: true, quiet_weeks: 2}", privacy: str = "{individual_ranking: true}") -> str:
    return yaml(f"""
        ruleset: nudging
        timezone: Europe/Berlin
        privacy: {privacy}
        nudges: {nudges}
        rules:
          - {{id: post, when: {{type: post}}, award: {{to: actor, points: 1}}}}
    """)


@pytest.fixture(autouse=True)
def settled(monkeypatch):
    """On PostgreSQL earlier tests leave gaps in the event sequence (sequences are not rolled back): the
    rollups would otherwise wait out GAP_SETTLE_S before counting."""
    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


@pytest.fixture
def people(admin, installed):
    assert admin.put_yaml("/ruleset", ruleset()).status_code == 200
    for external in ("T01:U_BOB", "T01:U_CLARA"):
        resolve("slack", external)
    return installed


def opt_in(admin, person: str, on: bool = True):
    response = admin.patch(f"/people/{person}", {"nudges": on})
    assert response.status_code == 200, response.content
    assert response.json()["nudges"] is on


def ask(admin, at: str, mentions: list[str], qid: str = "q1"):
    response = admin.post("/events", [event("question", "ana@example.com", id=qid, at=at, text="How do dbt snapshots work?",
                                            mentions=mentions)])
    assert response.status_code == 202, response.content


def dms(fake):
    return [c for c in fake.called("chat.postMessage") if c.args["channel"].startswith("U")]


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text + "+01:00")


def test_nudges_are_off_by_default(people, admin):
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB, CLARA])
    assert admin.get(f"/people/{BOB}").json()["nudges"] is False
    assert run_due_nudges(berlin("2026-12-08T10:00:05")) == []
    assert dms(people) == [] and not Nudge.objects.exists()


def test_an_opted_in_person_mentioned_in_an_unanswered_question_is_nudged_once_a_week(people, admin):
    # given Bob opted in, Clara did not; both mentioned in a question with no answer for a day
    opt_in(admin, BOB)
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB, CLARA])
    # before 10:00 in the ruleset's timezone, nothing; from 10:00 one message, however often the relay passes
    assert run_due_nudges(berlin("2026-12-08T09:59:00")) == []
    run_due_nudges(berlin("2026-12-08T10:00:05"))
    run_due_nudges(berlin("2026-12-08T10:00:07"))
    [dm] = dms(people)
    assert dm.args["channel"] == "U_BOB" and "How do dbt snapshots work?" in dm.args["text"]
    blocks = json.loads(dm.args["blocks"]) if isinstance(dm.args["blocks"], str) else dm.args["blocks"]
    assert blocks[-1]["elements"][0]["action_id"] == STOP_ACTION
    # when another question waits for him the next day: still the same week, no second message
    ask(admin, "2026-12-08T11:00:00+01:00", [BOB], qid="q2")
    run_due_nudges(berlin("2026-12-09T10:00:00"))
    assert len(dms(people)) == 1
    # the next week he may be nudged again
    ask(admin, "2026-12-14T08:00:00+01:00", [BOB], qid="q3")
    run_due_nudges(berlin("2026-12-15T10:00:00"))
    assert len(dms(people)) == 2


def test_a_question_answered_within_the_day_nudges_no_one(people, admin):
    opt_in(admin, BOB)
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    answer = event("answer", "dan@example.com", at="2026-12-07T15:00:00+01:00", text="Like this", target={"id": "q1"})
    assert admin.post("/events", [answer]).status_code == 202
    run_due_nudges(berlin("2026-12-08T10:00:00"))
    assert dms(people) == []


def test_the_stop_button_turns_nudges_off(people, admin, client):
    opt_in(admin, BOB)
    response = interact(client, {"type": "block_actions", "team": {"id": "T01"}, "user": {"id": "U_BOB"},
                                 "channel": {"id": "D0BOB"}, "actions": [{"action_id": STOP_ACTION, "value": "stop"}]})
    assert response.status_code == 200
    assert admin.get(f"/people/{BOB}").json()["nudges"] is False
    [note] = people.called("chat.postEphemeral")
    assert note.args["user"] == "U_BOB" and "no more nudges" in note.args["text"]
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    run_due_nudges(berlin("2026-12-08T10:00:00"))
    assert dms(people) == []


def test_the_nudges_setting_is_a_json_boolean(people, admin):
    response = admin.patch(f"/people/{BOB}", {"nudges": "yes"})
    assert response.status_code == 422 and "nudges" in json.dumps(response.json())


def _quiet_reader(admin):
    """Bob reacted in the data-academy programme in the two weeks before 7 December, and wrote nothing there."""
    events = [event("reaction", BOB, at=f"2026-11-{day}T10:00:00+01:00", program="data-academy", target={"id": "p"})
              for day in (24, 26, 30)]
    events.append(event("post", CLARA, at="2026-11-30T11:00:00+01:00", program="data-academy", text="hello"))
    assert admin.post("/events", events).status_code == 202
    relay_pass()


def test_a_quiet_reader_of_a_programme_is_invited_to_post(people, admin):
    opt_in(admin, BOB)
    opt_in(admin, CLARA)
    _quiet_reader(admin)
    run_due_nudges(berlin("2026-12-07T10:00:00"))
    [dm] = dms(people)
    assert dm.args["channel"] == "U_BOB" and "data-academy" in dm.args["text"]


@pytest.mark.parametrize("allow, nudged", [(False, 0), (True, 1)])
def test_works_council_mode_keeps_activity_nudges_off_unless_the_ruleset_allows_them(people, admin, allow, nudged):
    nudges = f"{{unanswered_question: true, quiet_weeks: 2, allow_in_works_council: {str(allow).lower()}}}"
    assert admin.put_yaml("/ruleset", ruleset(nudges, "{individual_ranking: false}")).status_code == 200
    opt_in(admin, BOB)
    _quiet_reader(admin)
    run_due_nudges(berlin("2026-12-07T10:00:00"))
    assert len(dms(people)) == nudged


def test_works_council_mode_keeps_question_nudges(people, admin):
    assert admin.put_yaml("/ruleset", ruleset(privacy="{individual_ranking: false}")).status_code == 200
    opt_in(admin, BOB)
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    run_due_nudges(berlin("2026-12-08T10:00:00"))
    assert len(dms(people)) == 1


def test_without_a_nudges_section_no_one_is_nudged(people, admin):
    text = yaml("""
        ruleset: quiet
        rules:
          - {id: post, when: {type: post}, award: {to: actor, points: 1}}
    """)
    assert admin.put_yaml("/ruleset", text).status_code == 200
    opt_in(admin, BOB)
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    run_due_nudges(berlin("2026-12-08T10:00:00") + timedelta(hours=1))
    assert dms(people) == []
