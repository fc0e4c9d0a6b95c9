"""Scheduled activation from the workbench (no JavaScript): the draft is scheduled at a date and time in the
ruleset's timezone, shown back in it on the versions page, activated once at its moment, or cancelled."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rulesets.models import RulesetVersion, ScheduledActivation
from rulesets.schedule import do_run_due_activations
from tests.web_seed import WEB_RULESET, make_user, seed_world, signed_in, text

BERLIN = ZoneInfo("Europe/Berlin")
CHANGED = WEB_RULESET.replace("points: 10}", "points: 15}")


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("boss", admin=True)


def moment(days: int = 3) -> datetime:
    return (timezone.now().astimezone(BERLIN) + timedelta(days=days)).replace(hour=9, minute=30, second=0, microsecond=0,
                                                                               tzinfo=None)


def test_an_admin_schedules_the_draft_sees_it_pending_and_it_activates_at_its_moment(world):
    boss = signed_in("boss")
    at = moment()
    answer = boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "schedule", "note": "Posts earn 15",
                                             "activate_at": at.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    shown = f"{at:%Y-%m-%d} 09:30 (Europe/Berlin)"
    page = html.unescape(text(answer))
    assert answer.redirect_chain[-1][0].endswith("/admin-area/versions")
    assert f"This draft becomes active at {shown}" in page
    assert "Scheduled activations" in page and shown in page and "Posts earn 15" in page
    assert RulesetVersion.objects.get(active=True).text == WEB_RULESET  # not yet
    german = html.unescape(text(boss.get("/admin-area/versions", HTTP_ACCEPT_LANGUAGE="de")))
    assert "Geplante Aktivierungen" in german and "Wird aktiv" in german and shown in german
    schedule = ScheduledActivation.objects.get()
    assert schedule.activate_at == at.replace(tzinfo=BERLIN)
    # the relay's clock reaches the moment: activated once, in the history with its note
    assert do_run_due_activations(at.replace(tzinfo=BERLIN) - timedelta(seconds=1)) == []
    assert len(do_run_due_activations(at.replace(tzinfo=BERLIN) + timedelta(seconds=30))) == 1
    assert do_run_due_activations(at.replace(tzinfo=BERLIN) + timedelta(minutes=1)) == []
    active = RulesetVersion.objects.get(active=True)
    assert active.text == CHANGED and active.note == "Posts earn 15" and active.activated_by == "boss"
    versions = html.unescape(text(boss.get("/admin-area/versions")))
    assert "Scheduled activations" not in versions and "Posts earn 15" in versions


def test_a_scheduled_activation_can_be_cancelled_on_the_versions_page(world):
    boss = signed_in("boss", csrf=False)
    boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "schedule", "note": "later",
                                    "activate_at": moment().strftime("%Y-%m-%dT%H:%M")})
    schedule = ScheduledActivation.objects.get()
    answer = boss.post("/admin-area/versions", {"cancel": str(schedule.id)}, follow=True)
    assert "is cancelled" in text(answer) and "Scheduled activations" not in text(answer)
    assert do_run_due_activations(schedule.activate_at + timedelta(days=1)) == []
    assert RulesetVersion.objects.get(active=True).text == WEB_RULESET
    again = boss.post("/admin-area/versions", {"cancel": str(schedule.id)}, follow=True)
    assert "no longer scheduled" in text(again)


@pytest.mark.parametrize("typed, error", [
    ("", "Choose the date and time the ruleset becomes active."),
    ("next tuesday", "Write a date and time like 2026-12-24 09:00."),
    ("2020-01-06T09:00", "2020-01-06 09:00 (Europe/Berlin) has passed; choose a moment in the future."),
])
def test_a_bad_moment_is_said_beside_its_field_and_the_text_is_kept(world, typed, error):
    boss = signed_in("boss")
    answer = boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "schedule", "note": "n", "activate_at": typed})
    assert answer.status_code == 422
    page = html.unescape(text(answer))
    assert f'<p class="error" id="id_activate_at-error">{error}</p>' in page
    assert f'value="{typed}"' in page and "points: 15}" in page
    assert not ScheduledActivation.objects.exists()


def test_scheduling_needs_a_note_and_a_valid_ruleset(world):
    boss = signed_in("boss")
    no_note = boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "schedule", "note": "",
                                              "activate_at": moment().strftime("%Y-%m-%dT%H:%M")})
    assert no_note.status_code == 422 and "Say in a few words" in text(no_note)
    bad = boss.post("/admin-area/rules", {"ruleset": CHANGED.replace("points: 15", "points: ten"), "action": "schedule",
                                          "note": "n", "activate_at": moment().strftime("%Y-%m-%dT%H:%M")})
    assert bad.status_code == 422 and "Line 11, column" in text(bad)
    assert not ScheduledActivation.objects.exists()
