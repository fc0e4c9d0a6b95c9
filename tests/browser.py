"""Playwright driving Debian's chromium against a live server: headless, a fresh profile, no downloads."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture
def browser(live_server, transactional_db, redis, tmp_path, monkeypatch):
    """A new browser per test, pointed at the live server; yields a factory of pages (one per person)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is missing: `make setup` installs Debian's chromium (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        contexts = []

        def new_page(name: str = "default"):
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path / f"profile-{name}"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                base_url=live_server.url, viewport={"width": 1280, "height": 800})
            context.set_default_timeout(20_000)
            contexts.append(context)
            return context.pages[0] if context.pages else context.new_page()

        yield new_page
        for context in contexts:
            context.close()
        # While Playwright's event loop runs, the test's own ORM calls get a database connection of
        # their own (another backend than the fixtures', on the same thread). Closed here, inside
        # that loop, it is that one that closes; left open, PostgreSQL refused to drop the test
        # database at the end of the session ("being accessed by other users").
        connections.close_all()


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Your id (email)").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def dialogs_on_leaving(page, leave) -> list[str]:
    """The dialogs the browser raised while `leave()` tried to navigate away, each dismissed (the person stays)."""
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()
    page.on("dialog", answer)
    leave()
    for _ in range(100):  # until the browser has asked (events reach the handler while Playwright waits)
        if asked:
            break
        page.wait_for_timeout(50)
    page.remove_listener("dialog", answer)
    return asked
