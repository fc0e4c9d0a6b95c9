"""Scheduled activation: a validated ruleset waits for its moment (in the ruleset's timezone), the relay
activates it once through the same action as an activation by hand, and it can be cancelled; via the API
and the actions, with the clock given, never slept on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.utils import timezone

from engine.relay import relay_tick
from rulesets.active import do_activate_ruleset
from rulesets.models import RulesetVersion, ScheduledActivation
from rulesets.schedule import do_run_due_activations, do_schedule_activation
from tests.helpers import BASIC_RULESET

DOUBLE = BASIC_RULESET.replace("ruleset: basic", "ruleset: double")
FUTURE = (timezone.now() + timedelta(days=30)).astimezone(dt_timezone.utc).replace(microsecond=0)


def test_a_schedule_made_through_the_api_is_shown_in_the_rulesets_timezone_and_activates_once(admin, reader):
    assert admin.put_yaml("/ruleset?note=first", BASIC_RULESET).status_code == 200
    local = FUTURE.astimezone(timezone.get_fixed_timezone(0)).replace(tzinfo=None)  # a naive moment...
    answer = admin.post("/rulesets/scheduled", {"ruleset": DOUBLE, "activate_at": local.isoformat(), "note": "doubles"})
    assert answer.status_code == 201, answer.content
    schedule = answer.json()
    # ...is read in the ruleset's timezone (Europe/Berlin) and shown back in it, with its offset
    berlin = datetime.fromisoformat(schedule["activate_at"])
    assert schedule["timezone"] == "Europe/Berlin" and berlin.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert berlin.replace(tzinfo=None) == local
    assert schedule["status"] == "pending" and schedule["scheduled_by"] == "test admin" and schedule["version"] is None
    assert [s["id"] for s in admin.get("/rulesets/scheduled").json()] == [schedule["id"]]

    # before its moment nothing changes
    assert do_run_due_activations(berlin - timedelta(seconds=1)) == []
    assert reader.get("/ruleset").json()["name"] == "basic"
    # at its moment it is activated, once, and the history records it with its note
    done = do_run_due_activations(berlin)
    assert [s.id for s in done] == [schedule["id"]]
    assert do_run_due_activations(berlin + timedelta(minutes=5)) == []
    active = reader.get("/ruleset").json()
    assert active["name"] == "double" and active["note"] == "doubles" and active["activated_by"] == "test admin"
    assert RulesetVersion.objects.count() == 2
    listed = admin.get("/rulesets/scheduled").json()[0]
    assert listed["status"] == "done" and listed["version"] == active["version"]
    # a done schedule cannot be cancelled
    refused = admin.client.delete(f"/api/v1/rulesets/scheduled/{schedule['id']}", **admin._headers())
    assert refused.status_code == 409 and "done" in refused.json()["message"]


def test_a_cancelled_schedule_never_activates_and_bad_input_says_what_to_fix(admin, reader):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    schedule = admin.post("/rulesets/scheduled", {"ruleset": DOUBLE, "activate_at": FUTURE.isoformat()}).json()
    cancelled = admin.client.delete(f"/api/v1/rulesets/scheduled/{schedule['id']}", **admin._headers())
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert do_run_due_activations(FUTURE + timedelta(days=1)) == []
    assert reader.get("/ruleset").json()["name"] == "basic"
    # an invalid ruleset: 422 with the line
    bad = admin.post("/rulesets/scheduled", {"ruleset": DOUBLE.replace("points: 10", "points: ten"),
                                             "activate_at": FUTURE.isoformat()})
    assert bad.status_code == 422 and bad.json()["details"][0]["line"] > 0
    # a moment in the past
    past = admin.post("/rulesets/scheduled", {"ruleset": DOUBLE, "activate_at": "2020-01-01T09:00:00"})
    assert past.status_code == 422 and "2020-01-01 09:00 (Europe/Berlin) has passed" in past.json()["message"]
    # no moment, an unknown schedule, a reader
    assert admin.post("/rulesets/scheduled", {"ruleset": DOUBLE}).status_code == 422
    assert admin.client.delete("/api/v1/rulesets/scheduled/999", **admin._headers()).status_code == 404
    assert reader.post("/rulesets/scheduled", {"ruleset": DOUBLE, "activate_at": FUTURE.isoformat()}).status_code == 403


def test_the_relay_activates_a_due_schedule_exactly_once(transactional_db, redis):
    do_activate_ruleset(BASIC_RULESET)
    now = timezone.now()
    schedule = do_schedule_activation(DOUBLE, now + timedelta(minutes=1), now=now, scheduled_by="boss", note="on time")
    # its minute came while the relay was away: the next rounds activate it, once
    ScheduledActivation.objects.filter(pk=schedule.pk).update(activate_at=now - timedelta(seconds=1))
    relay_tick()
    relay_tick()
    versions = list(RulesetVersion.objects.order_by("id").values_list("name", "active", "note"))
    assert versions == [("basic", False, ""), ("double", True, "on time")]
    assert ScheduledActivation.objects.get().status == "done"


def test_a_due_text_the_validator_no_longer_takes_fails_and_the_active_ruleset_stays(db, redis):
    do_activate_ruleset(BASIC_RULESET)
    now = datetime(2030, 1, 1, tzinfo=dt_timezone.utc)
    schedule = do_schedule_activation(DOUBLE, now + timedelta(hours=1), now=now)
    ScheduledActivation.objects.filter(pk=schedule.pk).update(text="ruleset: [")
    assert do_run_due_activations(now + timedelta(hours=2)) == []
    schedule.refresh_from_db()
    assert schedule.status == "failed" and schedule.error
    assert RulesetVersion.objects.get(active=True).name == "basic"
