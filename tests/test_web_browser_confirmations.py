"""Deleting a channel and revoking an API key in chromium: each asks first on a page that says what
is lost, works without JavaScript, and passes axe-core (no serious or critical violation)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from base.api_keys import do_create_api_key
from base.models import ApiKey
from notifications.models import Channel
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, make_user

AXE = Axe()


def serious(page) -> list[str]:
    return [f"{v['id']}: {v['help']}" for v in AXE.run(page).response["violations"] if v["impact"] in ("serious", "critical")]


def test_deleting_a_channel_and_revoking_a_key_ask_first(browser, redis):  # noqa: F811
    make_user("boss", admin=True)
    Channel.objects.create(id="team-updates", kind="slack", url="http://127.0.0.1:9/x")
    key, _ = do_create_api_key(name="LMS bridge", role="integration")
    page = browser("boss")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "boss", PASSWORD)
    page.goto("/admin-area/channels")
    page.get_by_role("link", name="Delete team-updates…").click()
    # the question, and nothing deleted yet
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete channel team-updates?")
    expect(page.locator("main")).to_contain_text("never shown again")
    assert Channel.objects.filter(id="team-updates").exists()
    assert serious(page) == []
    page.get_by_role("link", name="Keep it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Channels")
    assert Channel.objects.filter(id="team-updates").exists()
    page.get_by_role("link", name="Delete team-updates…").click()
    page.get_by_role("button", name="Delete team-updates").click()
    expect(page.locator("main")).to_contain_text("Channel team-updates is deleted")
    assert not Channel.objects.exists()
    # the key: the same
    page.goto("/admin-area/keys")
    page.get_by_role("link", name="Revoke LMS bridge…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the key “LMS bridge”?")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert serious(page) == []
    page.get_by_role("button", name="Revoke “LMS bridge”").click()
    expect(page.locator("main")).to_contain_text("Revoked “LMS bridge”")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
