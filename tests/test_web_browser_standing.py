"""Where you stand and your progress in a real browser, phone and desktop: the board with its spread of points
and the profile with its chart, table and badge evidence; axe-core finds no serious or critical violation."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.test_web_browser_employee import SIZES, no_serious_violations
from tests.web_seed import PASSWORD, make_user, seed_world


def test_the_board_and_the_profile_say_where_you_stand_on_a_phone_and_a_desktop(browser):  # noqa: F811
    seed_world()
    make_user("carol@example.com")
    for size, viewport in SIZES.items():
        carol = browser(f"carol-{size}")
        carol.set_viewport_size(viewport)
        sign_in(carol, "carol@example.com", PASSWORD)
        carol.goto("/boards/weekly")
        # then the board says her rank, of how many, her share and what passes ana
        expect(carol.get_by_role("status")).to_contain_text("(of 4 · top 50%) 15 points to pass the next person")
        spread = carol.get_by_role("table", name="People per points bracket, highest first")
        expect(spread.locator("tr.me")).to_contain_text("20–24")
        no_serious_violations(carol)
        # and her profile charts her weeks, with the same numbers in a table behind a keyboard-usable summary
        carol.goto("/me")
        expect(carol.locator("figure.chart svg")).to_be_visible()
        summary = carol.get_by_text("Points per week as a table")
        summary.focus()
        carol.keyboard.press("Enter")
        expect(carol.get_by_role("table", name="Points per week, by what earned them")).to_contain_text("20")
        expect(carol.locator("ul.wall")).to_contain_text("New post")
        no_serious_violations(carol)
        # nothing runs off the side of a phone
        assert carol.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
