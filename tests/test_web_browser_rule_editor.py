"""The workbench's rule editor in chromium (CodeMirror 6, built from web/editor by scripts/bootstrap.sh):
completion from the ruleset's JSON Schema, what is typed is what is checked, the server's problems
mark their lines, the keyboard leaves the editor, the leave warning; axe at desktop and phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

from rulesets.models import RulesetDraft, RulesetVersion
from tests.browser import browser, dialogs_on_leaving, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, WEB_RULESET, make_user, seed_world

AXE = Axe()

pytestmark = pytest.mark.skipif(not finders.find("web/build/editor.js"),
                                reason="the editor bundle is not built: scripts/bootstrap.sh builds it with npm")


def serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def open_workbench(browser, width=1366, height=900):  # noqa: F811
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "boss", PASSWORD)
    page.goto("/admin-area/rules")
    return page


def editor(page):
    return page.locator(".cm-content")


def go_to_end_of(page, text: str) -> None:
    page.locator(".cm-line", has_text=text).click()
    page.keyboard.press("End")


def test_typing_offers_the_schema_completions_and_what_is_typed_is_saved(browser):  # noqa: F811
    page = open_workbench(browser)
    expect(editor(page)).to_be_visible()
    expect(page.locator("textarea[name=ruleset]")).to_be_hidden()
    options = page.locator(".cm-tooltip-autocomplete li .cm-completionLabel")
    # on a rule: the keys a rule may have
    go_to_end_of(page, "award: {to: actor, points: 10}")
    page.keyboard.press("Enter")
    page.keyboard.type("lim")
    expect(options).to_have_text(["limit"])
    page.keyboard.press("Escape")
    for _ in range(4):
        page.keyboard.press("Backspace")
    # on a new board: its period's values, each with the schema's description
    go_to_end_of(page, "- {id: teams, name: By team, period: all, scope: team}")
    page.keyboard.press("Enter")
    page.keyboard.type("- id: learning")
    page.keyboard.press("Enter")
    page.keyboard.type("per")
    expect(options.first).to_have_text("period")
    expect(page.locator(".cm-completionInfo")).to_contain_text("Sums points of events in this period")
    page.keyboard.press("Escape")
    page.keyboard.type("iod: week")
    # the values a key takes
    go_to_end_of(page, "timezone: Europe/Berlin")
    page.keyboard.press("Enter")
    page.keyboard.type("privacy:")
    page.keyboard.press("Enter")
    page.keyboard.type("  individual_ranking: f")
    expect(options).to_have_text(["false"])
    options.first.click()
    # an enum's values: a kudos allowance's period
    page.keyboard.press("Enter")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type("kudos:")
    page.keyboard.press("Enter")
    page.keyboard.type("  allowance:")
    page.keyboard.press("Enter")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type("    per: w")
    expect(options).to_have_text(["week"])
    options.first.click()
    # the text typed is what the form posts
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".draft-state")).to_contain_text("Draft saved")
    draft = RulesetDraft.objects.get().text
    assert "  - id: learning\n    period: week\n" in draft, draft
    assert "privacy:\n  individual_ranking: false\nkudos:\n  allowance:\n    per: week\n" in draft, draft


def test_a_check_marks_the_problem_lines_and_the_keyboard_leaves_the_editor(browser):  # noqa: F811
    page = open_workbench(browser)
    line = page.locator(".cm-line", has_text="award: {to: actor, points: 10}")
    line.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("ten")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#issues")).to_contain_text("Line 11, column")
    assert "points: ten}" in RulesetDraft.objects.get().text
    # the line is marked in the editor's gutter, and the problem's link puts the caret on it
    expect(page.locator(".cm-lineNumbers .cm-gutterElement.bad")).to_have_text(["11"])
    expect(page.locator(".cm-bad-line")).to_contain_text("points: ten")
    page.locator("#issues a.goto").first.click()
    expect(page.locator(".cm-activeLine")).to_contain_text("points: ten")
    # a line added above moves the mark with its line
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    expect(page.locator(".cm-lineNumbers .cm-gutterElement.bad")).to_have_text(["12"])
    # Tab indents inside the editor; Escape then Tab moves on to the next control
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("!document.activeElement.closest('.cm-editor')")
    assert serious(page) == []
    # leaving with changes not saved asks first
    leave = page.get_by_role("link", name="Versions").first
    assert dialogs_on_leaving(page, lambda: leave.click(no_wait_after=True)) == ["beforeunload"]


def test_the_editor_passes_axe_on_a_phone_and_activates_what_is_typed(browser):  # noqa: F811
    page = open_workbench(browser, 390, 844)
    expect(editor(page)).to_be_visible()
    box = page.locator(".cm-editor").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 0.6 * 844, box
    assert serious(page) == []
    page.locator(".cm-line", has_text="points: 10}").click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("15")
    page.get_by_label("Note for the version history").fill("Posts earn 15")
    page.get_by_role("button", name="Activate", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version")
    assert WEB_RULESET.replace("points: 10}", "points: 15}") == RulesetVersion.objects.get(active=True).text


def test_scheduling_from_the_workbench_lists_it_on_the_versions_page_at_desktop_and_phone(browser):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from rulesets.models import ScheduledActivation

    page = open_workbench(browser)
    at = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:30")
    page.get_by_label("Note for the version history").fill("Monday's change")
    page.get_by_label("Activate at (date and time)").fill(at)
    page.get_by_role("button", name="Schedule activation").click()
    expect(page.get_by_role("heading", name="Scheduled activations")).to_be_visible()
    expect(page.locator("table").first).to_contain_text(f"{at[:10]} 09:30 (Europe/Berlin)")
    assert ScheduledActivation.objects.get().status == "pending"
    assert serious(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert serious(page) == []
    page.get_by_role("button", name="Cancel the activation").click()
    expect(page.get_by_text("is cancelled")).to_be_visible()
    assert ScheduledActivation.objects.get().status == "cancelled"
