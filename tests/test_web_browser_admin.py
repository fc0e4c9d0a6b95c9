"""The admin actions in chromium, on a desktop and on a phone: from a person's page an admin grants a badge (after a
refusal beside its field), revokes one after the confirmation, merges two people after the preview, erases one by
typing the id, runs a recompute and watches it end, and sends a channel a test message. axe-core finds no serious
or critical problem on any of these pages."""

from __future__ import annotations

import base64

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from rq import SimpleWorker

from badges.models import BadgeGrant
from base.models import Person
from base.scoring_queue import scoring_queue
from notifications.models import Channel
from notifications.receiver import Receiver
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, make_user, seed_world

AXE = Axe()
SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def serious(page) -> list[str]:
    """Serious and critical violations, every rule of axe's."""
    return [f"{v['id']}: {v['help']}" for v in AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_acts_on_people_recomputes_and_tests_a_channel(browser, redis, settings, receiver, size):  # noqa: F811
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    seed_world()
    make_user("boss", admin=True)
    Channel.objects.create(id="hooks", kind="webhook", url=f"{receiver.url}/webhook", secrets=[SECRET])
    page = browser("boss")
    page.set_viewport_size(SIZES[size])
    sign_in(page, "boss", PASSWORD)
    problems = {}

    def check(name):
        problems[name] = serious(page)

    # grant: from Bob's profile, a tier out of order is refused beside the field, then the right one is granted
    page.goto("/people/bob@example.com")
    page.get_by_role("link", name="Grant or revoke a badge").click()
    check("badges")
    page.get_by_label("Badge (and tier)").select_option(label="Commenter · Silver")
    page.get_by_label("Reason").fill("helped at the meetup")
    page.get_by_role("button", name="Grant").click()
    expect(page.locator("#id_badge-error")).to_contain_text("Tiers are granted in order")
    expect(page.get_by_label("Reason")).to_have_value("helped at the meetup")
    check("badges refused")
    page.get_by_label("Badge (and tier)").select_option(label="Commenter · Bronze")
    page.get_by_role("button", name="Grant").click()
    expect(page.locator("main")).to_contain_text("Granted Commenter · Bronze to Bob Stone.")
    assert BadgeGrant.objects.filter(person__key="bob@example.com", badge_id="commenter", revoked_at=None).exists()

    # revoke: the confirmation says what is lost; the reason is required
    page.get_by_role("link", name="Revoke Commenter · Bronze").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke Commenter · Bronze from Bob Stone?")
    check("revoke")
    page.get_by_label("Reason").fill("granted by mistake")
    page.get_by_role("button", name="Revoke Commenter · Bronze").click()
    expect(page.locator("main")).to_contain_text("Revoked Commenter · Bronze from Bob Stone.")
    assert not BadgeGrant.objects.filter(person__key="bob@example.com", badge_id="commenter", revoked_at=None).exists()

    # merge: Dan into Carol, after the preview
    page.goto("/people/dan@example.com")
    page.get_by_role("link", name="Merge into another person").click()
    check("merge")
    page.get_by_label("into this person (kept)").fill("carol@example.com")
    page.get_by_role("button", name="Show what moves").click()
    expect(page.locator("main")).to_contain_text("Merge Dan Ek into Carol Diaz?")
    check("merge preview")
    assert Person.objects.filter(key="dan@example.com").exists()
    page.get_by_role("button", name="Merge Dan Ek into Carol Diaz").click()
    expect(page.locator("main")).to_contain_text("Dan Ek is merged into Carol Diaz")
    assert not Person.objects.filter(key="dan@example.com").exists()

    # erase: the id must be typed exactly
    page.goto("/admin-area/people?person=carol@example.com")
    check("people")
    page.get_by_role("link", name="Erase…").click()
    check("erase")
    page.get_by_label("Type the person's id to confirm").fill("carol")
    page.get_by_role("button", name="Erase Carol Diaz").click()
    expect(page.locator("#id_confirm-error")).to_contain_text("type it exactly")
    check("erase refused")
    page.get_by_label("Type the person's id to confirm").fill("carol@example.com")
    page.get_by_role("button", name="Erase Carol Diaz").click()
    expect(page.locator("main")).to_contain_text("Carol Diaz is erased.")

    # recompute: queued, run by a worker, then the status page shows the end (its script updates it in place)
    page.get_by_role("link", name="Recompute").click()
    check("recompute")
    page.get_by_role("button", name="Start the recompute").click()
    expect(page.locator("main")).to_contain_text("Queued: waiting for a worker.")
    check("recompute queued")
    page.get_by_role("link", name="Stop refreshing").click()
    expect(page.locator("main")).to_contain_text("This page does not refresh itself now.")
    check("recompute not refreshing")
    page.get_by_role("link", name="Show the progress now and keep refreshing").click()
    status_url = page.url
    page.evaluate("window.notReloaded = true")
    SimpleWorker([scoring_queue()], connection=redis).work(burst=True)
    expect(page.get_by_role("status")).to_contain_text("Finished.", timeout=10_000)
    assert page.url == status_url and page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    expect(page.locator("main")).to_contain_text("events rescored")
    check("recompute finished")

    # a test message to the channel
    page.goto("/admin-area/channels/hooks")
    page.get_by_role("button", name="Send a test message").click()
    expect(page.locator("main")).to_contain_text("The test message was delivered to hooks.")
    assert receiver.received[-1].verified is True
    check("channel")

    assert {name: found for name, found in problems.items() if found} == {}
