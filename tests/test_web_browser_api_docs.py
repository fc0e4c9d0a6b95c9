"""The API docs page (/api/v1/docs, Swagger UI) in chromium, desktop and phone: readable contrast and
a layout that fits a phone; axe-core finds no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import browser  # noqa: F401  (fixture)

AXE = Axe()


def serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({len(v['nodes'])}): {v['help']}: " + "; ".join(n.get("html", "")[:100] for n in v["nodes"][:5])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_api_docs_pass_axe_and_fit_a_phone(browser, db):  # noqa: F811
    page = browser("reader")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/api/v1/docs")
        expect(page.locator(".opblock").first).to_be_visible()
        # open an operation too: its parameters and responses are where the small grey text is
        page.locator(".opblock-summary").first.click()
        expect(page.locator(".opblock-body").first).to_be_visible()
        assert serious(page) == [], (width, serious(page))
        # nothing wider than the screen: no sideways scrolling of the page
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (width, overflow)
        assert page.evaluate("document.documentElement.lang") == "en"
