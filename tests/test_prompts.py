"""Topic prompts: posted by the Slack app's bot on their cron schedule (ruleset timezone), once per slot,
retried a bounded number of times; replies in a prompt's thread carry `attributes.prompt` and score.

Slack's Web API is the local stand-in of tests/fake_slack.py; the relay's clock is passed in.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from base.models import Event, Person
from engine.integrations.slack_app.prompts import MAX_ATTEMPTS, run_due_prompts
from engine.models import PromptPost
from engine.scoring import do_score_pending
from tests.fake_slack import BOT_TOKEN, fake_slack  # noqa: F401 (a fixture)
from tests.helpers import yaml
from tests.test_slack import message, send
from tests.test_slack_app import installed, signing_secret  # noqa: F401 (fixtures)

UTC = timezone.utc
PROMPT_TEXT = "What did you learn last week? Reply in the thread. #TIL"
RULESET = yaml(f"""
    ruleset: prompts
    timezone: Europe/Berlin
    rules:
      - id: prompt-reply
        when: {{type: comment, expr: 'event.attributes.prompt == "monday-question"'}}
        award: [{{to: actor, points: 5}}, {{to: target_author, points: 100}}]
      - id: comment
        when: {{type: comment, not_self: true}}
        award: [{{to: actor, points: 2}}, {{to: target_author, points: 1}}]
    prompts:
      - id: monday-question
        schedule: "0 9 * * MON"
        to: C42
        text: "{PROMPT_TEXT}"
        reward: {{rule: prompt-reply}}
