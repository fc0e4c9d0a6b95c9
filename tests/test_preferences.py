"""A person's own preferences (/me/preferences): a badge as their title, which announcements may name
them, Slack mentions, the digest by email, nudges; and nudges in the person's language."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest

from badges.grants import do_revoke_badge
from base.models import Person, PersonAlias
from engine.integrations.slack_app.nudges import run_due_nudges
from engine.preferences import do_set_preferences
from notifications.models import Notification
from tests.fake_slack import fake_slack  # noqa: F401 (a fixture)
from tests.test_notifications import RULESET, _activate, _channels, _deliver_all, _put_channel, _score, allow_local, receiver  # noqa: F401
from tests.test_nudges import BOB, ask, berlin, dms, people, settled  # noqa: F401 (fixtures)
from tests.test_slack_app import installed, signing_secret  # noqa: F401 (fixtures)
from tests.helpers import event
from tests.web_seed import make_user, seed_world, signed_in, text

EVERYTHING = {"announce": ["badge_awarded", "level_up", "leaderboard_top", "challenge_won"], "mention": "on",
              "digest_email": "on"}
ALL_ANNOUNCEMENTS = {"badge_awarded", "level_up", "leaderboard_top", "challenge_won"}


@pytest.fixture
def world(db, redis):
    seed_world()
    for who in ("ana@example.com", "bob@example.com", "carol@example.com"):
        make_user(who)


# --- a badge as title -------------------------------------------------------------------------------

def test_a_badge_chosen_as_title_shows_beside_the_name_on_boards_the_start_page_and_the_profile(world, admin):
    ana = signed_in("ana@example.com", csrf=True)
    form = ana.get("/me/preferences")
    assert form.status_code == 200
    options = text(form)
    assert '<option value="" selected>No title</option>' in options
    assert '<option value="commenter">Commenter · Bronze</option>' in options and "First Post</option>" in options
    # when
    token = form.cookies["csrftoken"].value
    saved = ana.post("/me/preferences", {**EVERYTHING, "title": "commenter", "csrfmiddlewaretoken": token})
    # then
    assert saved.status_code == 302 and saved["Location"] == "/me/preferences"
    assert "Your preferences are saved." in text(ana.get("/me/preferences"))
    bob = signed_in("bob@example.com")
    assert 'Ana Ruiz</a> <span class="tag title">Commenter · Bronze</span>' in text(bob.get("/boards/all-time"))
    assert "Title: Commenter · Bronze" in text(bob.get("/people/ana@example.com"))
    assert '<span class="tag title">Commenter · Bronze</span>' in text(ana.get("/"))
    assert admin.get("/people/ana@example.com").json()["title"] == {"badge": "commenter", "name": "Commenter · Bronze"}
    assert admin.get("/people/bob@example.com").json()["title"] is None
    # and the export of everything held about her says what she chose
    assert admin.get("/people/ana@example.com/export").json()["person"]["preferences"] == {
        "title": "commenter", "quiet_announcements": [], "slack_mention": True, "digest_email": True}


def test_a_badge_not_held_is_refused_as_title_beside_its_field_and_nothing_changes(world, admin):
    carol = signed_in("carol@example.com")
    # when: Carol holds First Post, not Commenter
    refused = carol.post("/me/preferences", {"title": "commenter", "announce": ["level_up"], "digest_email": "on"})
    # then
    assert refused.status_code == 422
    page = text(refused)
    assert 'id="id_title-error">Carol Diaz does not hold the badge &#39;commenter&#39;; choose one of their badges, or none.' in page
    assert '<option value="commenter" selected>commenter</option>' in page  # what was sent is kept
    assert 'value="level_up" checked' in page and 'value="badge_awarded" checked' not in page
    carol_row = Person.objects.get(key="carol@example.com")
    assert carol_row.title_badge == "" and carol_row.quiet_announcements == []
    # the API refuses it too, and the whole patch with it
    api = admin.patch("/people/carol@example.com", {"title": "commenter", "public": False})
    assert api.status_code == 422 and api.json()["error"] == "title_not_held"
    assert Person.objects.get(key="carol@example.com").public is True
    assert admin.patch("/people/carol@example.com", {"title": "first-post"}).json()["title"]["name"] == "First Post"
    assert admin.patch("/people/carol@example.com", {"title": ""}).json()["title"] is None


def test_a_title_whose_badge_is_revoked_disappears(world, admin):
    assert admin.patch("/people/ana@example.com", {"title": "commenter"}).status_code == 200
    # when
    do_revoke_badge(person_key="ana@example.com", badge_id="commenter", tier="Bronze", reason="test", by="test")
    # then
    bob = signed_in("bob@example.com")
    assert "Commenter" not in text(bob.get("/boards/all-time"))
    assert "Title:" not in text(bob.get("/people/ana@example.com"))
    assert admin.get("/people/ana@example.com").json()["title"] is None


def test_the_preferences_page_needs_a_person_and_a_csrf_token(world):
    make_user("boss", admin=True)
    assert signed_in("boss").get("/me/preferences").status_code == 404
    assert signed_in("ana@example.com", csrf=True).post("/me/preferences", EVERYTHING).status_code == 403
    assert "/me/preferences" in text(signed_in("ana@example.com").get("/people/ana@example.com"))


# --- announcements and mentions ----------------------------------------------------------------------

def _slack_person(key: str, name: str, user: str) -> Person:
    person = Person.objects.create(key=key, name=name)
    PersonAlias.objects.create(source="slack", external_id=f"T01:{user}", person=person)
    return person


def test_an_earner_who_asked_not_to_be_mentioned_is_named_without_the_at_mention(admin, receiver, allow_local):
    _activate(admin)
    _channels(admin, receiver)
    ana = _slack_person("ana@example.com", "Ana", "U_ANA")
    do_set_preferences(ana, title="", announce=ALL_ANNOUNCEMENTS, mention=False, digest_email=True, nudges=False)
    # when
    _score(admin, event("post", "ana@example.com", channel="learning-python"))
    _deliver_all()
    # then
    message = next(r for r in receiver.received if r.path == "/slack").json()
    assert message["text"].startswith("*Ana* earned *First Post*.")
    assert "<@U_ANA>" not in json.dumps(message)


def test_an_announcement_kept_to_oneself_goes_to_webhooks_only(admin, receiver, allow_local):
    _activate(admin)
    _channels(admin, receiver)
    ana = Person.objects.create(key="ana@example.com", name="Ana")
    do_set_preferences(ana, title="", announce=ALL_ANNOUNCEMENTS - {"badge_awarded"}, mention=True, digest_email=True,
                       nudges=False)
    # when: a badge (kept to herself) and another person's badge
    _score(admin, event("post", "ana@example.com", channel="learning-python"),
           event("post", "bob@example.com", channel="learning-python"))
    _deliver_all()
    # then
    about_ana = Notification.objects.filter(data__person__id="ana@example.com")
    assert list(about_ana.values_list("channel_id", flat=True)) == ["hr-webhook"]
    slack = [r.json()["text"] for r in receiver.received if r.path == "/slack"]
    assert len(slack) == 1 and slack[0].startswith("*bob@example.com* earned")


def test_entering_a_top_is_not_announced_for_someone_who_keeps_it_to_themselves(admin, receiver, allow_local):
    _activate(admin, RULESET + "  - {on: leaderboard_top, board: all-time, top: 2, to: origin}\n")
    assert _put_channel(admin, "learning-python", kind="slack", url=f"{receiver.url}/slack").status_code == 201
    _score(admin, event("post", "a@example.com", channel="x"), event("post", "b@example.com", channel="x"))
    cleo = Person.objects.create(key="c@example.com", name="Cleo")
    do_set_preferences(cleo, title="", announce=ALL_ANNOUNCEMENTS - {"leaderboard_top"}, mention=True, digest_email=True,
                       nudges=False)
    # when: Cleo passes b; then Dan passes everyone
    _score(admin, *[event("comment", "c@example.com", channel="learning-python") for _ in range(6)])
    _score(admin, *[event("post", {"id": "d@example.com", "name": "Dan"}, channel="learning-python") for _ in range(2)])
    # then: Dan's entry is announced, Cleo's is not
    assert [n.data["person"]["name"] for n in Notification.objects.filter(trigger="leaderboard_top")] == ["Dan"]


def test_a_challenge_winner_who_keeps_wins_to_themselves_is_left_out_of_the_winners(admin, receiver, allow_local):
    from challenges.ending import do_close_ended_challenges
    from tests.test_challenge_announcements import END, _setup

    ruleset = _setup(admin, receiver, "slack")
    _score(admin, event("post", {"id": "ana@example.com", "name": "Ana Ruiz"}, at="2026-12-08T10:00:00+01:00"),
           event("post", "ana@example.com", at="2026-12-09T10:00:00+01:00"),
           event("post", {"id": "bob@example.com", "name": "Bob Stone"}, at="2026-12-10T10:00:00+01:00"),
           event("post", "bob@example.com", at="2026-12-11T10:00:00+01:00"))
    do_set_preferences(Person.objects.get(key="ana@example.com"), title="", announce=ALL_ANNOUNCEMENTS - {"challenge_won"},
                       mention=True, digest_email=True, nudges=False)
    # when
    do_close_ended_challenges(ruleset, END + timedelta(seconds=1))
    _deliver_all()
    # then: Bob keeps his second place; Ana is not named
    [end] = [r.json()["text"] for r in receiver.received]
    assert "*Winners*\n2. Bob Stone" in end and "Ana Ruiz" not in end


def test_an_email_digest_skips_people_who_asked_for_no_digest_email(admin, smtp_inbox):
    from notifications.digest import publish_due
    from rulesets.active import active_ruleset

    _activate(admin)
    recipients = ["ana@example.com", "Bob.Mail@example.com", "team@example.com"]
    assert _put_channel(admin, "learning-python", kind="email", recipients=recipients).status_code == 201
    ana = Person.objects.create(key="ana@example.com", name="Ana")
    bob = Person.objects.create(key="bob", name="Bob")
    PersonAlias.objects.create(source="email", external_id="bob.mail@example.com", person=bob)
    for person in (ana, bob):
        do_set_preferences(person, title="", announce=ALL_ANNOUNCEMENTS, mention=True, digest_email=False, nudges=False)
    ruleset, _ = active_ruleset()
    # when
    assert len(publish_due(ruleset, now=datetime(2026, 11, 30, 8, 0, 30, tzinfo=dt_timezone.utc))) == 1
    _deliver_all()
    # then
    assert [m.rcpt_tos for m in smtp_inbox.messages] == [["team@example.com"]]
    assert Notification.objects.get().status == "delivered"


# --- nudges ---------------------------------------------------------------------------------------

def test_nudges_switched_on_from_the_page_are_sent(people, admin):
    make_user(BOB)
    bob = signed_in(BOB)
    assert 'name="nudges" value="on">' in text(bob.get("/me/preferences"))  # off by default
    # when
    assert bob.post("/me/preferences", {**EVERYTHING, "title": "", "nudges": "on"}).status_code == 302
    # then
    assert admin.get(f"/people/{BOB}").json()["nudges"] is True
    assert 'name="nudges" value="on" checked>' in text(bob.get("/me/preferences"))
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    run_due_nudges(berlin("2026-12-08T10:00:05"))
    [dm] = dms(people)
    assert dm.args["channel"] == "U_BOB" and "Can you help?" in dm.args["text"]
    # and switched off again from the page
    assert bob.post("/me/preferences", {**EVERYTHING, "title": ""}).status_code == 302
    assert admin.get(f"/people/{BOB}").json()["nudges"] is False


def test_a_nudge_is_written_in_the_persons_language(people, admin):
    Person.objects.filter(key=BOB).update(locale="de-DE")
    assert admin.patch(f"/people/{BOB}", {"nudges": True}).status_code == 200
    ask(admin, "2026-12-07T09:00:00+01:00", [BOB])
    # when
    run_due_nudges(berlin("2026-12-08T10:00:05"))
    # then
    [dm] = dms(people)
    assert dm.args["text"].startswith("ana@example.com hat dir eine Frage gestellt")
    assert "Kannst du helfen?" in dm.args["text"]
    blocks = json.loads(dm.args["blocks"]) if isinstance(dm.args["blocks"], str) else dm.args["blocks"]
    assert blocks[-1]["elements"][0]["text"]["text"] == "Diese Nachrichten nicht mehr senden"


def test_the_stop_button_answers_in_the_persons_language_and_points_to_the_preferences_page(people, admin, client):
    from engine.integrations.slack_app.nudges import STOP_ACTION
    from tests.test_slack_app import interact

    Person.objects.filter(key=BOB).update(locale="de")
    assert admin.patch(f"/people/{BOB}", {"nudges": True}).status_code == 200
    # when
    response = interact(client, {"type": "block_actions", "team": {"id": "T01"}, "user": {"id": "U_BOB"},
                                 "channel": {"id": "D0BOB"}, "actions": [{"action_id": STOP_ACTION, "value": "stop"}]})
    # then
    assert response.status_code == 200 and admin.get(f"/people/{BOB}").json()["nudges"] is False
    [note] = people.called("chat.postEphemeral")
    assert note.args["text"].startswith("Du bekommst keine Anstöße mehr von Plaudit.")
    assert note.args["text"].endswith("/me/preferences")
