"""Admin actions in the pages, through Django's test client: badges granted and revoked, recompute with its
progress, two people merged, a person exported and erased, a test message to a channel, the outbox's triggers.

Each page calls the API's action, so each test checks the effect where the API shows it."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from rq import SimpleWorker

from base.models import Person
from base.scoring_queue import scoring_queue
from notifications.models import Channel, Notification
from notifications.receiver import Answer, Receiver
from tests.web_seed import make_user, seed_world, signed_in, text

SECRET = "whsec_" + base64.b64encode(b"t" * 32).decode()
ADMIN_PAGES = ["/admin-area/people", "/admin-area/people?person=ana@example.com", "/admin-area/people/badges?person=ana@example.com",
               "/admin-area/people/merge", "/admin-area/people/erase?person=dan@example.com",
               "/admin-area/people/export?person=dan@example.com", "/admin-area/recompute",
               "/admin-area/people/revoke?person=ana@example.com&badge=first-post&tier="]


@pytest.fixture
def world(db, redis, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


@pytest.fixture
def boss(world):
    return signed_in("boss", csrf=False)


def person_api(admin, key):
    return admin.get(f"/people/{key}").json()


def error_beside(response, field: str) -> str:
    import html
    import re

    found = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


# --- who may ---------------------------------------------------------------------------------------

def test_employees_get_403_and_strangers_the_sign_in_and_nothing_changes(world, admin):
    ana = signed_in("ana@example.com")
    for path in ADMIN_PAGES:
        assert ana.get(path).status_code == 403, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login?next="), path
    posts = {"/admin-area/people/badges": {"person": "ana@example.com", "badge": "commenter/Silver", "reason": "x"},
             "/admin-area/people/revoke": {"person": "ana@example.com", "badge": "first-post", "tier": "", "reason": "x"},
             "/admin-area/people/merge": {"source": "dan@example.com", "target": "ana@example.com", "confirm": "yes"},
             "/admin-area/people/erase": {"person": "dan@example.com", "confirm": "dan@example.com"},
             "/admin-area/recompute": {}, "/admin-area/channels/hooks/test": {}}
    for path, data in posts.items():
        assert ana.post(path, data).status_code == 403, path
    badges = {(b["id"], b["tier"]) for b in person_api(admin, "ana@example.com")["badges"]}
    assert badges == {("first-post", None), ("commenter", "Bronze")}
    assert Person.objects.filter(key="dan@example.com").exists()
    assert not Notification.objects.exists()


def test_every_admin_form_needs_the_csrf_token(world):
    strict = signed_in("boss", csrf=True)
    for path in ["/admin-area/people/badges", "/admin-area/people/revoke", "/admin-area/people/merge",
                 "/admin-area/people/erase", "/admin-area/recompute", "/admin-area/channels/hooks/test"]:
        assert strict.post(path, {"person": "ana@example.com"}).status_code == 403, path


def test_the_navigation_and_a_persons_page_lead_admins_to_the_actions(boss):
    home = text(boss.get("/people/ana@example.com"))
    for link in ["/admin-area/people/badges?person=ana%40example.com", "/admin-area/people/merge?person=ana%40example.com",
                 "/admin-area/people/export?person=ana%40example.com", "/admin-area/people/erase?person=ana%40example.com",
                 'href="/admin-area/people"', 'href="/admin-area/recompute"']:
        assert link in home, link
    employee = text(signed_in("ana@example.com").get("/people/ana@example.com"))
    assert "/admin-area/people" not in employee and "/admin-area/recompute" not in employee


# --- badges ---------------------------------------------------------------------------------------

def test_an_admin_grants_the_next_tier_with_a_reason_and_the_api_shows_it(boss, admin):
    page = text(boss.get("/admin-area/people/badges?person=ana@example.com"))
    assert "Commenter · Silver" in page and "First Post" in page
    response = boss.post("/admin-area/people/badges", {"person": "ana@example.com", "badge": "commenter/Silver",
                                                       "reason": "ran the dbt workshop"}, follow=True)
    assert "Granted Commenter · Silver to Ana Ruiz." in text(response)
    assert ("commenter", "Silver") in {(b["id"], b["tier"]) for b in person_api(admin, "ana@example.com")["badges"]}


@pytest.mark.parametrize("form, field, words", [
    ({"person": "nobody@example.com", "badge": "first-post", "reason": "x"}, "person", "There is no one with the id 'nobody@example.com'."),
    ({"person": "ana@example.com", "badge": "first-post", "reason": "x"}, "badge", "holds that badge already"),
    ({"person": "bob@example.com", "badge": "commenter/Silver", "reason": "x"}, "badge", "Tiers are granted in order"),
    ({"person": "ana@example.com", "badge": "nope", "reason": "x"}, "badge", "Choose one of the badges listed."),
    ({"person": "ana@example.com", "badge": "commenter/Silver", "reason": ""}, "reason", "Give a reason"),
])
def test_a_refused_grant_is_explained_beside_its_field_with_the_input_kept(boss, admin, form, field, words):
    response = boss.post("/admin-area/people/badges", form)
    assert response.status_code == 422
    assert words in error_beside(response, field)
    assert f'value="{form["person"]}"' in response.content.decode()
    assert ("commenter", "Silver") not in {(b["id"], b["tier"]) for b in person_api(admin, "ana@example.com")["badges"]}


def test_revoking_asks_first_saying_what_is_lost_and_then_needs_a_reason(boss, admin):
    ask = boss.get("/admin-area/people/revoke?person=ana@example.com&badge=commenter&tier=Bronze")
    assert ask.status_code == 200
    words = text(ask)
    assert "Revoke Commenter · Bronze from Ana Ruiz?" in words and "answer as revoked" in words and "points stay" in words
    assert ("commenter", "Bronze") in {(b["id"], b["tier"]) for b in person_api(admin, "ana@example.com")["badges"]}
    no_reason = boss.post("/admin-area/people/revoke", {"person": "ana@example.com", "badge": "commenter", "tier": "Bronze", "reason": ""})
    assert no_reason.status_code == 422 and "Give a reason" in error_beside(no_reason, "reason")
    done = boss.post("/admin-area/people/revoke", {"person": "ana@example.com", "badge": "commenter", "tier": "Bronze",
                                                   "reason": "comments were spam"}, follow=True)
    assert "Revoked Commenter · Bronze from Ana Ruiz." in text(done)
    assert ("commenter", "Bronze") not in {(b["id"], b["tier"]) for b in person_api(admin, "ana@example.com")["badges"]}
    again = boss.get("/admin-area/people/revoke?person=ana@example.com&badge=commenter&tier=Bronze")
    assert again.status_code == 404


# --- recompute ------------------------------------------------------------------------------------

def test_a_recompute_started_from_the_page_shows_its_progress_and_its_end(boss, admin, redis):
    started = boss.post("/admin-area/recompute", {"since": ""})
    assert started.status_code == 302
    status_url = started["Location"]
    job_id = status_url.rsplit("/", 1)[1]
    waiting = boss.get(status_url)
    assert '<meta http-equiv="refresh" content="3">' in waiting.content.decode()
    assert "Queued" in text(waiting) and f"{status_url}?refresh=off" in text(waiting)
    still = boss.get(f"{status_url}?refresh=off")
    assert 'http-equiv="refresh"' not in still.content.decode() and "Queued" in text(still)
    SimpleWorker([scoring_queue()], connection=redis).work(burst=True)
    finished = boss.get(status_url)
    page = text(finished)
    assert 'http-equiv="refresh"' not in page
    assert "Finished." in page and "14 of 14 events rescored." in page and 'value="100"' in page
    api = admin.get(f"/recompute/{job_id}").json()
    assert api["status"] == "finished" and api["done"] == api["total"] == 14


def test_a_bad_recompute_date_is_shown_beside_the_field(boss):
    response = boss.post("/admin-area/recompute", {"since": "last tuesday"})
    assert response.status_code == 422 and "2026-11-01" in error_beside(response, "since")
    assert boss.get("/admin-area/recompute/no-such-job").status_code == 404


# --- merge ----------------------------------------------------------------------------------------

def test_merge_shows_what_moves_then_merges_on_confirmation(boss, admin):
    dan_points = person_api(admin, "dan@example.com")["points"]
    ana_points = person_api(admin, "ana@example.com")["points"]
    preview = boss.post("/admin-area/people/merge", {"source": "dan@example.com", "target": "ana@example.com"})
    assert preview.status_code == 200
    words = text(preview)
    assert "Merge Dan Ek into Ana Ruiz?" in words and "Kudos given" in words
    assert f'<td class="num">{dan_points}</td>' in preview.content.decode()
    assert f'<td class="num">{dan_points + ana_points}</td>' in preview.content.decode()
    assert person_api(admin, "dan@example.com")["id"] == "dan@example.com"  # nothing moved yet
    merged = boss.post("/admin-area/people/merge", {"source": "dan@example.com", "target": "ana@example.com", "confirm": "yes"},
                       follow=True)
    assert "Dan Ek is merged into Ana Ruiz" in text(merged)
    assert admin.get("/people/dan@example.com").status_code == 404
    assert person_api(admin, "ana@example.com")["points"] == dan_points + ana_points


def test_merge_refusals_are_beside_their_fields(boss):
    unknown = boss.post("/admin-area/people/merge", {"source": "ghost@example.com", "target": "ana@example.com"})
    assert unknown.status_code == 422 and "There is no one with the id 'ghost@example.com'." in error_beside(unknown, "source")
    same = boss.post("/admin-area/people/merge", {"source": "ana@example.com", "target": "ana@example.com", "confirm": "yes"})
    assert same.status_code == 422 and "cannot be merged into themselves" in error_beside(same, "target")
    assert Person.objects.filter(key="ana@example.com").exists()


# --- export and erase ----------------------------------------------------------------------------

def test_export_downloads_the_apis_document(boss, admin):
    response = boss.get("/admin-area/people/export?person=dan@example.com")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    api = admin.get("/people/dan@example.com/export").json()
    assert document.keys() == api.keys()
    assert boss.get("/admin-area/people/export?person=ghost@example.com").status_code == 404


def test_erase_needs_the_id_typed_exactly(boss, admin):
    ask = boss.get("/admin-area/people/erase?person=dan@example.com")
    assert ask.status_code == 200 and "cannot be undone" in text(ask)
    wrong = boss.post("/admin-area/people/erase", {"person": "dan@example.com", "confirm": "dan"})
    assert wrong.status_code == 422 and "type it exactly" in error_beside(wrong, "confirm")
    assert admin.get("/people/dan@example.com").status_code == 200
    done = boss.post("/admin-area/people/erase", {"person": "dan@example.com", "confirm": "dan@example.com"}, follow=True)
    assert "Dan Ek is erased." in text(done)
    assert admin.get("/people/dan@example.com").status_code == 404
    assert boss.get("/admin-area/people/erase?person=dan@example.com").status_code == 404


# --- test message and outbox triggers --------------------------------------------------------------

@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


def test_a_test_message_is_delivered_through_the_channel_and_the_outcome_shown(boss, admin, receiver):
    Channel.objects.create(id="hooks", kind="webhook", url=f"{receiver.url}/webhook", secrets=[SECRET])
    assert "Send a test message" in text(boss.get("/admin-area/channels/hooks"))
    response = boss.post("/admin-area/channels/hooks/test", follow=True)
    assert "The test message was delivered to hooks. It answered HTTP 200." in text(response)
    assert receiver.received[-1].verified is True and receiver.received[-1].json()["type"] == "test.message"
    row = admin.get("/notifications").json()
    items = row["items"] if isinstance(row, dict) else row
    assert [(n["trigger"], n["status"]) for n in items] == [("test_message", "delivered")]


def test_a_refused_test_message_shows_the_channels_error(boss, receiver):
    Channel.objects.create(id="hooks", kind="webhook", url=f"{receiver.url}/webhook", secrets=[SECRET])
    receiver.script = [Answer(410)]
    response = boss.post("/admin-area/channels/hooks/test", follow=True)
    assert "The test message was not delivered to hooks. The channel returned: HTTP 410" in text(response)
    assert Notification.objects.get().status == "dead" and len(receiver.received) == 1  # no retry
    assert boss.post("/admin-area/channels/nowhere/test").status_code == 404


def test_the_outbox_filter_lists_every_trigger(boss):
    from notifications.challenge_news import TRIGGERS as CHALLENGE_TRIGGERS
    from notifications.triggers import AWARD_TRIGGERS

    page = boss.get("/admin-area/outbox").content.decode()
    for trigger in [*AWARD_TRIGGERS, *CHALLENGE_TRIGGERS.values(), "leaderboard_top", "weekly_digest", "test_message"]:
        assert f'<option value="{trigger}"' in page, trigger
    assert boss.get("/admin-area/outbox?trigger=challenge_started").status_code == 200


def test_the_badges_held_say_when_they_were_earned_not_when_scoring_ran(boss):
    """Ana's first post was a week ago; the list says that day, not the day the scorer ran."""
    import re
    from datetime import timedelta

    from django.utils import timezone

    page = boss.get("/admin-area/people/badges?person=ana@example.com").content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*First Post(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    earned = timezone.now() - timedelta(days=7, seconds=30)
    assert f"{earned:%B} {earned.day}, {earned.year}" in row, row
