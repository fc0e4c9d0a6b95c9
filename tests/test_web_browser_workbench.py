"""The rules workbench in chromium: a draft survives leaving the page, leaving with unsaved changes
asks first, the editor fills the screen and scrolls inside itself, the actions stay in view on a
phone; axe-core finds no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from rulesets.models import RulesetDraft, RulesetVersion
from tests.browser import browser, dialogs_on_leaving, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, WEB_RULESET, make_user, seed_world

AXE = Axe()
CHANGED = WEB_RULESET.replace("points: 10}", "points: 15}")
LONG = CHANGED + "".join(f"# a comment line {i} that is long enough to need the editor's width {'x' * 90}\n"
                         for i in range(150))


def plain_textarea(page) -> None:
    """These tests drive the textarea itself, as without JavaScript's editor bundle (the rule editor's
    own tests are in test_web_browser_rule_editor.py)."""
    page.route("**/static/web/build/editor.js", lambda route: route.abort())


def serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"]


def test_a_draft_is_kept_across_navigation_and_leaving_unsaved_changes_asks_first(browser):  # noqa: F811
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    plain_textarea(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "boss", PASSWORD)
    page.goto("/admin-area/rules")
    editor = page.get_by_label("Ruleset (YAML)")
    editor.fill(CHANGED)
    # leaving with the change not saved: the browser asks, and staying keeps the text
    leave = page.get_by_role("link", name="Versions").first
    assert dialogs_on_leaving(page, lambda: leave.click(no_wait_after=True)) == ["beforeunload"]
    expect(editor).to_have_value(CHANGED)
    # saved as a draft, leaving asks nothing and coming back shows the draft
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".draft-state")).to_contain_text("Draft saved")
    assert RulesetDraft.objects.get().text == CHANGED
    page.on("dialog", lambda dialog: (_ for _ in ()).throw(AssertionError("asked again")))
    page.get_by_role("link", name="Versions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruleset versions")
    page.goto("/admin-area/rules")
    expect(page.get_by_label("Ruleset (YAML)")).to_have_value(CHANGED)
    expect(page.locator(".draft-state")).to_contain_text("Your draft")
    assert RulesetVersion.objects.get(active=True).text == WEB_RULESET
    assert serious(page) == []


def test_the_editor_fills_the_screen_and_the_actions_stay_in_view_on_desktop_and_phone(browser):  # noqa: F811
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    plain_textarea(page)
    sign_in(page, "boss", PASSWORD)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/admin-area/rules")
        page.get_by_label("Ruleset (YAML)").fill(LONG)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".draft-state")).to_contain_text("Draft saved")
        box = page.locator(".editor").bounding_box()
        # as wide as the screen allows and most of its height; the text scrolls inside the box
        assert box["width"] >= width * (0.85 if width > 1000 else 0.9), (width, box)
        assert 0.6 * height <= box["height"] <= 0.75 * height, (height, box)
        scrolls = page.locator(".editor").evaluate("e => [e.scrollHeight > e.clientHeight, e.scrollWidth > e.clientWidth]")
        assert scrolls == [True, True]
        # the actions are in view at the top and after scrolling to the bottom of the page
        for where in ("top", "bottom"):
            page.evaluate("window.scrollTo(0, 0)" if where == "top" else "window.scrollTo(0, document.body.scrollHeight)")
            for name in ("Save draft", "Check", "Run tests", "Simulate", "Activate"):
                button = page.locator(".toolbar").get_by_role("button", name=name, exact=True)
                assert in_view(page, button), (width, where, name, button.bounding_box())
        page.evaluate("window.scrollTo(0, 0)")
        assert serious(page) == [], (width, serious(page))
