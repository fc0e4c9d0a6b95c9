"""The preferences page in a real browser, on a phone and a desktop, by keyboard: a title chosen and
shown on the board, an announcement switched off, nudges on; axe-core finds no serious or critical violation."""

from __future__ import annotations

from playwright.sync_api import expect

from base.models import Person
from engine.integrations.slack_app.nudges import nudges_enabled
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.test_web_browser_employee import SIZES, no_serious_violations
from tests.web_seed import PASSWORD, make_user, seed_world


def test_preferences_are_set_by_keyboard_on_a_phone_and_a_desktop(browser):  # noqa: F811
    seed_world()
    make_user("ana@example.com")
    for size, viewport in SIZES.items():
        ana = browser(f"ana-{size}")
        ana.set_viewport_size(viewport)
        sign_in(ana, "ana@example.com", PASSWORD)
        ana.goto("/me")
        ana.get_by_role("link", name="Preferences: your title, announcements about you, digest email and nudges").click()
        expect(ana.get_by_role("heading", level=1)).to_have_text("Preferences")
        no_serious_violations(ana)
        # when: by keyboard, a title, no badge announcements, nudges on
        title = ana.get_by_label("A badge you hold, shown beside your name on boards and on your profile")
        title.focus()
        title.select_option(label="Commenter · Bronze")
        ana.get_by_label("when I earn a badge").focus()
        ana.keyboard.press("Space")
        ana.get_by_label("Send me a nudge in Slack now and then (at most one a week)").focus()
        ana.keyboard.press("Space")
        ana.get_by_role("button", name="Save preferences").focus()
        ana.keyboard.press("Enter")
        # then
        expect(ana.locator("main")).to_contain_text("Your preferences are saved.")
        expect(ana.get_by_label("when I earn a badge")).not_to_be_checked()
        expect(ana.get_by_label("Send me a nudge in Slack now and then (at most one a week)")).to_be_checked()
        no_serious_violations(ana)
        width = ana.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (size, width)
        ana.goto("/boards/all-time")
        expect(ana.locator("table.board tr.me")).to_contain_text("Commenter · Bronze")
        no_serious_violations(ana)
        person = Person.objects.get(key="ana@example.com")
        assert person.quiet_announcements == ["badge_awarded"] and nudges_enabled(person)
        # back to how it was, for the other screen size
        person.quiet_announcements = []
        person.save(update_fields=["quiet_announcements"])
        person.nudge_setting.delete()
