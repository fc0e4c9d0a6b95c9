"""The admin pages of phase 2 in a real browser: a webhook channel to a local receiver, a template
preview, the outbox and a requeue (deliveries go to a real HTTP receiver on 127.0.0.1), and the
insights dashboard with a CSV download; a refused event batch downloaded and retried."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import expect

from base.inbox import do_receive_events, drain_inbox
from base.accept import do_accept_events
from engine.scoring import do_score_pending
from notifications import outbox
from notifications.models import Channel, Notification, TemplateOverride
from notifications.receiver import Answer, Receiver
from rulesets.active import do_activate_ruleset
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, WEB_RULESET, make_user, seed_world

SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()
ANNOUNCING = WEB_RULESET.replace("\ntests:\n", "\nnotifications:\n  - {on: badge_awarded, to: hr-webhook}\ntests:\n")
assert ANNOUNCING != WEB_RULESET


@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


def test_an_admin_sets_up_a_webhook_channel_fixing_a_bad_url_on_the_way(browser, receiver, settings):  # noqa: F811
    # given an admin, and outbound calls allowed to this machine only
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Channels").click()
    # when she types a URL that is not http(s) for a webhook channel
    page.get_by_label("Name").fill("hr-webhook")
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("URL").fill("ftp://127.0.0.1/hook")
    page.get_by_label("Signing secret").fill(SECRET)
    page.get_by_role("button", name="Add the channel").click()
    # then the error is beside the URL and what she typed is kept, the secret too (not to be typed again)
    expect(page.locator("#id_url-error")).to_contain_text("must start with https://")
    expect(page.get_by_label("URL")).to_have_value("ftp://127.0.0.1/hook")
    expect(page.get_by_label("URL")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value("hr-webhook")
    expect(page.get_by_label("Kind")).to_have_value("webhook")
    expect(page.get_by_label("Signing secret")).to_have_value(SECRET)
    # when she fixes the URL (the receiver on this machine)
    page.get_by_label("URL").fill(f"{receiver.url}/webhook/t0ken")
    page.get_by_role("button", name="Add the channel").click()
    # then the channel is listed with scheme and host only
    row = page.locator("table.channels tbody tr", has_text="hr-webhook")
    expect(row).to_contain_text(f"{receiver.url}/…")
    expect(row).to_contain_text("1 set")
    expect(page.locator("main")).not_to_contain_text("t0ken")
    assert Channel.objects.get(id="hr-webhook").secrets == [SECRET]
    # and a badge earned now is announced to it, signed with that secret
    do_activate_ruleset(ANNOUNCING, activated_by="test", note="announce badges")
    do_accept_events([{"id": "web:eve:post", "type": "post", "actor": {"id": "eve@example.com", "name": "Eve Park"},
                       "occurred_at": "2026-11-20T10:00:00+01:00"}])
    do_score_pending()
    n = Notification.objects.get(channel_id="hr-webhook")
    assert outbox.deliver_notification_job(n.id) == "delivered"
    assert receiver.received[-1].verified is True and receiver.received[-1].json()["data"]["person"]["name"] == "Eve Park"


def test_an_admin_previews_a_template_override_and_saves_it(browser):  # noqa: F811
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="badge_awarded for slack").click()
    editor = page.get_by_label("Template")
    # when she previews a draft with a misspelt field
    editor.fill(":trophy: {{ person.nmae }} earned {{ badge.name }}")
    page.get_by_role("button", name="Preview").click()
    # then the error is beside the textarea and her text is kept
    expect(page.locator("#id_text-error")).to_contain_text("nmae")
    expect(page.get_by_label("Template")).to_have_value(":trophy: {{ person.nmae }} earned {{ badge.name }}")
    # when she fixes it and previews again
    page.get_by_label("Template").fill(":trophy: {{ person.name }} earned {{ badge.name }}")
    page.get_by_role("button", name="Preview").click()
    # then the preview shows the message for the sample data, and nothing is saved yet
    expect(page.locator("pre.slack-text")).to_have_text(":trophy: Ana Ruiz earned Helper")
    assert not TemplateOverride.objects.exists()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    assert TemplateOverride.objects.get(kind="slack", name="badge_awarded").text.startswith(":trophy:")
    # and the email preview is a sandboxed frame that shows the HTML
    page.goto("/admin-area/templates/email/badge_awarded")
    frame = page.locator("iframe.email-frame")
    expect(frame).to_have_attribute("sandbox", "")
    expect(page.frame_locator("iframe.email-frame").locator("body")).to_contain_text("Ana Ruiz")


def test_an_admin_finds_a_dead_notification_in_the_outbox_and_requeues_it(browser, receiver, settings):  # noqa: F811
    # given a webhook notification that the receiver refused with a 404
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    seed_world()
    make_user("boss", admin=True)
    Channel.objects.create(id="hr-webhook", kind="webhook", url=f"{receiver.url}/webhook", secrets=[SECRET])
    do_activate_ruleset(ANNOUNCING, activated_by="test", note="announce badges")
    do_accept_events([{"id": "web:eve:post", "type": "post", "actor": {"id": "eve@example.com", "name": "Eve Park"},
                       "occurred_at": "2026-11-20T10:00:00+01:00"}])
    do_score_pending()
    n = Notification.objects.get(channel_id="hr-webhook")
    receiver.script = [Answer(404)]
    assert outbox.deliver_notification_job(n.id) == "dead"
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    # when she filters the dead ones
    page.get_by_label("Status").select_option("dead")
    page.get_by_role("button", name="Filter").click()
    # then the row shows its channel, trigger, attempts and the receiver's answer
    row = page.locator("table.outbox tbody tr", has_text="hr-webhook")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("badge_awarded")
    expect(row).to_contain_text("HTTP 404")
    expect(row.locator("td.num")).to_have_text("1")
    # when she opens it, she sees the payload the webhook gets
    row.get_by_role("link", name=f"Notification {n.id}").click()
    expect(page.locator("pre.card-json")).to_contain_text('"type": "badge.awarded"')
    expect(page.locator("pre.card-json")).to_contain_text("Eve Park")
    # when she requeues it
    page.get_by_role("button", name="Requeue").click()
    # then it is pending again with no attempts, and the next delivery gets through
    expect(page.get_by_role("status").first).to_contain_text(f"Notification {n.id} to hr-webhook is queued again")
    expect(page.locator(".state").first).to_have_text("pending")
    n.refresh_from_db()
    assert n.status == "pending" and n.attempts == 0
    assert outbox.deliver_notification_job(n.id) == "delivered"
    page.goto("/admin-area/outbox?status=delivered")
    expect(page.locator("table.outbox tbody tr", has_text="hr-webhook")).to_contain_text("delivered")
    expect(page.get_by_role("button", name=f"Requeue notification {n.id}")).to_have_count(0)


def test_an_admin_reads_the_insights_per_channel_and_downloads_a_table(django_db_reset_sequences, browser):  # noqa: F811
    # Event numbers from 1: the rollups wait on a recent gap in them, and earlier browser tests' events
    # (committed, then flushed) would otherwise leave one before this test's first event.
    # given a small community in two channels
    from tests.test_web_insights_page import WEEKS, community

    do_activate_ruleset(WEB_RULESET, activated_by="test", note="first")
    do_accept_events(community())
    make_user("boss", admin=True)
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    # when she groups by channel, per week, over two weeks
    page.get_by_label("Per").select_option("channel")
    page.get_by_label("Interval").select_option("week")
    page.get_by_label("From").fill(WEEKS["from"])
    page.get_by_label("Until (not included)").fill(WEEKS["until"])
    page.get_by_role("button", name="Show").click()
    # then the table has a row per channel and week, beside the charts
    row = page.locator("table.figures tbody tr", has_text="learning-python").filter(has_text="Week 48 (Nov 23")
    expect(row.locator("td.num").first).to_have_text("3 ▲ +3")  # three posts, three more than the week before
    expect(page.locator(".charts svg")).to_have_count(2)
    expect(page.locator("ol.quotes li").first).to_contain_text("Kick-off: how we test data pipelines")
    # and the hashtags download as CSV
    with page.expect_download() as download:
        page.locator("a", has_text="Download as CSV").nth(1).click()
    assert download.value.suggested_filename == "engagement-hashtags-2026-11-23-2026-12-07.csv"
    assert "python,2" in open(download.value.path()).read()


def test_an_admin_finds_a_refused_event_batch_downloads_its_body_and_retries_it(browser):  # noqa: F811
    # given an event already stored, and a batch sent with respond-async that changes it (a conflict)
    make_user("boss", admin=True)
    do_accept_events([{"id": "batch:1", "type": "post", "actor": "ana@example.com", "occurred_at": "2026-11-20T10:00:00Z"}])
    events = [{"id": "batch:1", "type": "post", "actor": "ana@example.com", "occurred_at": "2026-11-20T10:00:00Z",
               "text": "changed"}]
    batch = do_receive_events(events, json.dumps(events), None)
    drain_inbox()
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)

    # when she opens the event batches and the refused one
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Event batches").click()
    page.get_by_label("Status").select_option("refused")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("table.event-batches tbody tr", has_text="refused")
    expect(row).to_contain_text("conflict with accepted ones")
    page.get_by_role("link", name=f"Event batch {batch.pk}").click()

    # then the page says why, and the body comes back as it was sent
    expect(page.get_by_role("heading", name=f"Event batch {batch.pk}")).to_be_visible()
    expect(page.locator("pre.excerpt")).to_contain_text("events[0].id")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the body as sent").click()
    assert download.value.suggested_filename == f"event-batch-{batch.pk}.json"
    assert json.loads(open(download.value.path(), encoding="utf-8").read()) == events

    # and once retried it is back in line
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("main")).to_contain_text("is back in line")
    expect(page.locator(".state")).to_have_text("received")
