"""What a person sees in a real browser on the start page and a badge page, phone and desktop; axe-core finds
no serious or critical violation there nor on the public page of a grant."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from badges.models import BadgeGrant
from base.accept import do_accept_events
from engine.scoring import do_score_pending
from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, make_user, seed_world
from web.jinja import day

AXE = Axe()
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def no_serious_violations(page) -> None:
    results = AXE.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{page.url}\n{results.generate_report()}"


def test_the_start_page_and_the_badge_page_on_a_phone_and_a_desktop(browser):  # noqa: F811
    # given the page world, and eve, who has no points anywhere yet
    seed_world()
    do_accept_events([{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "occurred_at": "2026-01-05T09:00:00+00:00"}])
    do_score_pending()
    make_user("eve@example.com")
    make_user("ana@example.com")
    grant = BadgeGrant.objects.select_related("event").get(person__key="ana@example.com", badge_id="first-post")
    for size, viewport in SIZES.items():
        eve = browser(f"eve-{size}")
        eve.set_viewport_size(viewport)
        sign_in(eve, "eve@example.com", PASSWORD)
        # then the start page lists every board of people with what it takes to get on it
        standing = eve.locator("ul.standings")
        expect(standing.locator("li", has_text="This week")).to_contain_text("You are not on this board yet: 3 points put you on it.")
        expect(standing.locator("li", has_text="All time")).to_contain_text("3 points put you on it")
        expect(eve.locator("link[rel=icon]")).to_have_attribute("href", "/static/web/favicon.svg")
        no_serious_violations(eve)

        ana = browser(f"ana-{size}")
        ana.set_viewport_size(viewport)
        sign_in(ana, "ana@example.com", PASSWORD)
        ana.goto("/badges/first-post")
        # then the badge page says when she earned it: the day of her post, and offers the public page
        expect(ana.locator("ul.mine")).to_contain_text(f"earned {day(grant.event.occurred_at)}")
        expect(ana.get_by_role("link", name="Add to LinkedIn profile")).to_have_attribute(
            "href", re.compile(r"^https://www\.linkedin\.com/profile/add\?startTask=CERTIFICATION_NAME&"))
        expect(ana.locator("ul.holders li")).to_have_count(3)
        expect(ana.locator("main")).not_to_contain_text("left the public boards")
        no_serious_violations(ana)
        # and the share link opens a page for people, not JSON
        ana.get_by_role("link", name="Public page").click()
        expect(ana.get_by_role("heading", level=1)).to_have_text("First Post")
        expect(ana.locator("main")).to_contain_text(f"Earned by Ana Ruiz on {day(grant.event.occurred_at)}.")
        expect(ana.locator('meta[property="og:image"]')).to_have_attribute("content", re.compile(r"^http.*\.png$"))
        no_serious_violations(ana)
        # nothing is wider than the screen
        width = ana.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (size, width)
