"""A challenge page in a real browser (chromium) on a phone and a laptop: the progress bars and the
standings; axe-core finds no accessibility violation on the challenge pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import challenge_seed
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, make_user

AXE = Axe()


def no_serious_violations(page) -> None:
    results = AXE.run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_the_challenge_page_shows_progress_bars_and_standings(browser, size):  # noqa: F811
    challenge_seed.seed()
    make_user("bob@example.com")
    page = browser(f"bob-{size[0]}")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, "bob@example.com", PASSWORD)
    # the start page lists bob's running challenges with his progress
    expect(page.get_by_role("heading", name="Your challenges")).to_be_visible()
    no_serious_violations(page)
    # from the navigation to the list, then to dbt week
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges").click()
    no_serious_violations(page)
    page.get_by_role("link", name="dbt week").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dbt week")
    mine = page.get_by_label("You", exact=True)
    expect(mine).to_have_attribute("value", "33")
    table = page.locator("table.challenge-standings")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Ana Ruiz")
    expect(table.get_by_label("Ana Ruiz: 3 of 3")).to_have_attribute("value", "100")
    expect(table.locator("tr.me")).to_contain_text("Bob Stone")
    # nothing overflows the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0] + 1
    no_serious_violations(page)
    page.goto("/challenges/past-sprint")
    expect(page.get_by_role("heading", name="Winners")).to_be_visible()
    no_serious_violations(page)
    page.goto("/ways-to-earn")
    no_serious_violations(page)
