"""The notification admin pages through Django's test client: channels, templates, the outbox.

Real parts: a real HTTP receiver on 127.0.0.1 for the deliveries, the real outbox and delivery code."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.test import Client

from notifications import outbox
from notifications.models import Channel, Notification, TemplateOverride
from notifications.receiver import Answer, Receiver
from notifications.templates import SAMPLES
from tests.web_seed import make_user, seed_world, signed_in, text

SECRET = "whsec_" + base64.b64encode(b"n" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
ADMIN_GETS = ["/admin-area/channels", "/admin-area/templates", "/admin-area/templates/slack/badge_awarded",
              "/admin-area/outbox", "/admin-area/outbox?status=dead"]


@pytest.fixture
def world(db, redis, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()



def error_beside(response, field: str) -> str:
    """The error shown under one field (the forms put it in <p class="error" id="id_<field>-error">)."""
    found = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def value_of(response, field: str) -> str | None:
    found = re.search(rf'<input type="[a-z]+" id="id_{field}" name="{field}"\s+value="([^"]*)"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def a_notification(status="dead", channel="hooks", trigger="badge_awarded", **fields) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(channel_id=channel, trigger=trigger, template=trigger, data=SAMPLES[trigger],
                                       dedupe_key=f"test:{Notification.objects.count()}:{channel}:{trigger}",
                                       status=status, next_attempt_at=timezone.now(), **fields)


# --- who may ---------------------------------------------------------------------------------------

def test_employees_get_403_and_strangers_the_sign_in_on_every_notification_page(world):
    n = a_notification()
    Channel.objects.create(id="hooks", kind="webhook", url="http://127.0.0.1:9/x", secrets=[SECRET])
    ana = signed_in("ana@example.com")
    for path in ADMIN_GETS + [f"/admin-area/outbox/{n.id}", "/admin-area/channels/hooks"]:
        assert ana.get(path).status_code == 403, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login?next="), path
    # the actions refuse an employee and change nothing
    assert ana.post(f"/admin-area/outbox/{n.id}/requeue").status_code == 403
    assert ana.post("/admin-area/channels/hooks/delete").status_code == 403
    assert ana.post("/admin-area/channels", {"id": "x", "kind": "slack", "url": "http://127.0.0.1:9/"}).status_code == 403
    assert ana.post("/admin-area/templates/slack/level_up", {"text": "hi", "action": "save"}).status_code == 403
    n.refresh_from_db()
    assert n.status == "dead" and Channel.objects.filter(id="hooks").exists() and not TemplateOverride.objects.exists()
    assert not Channel.objects.filter(id="x").exists()


def test_an_admin_sees_the_new_pages_in_the_navigation(world):
    boss = signed_in("boss")
    for path in ADMIN_GETS:
        assert boss.get(path).status_code == 200, path
    page = text(boss.get("/admin-area/outbox"))
    for label, href in [("Channels", "/admin-area/channels"), ("Templates", "/admin-area/templates"),
                        ("Outbox", "/admin-area/outbox")]:
        assert f'<a href="{href}"' in page and label in page
    assert 'href="/admin-area/outbox" aria-current="page"' in page


def test_every_form_needs_the_csrf_token(world):
    n = a_notification()
    boss = signed_in("boss", csrf=True)
    assert boss.post(f"/admin-area/outbox/{n.id}/requeue").status_code == 403
    assert boss.post("/admin-area/channels", {"id": "x", "kind": "slack", "url": "http://127.0.0.1:9/"}).status_code == 403
    assert boss.post("/admin-area/templates/slack/level_up", {"text": "hi", "action": "save"}).status_code == 403
    n.refresh_from_db()
    assert n.status == "dead" and not Channel.objects.exists() and not TemplateOverride.objects.exists()


# --- channels --------------------------------------------------------------------------------------

def test_a_bad_webhook_url_is_explained_beside_the_field_with_what_was_typed_kept(world, settings):
    settings.OUTBOUND_ALLOW = []
    boss = signed_in("boss")
    # when the admin points a webhook at a private address
    response = boss.post("/admin-area/channels", {"id": "hr-webhook", "kind": "webhook", "url": "http://10.1.2.3/hook",
                                                  "secret": SECRET, "enabled": "on"})
    # then the page says why beside the URL and keeps what was typed, the secret too (not to be typed
    # again), in an answer no cache keeps
    assert response.status_code == 422
    assert "10.1.2.3, a private address; only public addresses are reachable" in error_beside(response, "url")
    assert value_of(response, "id") == "hr-webhook" and value_of(response, "url") == "http://10.1.2.3/hook"
    assert value_of(response, "secret") == SECRET and response["Cache-Control"] == "no-store"
    assert not Channel.objects.exists()


def test_every_channel_error_shows_at_once_and_a_stored_secret_is_never_echoed(world, settings):
    settings.OUTBOUND_ALLOW = []
    boss = signed_in("boss")
    # a private URL and a bad secret: both are explained, each beside its field
    response = boss.post("/admin-area/channels", {"id": "hr-webhook", "kind": "webhook", "url": "http://10.1.2.3/hook",
                                                  "secret": "hunter2", "second_secret": OLD_SECRET, "enabled": "on"})
    assert response.status_code == 422
    assert "a private address" in error_beside(response, "url") and "starts with whsec_" in error_beside(response, "secret")
    assert value_of(response, "secret") == "hunter2" and value_of(response, "second_secret") == OLD_SECRET
    # an email channel with two bad addresses names both
    mails = boss.post("/admin-area/channels", {"id": "hr-mail", "kind": "email", "recipients": "nope\nok@example.com\nalso-bad"})
    assert "'nope' is not an email address" in error_beside(mails, "recipients")
    assert "'also-bad' is not an email address" in error_beside(mails, "recipients")
    # a stored secret is never put back in the form, not even after an error
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    Channel.objects.create(id="hooks", kind="webhook", url="http://127.0.0.1:9/x", secrets=[SECRET])
    edit = boss.post("/admin-area/channels/hooks", {"kind": "webhook", "url": "ftp://127.0.0.1/x"})
    assert edit.status_code == 422 and error_beside(edit, "url") and SECRET not in edit.content.decode()
    assert value_of(edit, "secret") is None


def test_a_webhook_channel_is_saved_and_listed_without_its_path_or_secret(world, receiver):
    boss = signed_in("boss")
    url = f"{receiver.url}/webhook/private-token-123"
    response = boss.post("/admin-area/channels", {"id": "hr-webhook", "kind": "webhook", "url": url, "secret": SECRET,
                                                  "enabled": "on"})
    assert response.status_code == 302
    channel = Channel.objects.get(id="hr-webhook")
    assert channel.url == url and channel.secrets == [SECRET] and channel.enabled
    listing = boss.get("/admin-area/channels").content.decode()
    assert f"{receiver.url}/…" in listing and "private-token-123" not in listing and SECRET not in listing
    assert "1 set" in listing
    edit = boss.get("/admin-area/channels/hr-webhook").content.decode()
    assert "private-token-123" not in edit and SECRET not in edit


@pytest.mark.parametrize("form, field, words", [
    ({"kind": "webhook", "url": "{url}/webhook"}, "secret", "needs a `secret`"),
    ({"kind": "webhook", "url": "{url}/webhook", "secret": "hunter2"}, "secret", "starts with whsec_"),
    ({"kind": "webhook", "url": "{url}/webhook", "secret": "whsec_AAAA"}, "secret", "use 24 to 64 random bytes"),
    ({"kind": "webhook", "url": "{url}/webhook", "second_secret": SECRET}, "secret", "Enter the new secret first"),
    ({"kind": "slack", "url": "{url}/slack", "secret": SECRET}, "secret", "takes no secret"),
    ({"kind": "slack", "url": "ftp://127.0.0.1/x"}, "url", "The URL must start with https://"),
    ({"kind": "slack"}, "url", "needs a `url`"),
    ({"kind": "email", "recipients": "ana@example.com\nnot-an-address"}, "recipients", "'not-an-address' is not an email address"),
    ({"kind": "email"}, "recipients", "needs 1 to 50 recipient addresses"),
    ({"kind": "pager", "url": "{url}/x"}, "kind", "Choose Slack, Teams, webhook or email"),
    ({"kind": "slack", "id": ""}, "id", "Name the channel"),
])
def test_a_bad_channel_is_refused_beside_the_field_that_is_wrong(world, receiver, form, field, words):
    boss = signed_in("boss")
    data = {"id": "learning", **{k: v.replace("{url}", receiver.url) for k, v in form.items()}}
    response = boss.post("/admin-area/channels", data)
    assert response.status_code == 422
    assert words in error_beside(response, field), text(response)
    assert not Channel.objects.exists()
    if field != "id":
        assert value_of(response, "id") == "learning"
    if "recipients" in form:
        assert html.escape(form["recipients"], quote=False) in response.content.decode()


def test_a_blank_secret_keeps_the_current_one_and_rotating_keeps_the_old_as_second(world, receiver):
    boss = signed_in("boss")
    Channel.objects.create(id="hooks", kind="webhook", url=f"{receiver.url}/webhook/a", secrets=[OLD_SECRET])
    # when the admin changes only the URL, leaving the secret and the URL fields' secrets blank
    assert boss.post("/admin-area/channels/hooks", {"kind": "webhook", "url": f"{receiver.url}/webhook/b",
                                                    "enabled": "on"}).status_code == 302
    channel = Channel.objects.get(id="hooks")
    assert channel.url.endswith("/webhook/b") and channel.secrets == [OLD_SECRET]
    # when a new secret is set with "keep the current one" ticked, and the URL left blank
    assert boss.post("/admin-area/channels/hooks", {"kind": "webhook", "secret": SECRET, "keep_current": "on",
                                                    "enabled": "on"}).status_code == 302
    channel.refresh_from_db()
    assert channel.secrets == [SECRET, OLD_SECRET] and channel.url.endswith("/webhook/b")
    # when the rotation ends: the new secret alone
    assert boss.post("/admin-area/channels/hooks", {"kind": "webhook", "secret": SECRET}).status_code == 302
    channel.refresh_from_db()
    assert channel.secrets == [SECRET] and not channel.enabled
    # a second channel with a name in use is refused beside the name
    again = boss.post("/admin-area/channels", {"id": "hooks", "kind": "slack", "url": f"{receiver.url}/slack"})
    assert again.status_code == 422 and "exists already" in error_beside(again, "id")


def test_deleting_a_channel_asks_first_saying_what_is_lost_and_takes_a_csrf_checked_post(world):
    Channel.objects.create(id="team/updates", kind="webhook", url="http://127.0.0.1:9/x", secrets=[SECRET, OLD_SECRET])
    boss = signed_in("boss", csrf=True)
    listing = boss.get("/admin-area/channels").content.decode()
    # the list holds no form that deletes on one click: its Delete is a link to the question
    assert 'action="/admin-area/channels/team/updates/delete"' not in listing
    assert 'href="/admin-area/channels/team/updates/delete"' in listing
    question = boss.get("/admin-area/channels/team/updates/delete")
    page = text(question)
    assert question.status_code == 200 and Channel.objects.exists()
    assert "Delete channel team/updates?" in page and "never shown again" in page and "2 signing secrets are lost" in page
    form = re.search(r'<form method="post" action="/admin-area/channels/team/updates/delete".*?</form>', page)
    assert form and 'name="csrfmiddlewaretoken"' in form[0] and 'href="/admin-area/channels"' in form[0]  # and a way back
    # a POST without the page's token (another site's form) is refused and deletes nothing
    assert boss.post("/admin-area/channels/team/updates/delete").status_code == 403 and Channel.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = boss.post("/admin-area/channels/team/updates/delete", {"csrfmiddlewaretoken": token}, follow=True)
    assert "Channel team/updates is deleted" in text(response) and not Channel.objects.exists()
    assert boss.get("/admin-area/channels/team/updates/delete").status_code == 404
    assert boss.post("/admin-area/channels/team/updates/delete", {"csrfmiddlewaretoken": token}).status_code == 404


# --- templates -------------------------------------------------------------------------------------

def test_the_templates_page_lists_each_name_and_kind_with_default_or_override(world):
    TemplateOverride.objects.create(kind="teams", name="level_up", text="{{ person.name }} levelled up", updated_by="boss")
    page = text(signed_in("boss").get("/admin-area/templates"))
    assert page.count(">default</a>") == 14 and page.count(">override</a>") == 1  # 5 names x 3 kinds, one overridden
    assert 'aria-label="level_up for teams">override' in page


def test_a_draft_previews_without_being_saved_and_saving_and_resetting_work(world):
    boss = signed_in("boss")
    draft = "*{{ person.name }}* earned {{ badge.name }} :tada:"
    response = boss.post("/admin-area/templates/slack/badge_awarded", {"text": draft, "action": "preview"})
    assert response.status_code == 200
    assert "*Ana Ruiz* earned Helper :tada:" in text(response) and not TemplateOverride.objects.exists()
    assert html.escape(draft, quote=False) in response.content.decode()
    saved = boss.post("/admin-area/templates/slack/badge_awarded", {"text": draft, "action": "save"}, follow=True)
    assert "Saved" in text(saved) and TemplateOverride.objects.get(kind="slack", name="badge_awarded").text == draft
    assert TemplateOverride.objects.get().updated_by == "boss"
    reset = boss.post("/admin-area/templates/slack/badge_awarded/reset", follow=True)
    assert "back to the shipped default" in text(reset) and not TemplateOverride.objects.exists()


@pytest.mark.parametrize("draft, words", [
    ("Hello {{ person.nickname }}", "nickname"),
    ("Hello {{ person.name ", "does not render"),
    ("{% for x in range(100000000) %}{% endfor %}x", "limited"),
])
def test_a_template_that_does_not_render_is_refused_beside_the_textarea_with_the_text_kept(world, draft, words):
    boss = signed_in("boss")
    for action in ("preview", "save"):
        response = boss.post("/admin-area/templates/teams/level_up", {"text": draft, "action": action})
        assert response.status_code == 422
        assert words in error_beside(response, "text"), text(response)
        assert html.escape(draft, quote=False) in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()
    assert not TemplateOverride.objects.exists()


def test_an_email_preview_is_a_sandboxed_frame_and_a_teams_preview_is_the_card_json(world):
    boss = signed_in("boss")
    page = boss.get("/admin-area/templates/email/badge_awarded").content.decode()
    frame = re.search(r'<iframe sandbox="" title="The email as HTML" srcdoc="([^"]*)"', page)
    assert frame, page
    assert "<" not in frame.group(1) and "Ana Ruiz" in html.unescape(frame.group(1))  # the HTML is in the attribute, escaped
    card = text(boss.get("/admin-area/templates/teams/badge_awarded"))
    assert "AdaptiveCard" in card and "&#34;type&#34;: &#34;TextBlock&#34;" in card  # indented JSON, escaped in a <pre>
    assert signed_in("boss").get("/admin-area/templates/webhook/badge_awarded").status_code == 404
    assert signed_in("boss").get("/admin-area/templates/slack/nope").status_code == 404


# --- the outbox ------------------------------------------------------------------------------------

def test_the_outbox_filters_by_status_channel_and_trigger_and_pages(world):
    for _ in range(55):
        a_notification(status="delivered", channel="learning", trigger="level_up")
    a_notification(status="dead", channel="hooks", last_error="HTTP 404: no", attempts=1)
    a_notification(status="retrying", channel="hooks", trigger="leaderboard_top", attempts=3, last_error="HTTP 503")
    boss = signed_in("boss")
    first = text(boss.get("/admin-area/outbox"))
    assert "57 notifications, page 1 of 2" in first and first.count('aria-label="Notification ') == 50
    second = boss.get("/admin-area/outbox?page=2")
    assert text(second).count('aria-label="Notification ') == 7
    dead = text(boss.get("/admin-area/outbox?status=dead"))
    assert "1 notification." in dead and "HTTP 404: no" in dead and dead.count("Requeue notification") == 1
    assert "2 notifications" in text(boss.get("/admin-area/outbox?channel=hooks"))
    only = text(boss.get("/admin-area/outbox?channel=hooks&trigger=leaderboard_top"))
    assert "1 notification." in only and "HTTP 503" in only
    bad = boss.get("/admin-area/outbox?status=lost&page=x")
    assert bad.status_code == 422
    assert "Choose one of the statuses listed." in error_beside(bad, "status") and "A page is a number." in text(bad)


def test_a_dead_notification_is_requeued_from_the_outbox_and_then_delivered(world, receiver):
    # given a webhook channel whose receiver answered 404 once: the notification is dead
    Channel.objects.create(id="hooks", kind="webhook", url=f"{receiver.url}/webhook", secrets=[SECRET])
    n = a_notification(status="pending", channel="hooks")
    receiver.script = [Answer(404)]
    assert outbox.deliver_notification_job(n.id) == "dead"
    boss = signed_in("boss")
    listed = text(boss.get("/admin-area/outbox?status=dead"))
    assert "HTTP 404" in listed
    # when the admin requeues it from the filtered list
    response = boss.post(f"/admin-area/outbox/{n.id}/requeue", {"back": "/admin-area/outbox?status=dead"})
    # then it is pending again with its attempts reset, and the admin is back on the same list
    assert response.status_code == 302 and response["Location"] == "/admin-area/outbox?status=dead"
    n.refresh_from_db()
    assert n.status == "pending" and n.attempts == 0 and n.last_error == ""
    assert outbox.deliver_notification_job(n.id) == "delivered"
    assert receiver.received[-1].verified is True
    # a delivered one is not requeued, and the page says why
    again = boss.post(f"/admin-area/outbox/{n.id}/requeue", follow=True)
    assert "is delivered; only pending, retrying or dead ones can be requeued" in text(again)
    n.refresh_from_db()
    assert n.status == "delivered"
    # a redirect elsewhere is not followed
    assert boss.post(f"/admin-area/outbox/{n.id}/requeue", {"back": "https://evil.example/"})["Location"] == \
        f"/admin-area/outbox/{n.id}"
    assert boss.post("/admin-area/outbox/999999/requeue").status_code == 404


def test_a_notification_page_shows_what_its_channel_gets(world):
    Channel.objects.create(id="learning", kind="slack", url="http://127.0.0.1:9/x")
    Channel.objects.create(id="hooks", kind="webhook", url="http://127.0.0.1:9/y", secrets=[SECRET])
    slack = a_notification(channel="learning", last_error="HTTP 500: oops")
    hook = a_notification(channel="hooks")
    gone = a_notification(channel="nowhere")
    boss = signed_in("boss")
    page = text(boss.get(f"/admin-area/outbox/{slack.id}"))
    assert "Ana Ruiz" in page and "Helper" in page and "HTTP 500: oops" in page and ">Requeue</button>" in page
    page = text(boss.get(f"/admin-area/outbox/{hook.id}"))
    assert "badge.awarded" in page and SECRET not in page
    assert "is not set up" in text(boss.get(f"/admin-area/outbox/{gone.id}"))
    assert boss.get("/admin-area/outbox/999999").status_code == 404
