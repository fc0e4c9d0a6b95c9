"""Kudos in a real browser: sign in, give kudos from a colleague's profile, see the allowance drop and the
kudos in the feed, undo it after confirming; axe-core finds no accessibility violation on these pages."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.test_web_kudos import KUDOS_RULESET
from tests.web_seed import PASSWORD, make_user, seed_world
from rulesets.active import do_activate_ruleset

AXE = Axe()


def no_violations(page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def test_a_person_gives_kudos_from_a_profile_sees_the_allowance_drop_and_the_kudos_in_the_feed(browser):  # noqa: F811
    # given ana, who may give 3 kudos this month, and her colleague bob
    seed_world()
    do_activate_ruleset(KUDOS_RULESET, activated_by="test", note="kudos")
    make_user("ana@example.com")
    page = browser("ana")
    sign_in(page, "ana@example.com", PASSWORD)
    no_violations(page)  # the start page, with its give form
    # when she opens bob's profile
    page.goto("/people/bob@example.com")
    give = page.get_by_role("region", name="Give Bob Stone kudos")
    expect(give.locator(".allowance")).to_contain_text("3 of 3 kudos left this month")
    no_violations(page)
    # and sends kudos without a value (the ruleset requires one)
    give.get_by_label("What do you thank them for?").fill("Thanks for untangling the pipeline")
    give.get_by_role("button", name="Give kudos").click()
    # then the refusal is beside the values, and what she typed is kept
    expect(page.locator("#id_values-error")).to_contain_text("Name the company value it shows")
    expect(page.get_by_label("What do you thank them for?")).to_have_value("Thanks for untangling the pipeline")
    no_violations(page)
    # when she picks #teamwork and sends it
    page.get_by_label("#teamwork").check()
    page.get_by_role("button", name="Give kudos").click()
    # then she is back on bob's profile, told it went, with one kudos less
    expect(page).to_have_url(re.compile(r"/people/bob@example\.com$"))
    expect(page.get_by_role("status").first).to_contain_text("Kudos sent to Bob Stone. 2 of 3 kudos left this month")
    expect(page.get_by_role("region", name="Give Bob Stone kudos").locator(".allowance")).to_contain_text(
        "2 of 3 kudos left this month")
    expect(page.locator("section", has=page.locator("#kudos-h"))).to_contain_text("1 received")
    # when she opens the feed from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Kudos").click()
    first = page.locator(".kudos-item").first
    expect(first).to_contain_text("Ana Ruiz → Bob Stone")
    expect(first).to_contain_text("Thanks for untangling the pipeline")
    expect(first.locator("a.tag")).to_have_text("#teamwork")
    expect(first.locator("time")).to_have_text("just now")
    no_violations(page)
    # when she filters by the value, then undoes the kudos after confirming
    first.locator("a.tag").click()
    expect(page.get_by_label("Value")).to_have_value("teamwork")
    page.locator(".kudos-item").first.get_by_role("link", name="Undo this kudos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Undo this kudos?")
    no_violations(page)
    page.get_by_role("button", name="Undo the kudos").click()
    # then the kudos is gone and her allowance is back
    expect(page.get_by_role("status").first).to_contain_text("3 of 3 kudos left this month")
    expect(page.locator(".kudos-item")).to_have_count(0)


def test_the_insights_dashboards_kudos_section_reads_without_violations(browser):  # noqa: F811
    # given a month of kudos given through the action, and an admin
    from datetime import datetime, timedelta, timezone

    from kudos.actions import do_give_kudos

    seed_world()
    do_activate_ruleset(KUDOS_RULESET, activated_by="test", note="kudos")
    do_give_kudos(giver="ana@example.com", receivers=["carol@example.com"], message="Thanks", values=["teamwork"])
    do_give_kudos(giver="dan@example.com", receivers=["bob@example.com"], message="Merci", values=["craft"],
                  occurred_at=datetime.now(timezone.utc) - timedelta(days=8))
    make_user("boss", admin=True)
    page = browser("boss")
    sign_in(page, "boss", PASSWORD)
    # when she opens the insights dashboard
    page.goto("/admin-area/insights")
    # then the kudos section has its chart and tables, and axe finds nothing to fix
    section = page.locator("#kudos-h")
    expect(section).to_have_text("Kudos")
    expect(page.get_by_role("table", name="Kudos Per value")).to_contain_text("teamwork")
    expect(page.get_by_role("table", name="Kudos Between teams (kudos received)")).to_contain_text("Data → Sales")
    expect(page.get_by_text("2 of 2 kudos received (100%) crossed teams")).to_be_visible()
    no_violations(page)


def test_on_a_phone_a_person_types_a_name_and_chooses_who_she_means_with_the_keyboard(browser):  # noqa: F811
    # given ana, and two colleagues whose names start with "Bo"
    from base.models import Event, Person

    seed_world()
    do_activate_ruleset(KUDOS_RULESET, activated_by="test", note="kudos")
    Person.objects.create(key="bo@example.com", name="Bo Lindqvist", team="Ops")
    make_user("ana@example.com")
    page = browser("ana")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "ana@example.com", PASSWORD)
    # when she types "carol, bo" on the start page's form and sends it with a value
    give = page.get_by_role("region", name="Give kudos")
    give.get_by_label("To (required)").fill("carol, bo")
    give.get_by_label("What do you thank them for?").fill("Thanks for the launch")
    give.get_by_label("#teamwork").check()
    give.get_by_role("button", name="Give kudos").press("Enter")
    # then she is asked who she means by "bo", with carol kept in the field, and axe finds nothing to fix
    expect(page.locator("#id_to-error")).to_contain_text("“bo” matches several colleagues")
    expect(page.locator("#id_to")).to_have_value("carol")
    choices = page.get_by_role("group", name="Who do you mean by “bo”?")
    expect(choices.get_by_role("checkbox")).to_have_count(2)
    no_violations(page)
    # when she picks Bo Lindqvist with the keyboard and sends it
    choices.get_by_label("Bo Lindqvist (Ops)").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Give kudos").press("Enter")
    # then the kudos goes to both
    expect(page.get_by_role("status").first).to_contain_text("Kudos sent to Carol Diaz and Bo Lindqvist")
    assert Event.objects.get(type="kudos").mentions == ["carol@example.com", "bo@example.com"]