""")


@pytest.fixture
def prompts(admin, installed):
    response = admin.put_yaml("/ruleset", RULESET)
    assert response.status_code == 200, response.content
    return installed


def posts(fake):
    return fake.called("chat.postMessage")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_prompt_is_posted_at_its_minute_once_however_many_relay_passes(prompts, admin):
    # given Monday 7 December 2026, 08:59:59 in Berlin (07:59:59 UTC): not yet
    run_due_prompts(at("2026-12-07T08:59:59+01:00"))
    assert posts(prompts) == []
    # when the relay passes 5 seconds into 09:00 Berlin, then again (a second relay, a restart)
    run_due_prompts(at("2026-12-07T09:00:05+01:00"))
    run_due_prompts(at("2026-12-07T09:00:05+01:00"))
    run_due_prompts(at("2026-12-07T09:00:07+01:00"))
    # then the bot posted it once, with its token, to the prompt's channel
    [call] = posts(prompts)
    assert call.token == BOT_TOKEN and call.args["channel"] == "C42" and call.args["text"] == PROMPT_TEXT
    blocks = json.loads(call.args["blocks"]) if isinstance(call.args["blocks"], str) else call.args["blocks"]
    assert PROMPT_TEXT in blocks[0]["text"]["text"]
    # and admins see the post with its message id, and the next slot a week later
    [item] = admin.get("/prompts").json()["items"]
    assert item["id"] == "monday-question" and item["to"] == "C42"
    assert at(item["next_slot"]) == at("2026-12-14T09:00:00+01:00")
    [post] = item["last_posts"]
    assert post["status"] == "posted" and post["ts"] == "1764065000.000900" and post["attempts"] == 1
    assert at(post["slot"]) == at("2026-12-07T09:00:00+01:00") and post["error"] is None


def test_the_next_week_is_posted_again_and_a_slot_missed_by_hours_is_skipped(prompts):
    run_due_prompts(at("2026-12-07T09:00:01+01:00"))
    run_due_prompts(at("2026-12-14T09:00:01+01:00"))
    assert len(posts(prompts)) == 2
    # the stack was down on 21 December from 08:00 to noon: that prompt is not posted hours late
    run_due_prompts(at("2026-12-21T12:30:00+01:00"))
    assert len(posts(prompts)) == 2


@pytest.mark.parametrize("monday, utc_minute", [
    ("2026-03-23", "08:00"),   # CET (UTC+1), the week before the clocks change
    ("2026-03-30", "07:00"),   # CEST (UTC+2), the day after
])
def test_the_schedule_is_read_in_the_ruleset_timezone_across_dst(prompts, monday, utc_minute):
    utc = datetime.fromisoformat(f"{monday}T{utc_minute}:00+00:00")
    run_due_prompts(utc - timedelta(minutes=59, seconds=55))  # the UTC 09:00 a wrong zone would pick, or earlier
    run_due_prompts(utc - timedelta(seconds=1))
    assert posts(prompts) == []
    run_due_prompts(utc + timedelta(seconds=3))
    assert len(posts(prompts)) == 1


def test_a_reply_in_the_prompts_thread_is_scored_by_a_rule_matching_attributes_prompt(prompts, client, reader):
    # given the prompt posted (Slack gave it a ts)
    run_due_prompts(at("2026-12-07T09:00:02+01:00"))
    prompt_ts = PromptPost.objects.get().ts
    # when Ana replies in its thread (Slack names the bot as the parent's author) and Bob writes elsewhere
    reply = message("1764065100.000100", user="U_ANA", text="dbt snapshots #TIL", thread_ts=prompt_ts,
                    parent_user_id="UBOT")
    assert send(client, reply).status_code == 200
    assert send(client, message("1764065200.000100", user="U_BOB", text="unrelated")).status_code == 200
    do_score_pending()
    # then the reply is a comment carrying the prompt's id, scored for Ana by the prompt's rule
    event = Event.objects.get(source_id="slack:T01:C42:1764065100.000100")
    assert event.type == "comment" and event.attributes == {"prompt": "monday-question"}
    assert event.target_id == f"slack:T01:C42:{prompt_ts}" and event.target_author is None
    assert reader.get("/people/slack:T01:U_ANA").json()["points"] == 5 + 2
    # and the bot is no one: it has no person, so no award went to it
    assert not Person.objects.filter(key__contains="UBOT").exists()
    assert Event.objects.get(source_id="slack:T01:C42:1764065200.000100").attributes == {}


def test_a_reaction_to_the_prompt_credits_no_bot(prompts, client):
    from tests.test_slack import reaction

    run_due_prompts(at("2026-12-07T09:00:02+01:00"))
    prompt_ts = PromptPost.objects.get().ts
    assert send(client, reaction("reaction_added", prompt_ts, user="U_BOB", item_user="UBOT")).status_code == 200
    assert not Person.objects.filter(key__contains="UBOT").exists()


def test_a_failed_post_is_retried_a_bounded_number_of_times_and_shown_to_admins(prompts, admin):
    prompts.failures["chat.postMessage"] = {"ok": False, "error": "not_in_channel"}
    start = at("2026-12-07T09:00:01+01:00")
    for minutes in range(0, 24 * 60, 5):  # the relay keeps passing for a day
        run_due_prompts(start + timedelta(minutes=minutes))
    assert len(posts(prompts)) == MAX_ATTEMPTS
    [post] = admin.get("/prompts").json()["items"][0]["last_posts"]
    assert post["status"] == "failed" and post["attempts"] == MAX_ATTEMPTS
    assert "not_in_channel" in post["error"] and "/invite" in post["error"]


def test_a_post_that_failed_once_succeeds_on_retry(prompts, admin):
    prompts.failures["chat.postMessage"] = {"ok": False, "error": "ratelimited"}
    start = at("2026-12-07T09:00:01+01:00")
    run_due_prompts(start)
    del prompts.failures["chat.postMessage"]
    run_due_prompts(start + timedelta(seconds=10))  # not due again yet
    assert len(posts(prompts)) == 1
    run_due_prompts(start + timedelta(minutes=1))
    [post] = admin.get("/prompts").json()["items"][0]["last_posts"]
    assert len(posts(prompts)) == 2 and post["status"] == "posted" and post["attempts"] == 2 and post["ts"]


def test_a_relay_pass_survives_slack_being_unreachable(prompts, settings):
    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"  # nothing listens there
    run_due_prompts(at("2026-12-07T09:00:01+01:00"))
    post = PromptPost.objects.get()
    assert post.posted_at is None and "could not be reached" in post.error and post.next_attempt_at is not None


def test_an_admin_posts_a_prompt_now(prompts, admin, reader):
    response = admin.post("/prompts/monday-question/post", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "posted" and response.json()["manual"] is True
    assert len(posts(prompts)) == 1
    # unknown prompts and readers are refused
    missing = admin.post("/prompts/nope/post", {})
    assert missing.status_code == 404 and missing.json()["error"] == "prompt_not_found"
    assert reader.post("/prompts/monday-question/post", {}).status_code == 403
    assert reader.get("/prompts").status_code == 403


def test_without_the_app_installed_the_post_waits_with_an_error(admin, fake_slack):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    run_due_prompts(at("2026-12-07T09:00:01+01:00"))
    [post] = admin.get("/prompts").json()["items"][0]["last_posts"]
    assert post["status"] == "pending" and "not installed" in post["error"]


@pytest.mark.parametrize("prompt, where, message", [
    ('{id: p, schedule: "0 25 * * MON", to: C42, text: hi}', "schedule", "not a cron schedule"),
    ('{id: p, schedule: "0 9 * *", to: C42, text: hi}', "schedule", "five fields"),
    ('{id: p, schedule: "0 9 * * MON", to: C42, text: hi, reward: {rule: nope}}', "reward", "no rule has the id 'nope'"),
    ('{id: p, schedule: "0 9 * * MON", to: C42, text: ""}', "text", "at least 1 character"),
])
def test_bad_prompts_are_refused_with_line_and_column(admin, prompt, where, message):
    text = yaml(f"""
        ruleset: prompts
        rules:
          - {{id: r, award: {{to: actor, points: 1}}}}
        prompts:
          - {prompt}
    """)
    response = admin.put_yaml("/ruleset", text)
    assert response.status_code == 422, response.content
    [detail] = [d for d in response.json()["details"] if where in json.dumps(d)]
    assert message in detail["message"] and detail["line"] == 5


def test_two_prompts_with_one_id_are_refused(admin):
    text = yaml("""
        ruleset: prompts
        prompts:
          - {id: p, schedule: "0 9 * * MON", to: C42, text: hi}
          - {id: p, schedule: "0 9 * * FRI", to: C42, text: bye}
    """)
    response = admin.put_yaml("/ruleset", text)
    assert response.status_code == 422 and "already used by prompts[0]" in json.dumps(response.json())


@pytest.mark.parametrize("kind", ["slack", "teams", "email"])
def test_the_digest_quotes_the_best_reply_to_each_of_the_weeks_prompts(admin, kind):
    from zoneinfo import ZoneInfo

    from notifications.digest import digest_data
    from notifications.render import default_text, render
    from tests.helpers import event

    def reply(rid, actor, at, text):
        return event("comment", actor, id=rid, at=at, text=text, target={"id": "prompt-msg"},
                     attributes={"prompt": "monday-question"})

    likes = [event("reaction", f"fan{i}@example.com", at="2026-12-08T12:00:00+01:00", target={"id": target})
             for i, target in enumerate(["r2", "r2", "r3", "r3"])]
    response = admin.post("/events", [
        reply("r1", "ana@example.com", "2026-12-07T09:30:00+01:00", "Window functions, finally"),
        reply("r2", "bob@example.com", "2026-12-07T10:00:00+01:00", "dbt snapshots keep history"),
        reply("r3", "cy@example.com", "2026-12-07T11:00:00+01:00", "Same likes, later"),
        reply("old", "dan@example.com", "2026-11-30T10:00:00+01:00", "last week's"),
        *likes])
    assert response.status_code == 202, response.content
    tz = ZoneInfo("Europe/Berlin")
    data = digest_data("learning-general", datetime(2026, 12, 14, tzinfo=tz), tz, prompts={"monday-question": PROMPT_TEXT})
    # the most liked reply wins; of two equally liked ones, the earlier
    [best] = data["prompt_replies"]
    assert best["prompt"] == "monday-question" and best["quote"] == "dbt snapshots keep history" and best["reactions"] == 2
    assert best["author"] == "bob@example.com" and best["prompt_text"] == PROMPT_TEXT
    text = render(kind, default_text("weekly_digest", kind), data)
    assert "From this week's prompts" in text and "dbt snapshots keep history" in text and "bob@example.com" in text
    # works-council mode: the reply without its author
    quiet = digest_data("learning-general", datetime(2026, 12, 14, tzinfo=tz), tz, ranks_people=False,
                        prompts={"monday-question": PROMPT_TEXT})
    assert quiet["prompt_replies"][0]["author"] is None


def test_a_prompt_of_a_german_ruleset_says_in_german_where_to_reply(admin, installed):
    response = admin.put_yaml("/ruleset", RULESET.replace("timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nlanguage: de\n"))
    assert response.status_code == 200, response.content

    run_due_prompts(at("2026-12-07T09:00:05+01:00"))

    [call] = posts(installed)
    blocks = json.loads(call.args["blocks"]) if isinstance(call.args["blocks"], str) else call.args["blocks"]
    assert blocks[1]["elements"][0]["text"] == ":speech_balloon: Antworte in diesem Thread, um mitzumachen."
