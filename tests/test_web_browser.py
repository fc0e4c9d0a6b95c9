"""The pages in a real browser: sign in, boards, profile and opt-out, the rules workbench, form errors."""

from __future__ import annotations

from playwright.sync_api import expect

from rulesets.models import RulesetVersion

from tests.browser import browser, sign_in  # noqa: F401  (fixture)
from tests.web_seed import PASSWORD, POST_POINTS_LINE, WEB_RULESET, make_user, seed_world


def test_an_employee_reads_a_board_opens_her_profile_and_leaves_the_board(browser):  # noqa: F811
    # given ana, who leads this week's board after climbing one place
    seed_world()
    make_user("ana@example.com")
    page = browser("ana")
    # when she signs in and opens this week's board
    sign_in(page, "ana@example.com", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana Ruiz")
    page.get_by_role("link", name="This week").first.click()
    # then her row is highlighted, with her rank, points and movement since last week
    mine = page.locator("table.board tr.me")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Ana Ruiz")
    expect(mine.locator("td").first).to_have_text("1")
    expect(mine).to_contain_text("▲ 1")
    expect(page.locator("table.board tbody tr")).to_have_count(4)
    # when she opens her profile
    page.get_by_role("link", name="My profile").click()
    # then it shows her points, level with progress, badges earned and within reach, and why she got points
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Ruiz")
    expect(page.locator(".card.stat .big").first).to_have_text("54")
    expect(page.locator(".card.level")).to_contain_text("Contributor")
    expect(page.locator("#level-progress")).to_be_visible()
    expect(page.locator(".wall .badge.earned", has_text="First Post")).to_be_visible()
    expect(page.locator(".wall .badge.earned", has_text="Commenter")).to_contain_text("Bronze")
    expect(page.locator(".wall .badge", has_text="Commenter")).to_contain_text("2 of 5 times")
    expect(page.locator(".awards li").first).to_contain_text("Comment on a post by")
    page.wait_for_load_state("networkidle")
    widths = page.locator(".wall img").evaluate_all("images => images.map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(w > 0 for w in widths)  # the badge images load
    # when she leaves the public boards
    page.get_by_role("button", name="Leave the public boards").click()
    expect(page.get_by_role("status").first).to_contain_text("You left every public board")
    page.goto("/boards/weekly")
    # then she is not on the board, yet still sees where she would stand
    expect(page.locator("table.board tbody tr")).to_have_count(3)
    expect(page.locator("table.board")).not_to_contain_text("Ana Ruiz")
    expect(page.locator("p.you")).to_contain_text("you would be #1")


def test_an_admin_sees_a_rule_error_at_its_line_simulates_the_fix_and_activates_it(browser):  # noqa: F811
    # given an admin and the active ruleset
    seed_world()
    make_user("boss", admin=True)
    page = browser("boss")
    # the textarea itself, as without the editor bundle (test_web_browser_rule_editor.py drives the editor)
    page.route("**/static/web/build/editor.js", lambda route: route.abort())
    sign_in(page, "boss", PASSWORD)
    page.get_by_role("link", name="Rules").click()
    editor = page.get_by_label("Ruleset (YAML)")
    expect(editor).to_have_value(WEB_RULESET)
    # when the post rule's points become a word and the ruleset is checked
    editor.fill(WEB_RULESET.replace("points: 10}", "points: ten}"))
    page.get_by_role("button", name="Check").click()
    # then the problem is listed with its line and column, and that line is marked beside the text
    issues = page.locator("#issues")
    expect(issues).to_contain_text(f"Line {POST_POINTS_LINE}, column")
    expect(issues).to_contain_text("rules[0].award[0].points")
    expect(page.locator(".gutter li.bad")).to_have_count(1)
    expect(page.locator(".gutter li.bad")).to_have_attribute("data-line", str(POST_POINTS_LINE))
    expect(page.get_by_label("Ruleset (YAML)")).to_have_value(WEB_RULESET.replace("points: 10}", "points: ten}"))
    # when the admin fixes it to 20 points, runs the tests and simulates the last 30 days
    fixed = WEB_RULESET.replace("points: 10}", "points: 20}")
    page.get_by_label("Ruleset (YAML)").fill(fixed)
    page.get_by_role("button", name="Run tests").click()
    expect(page.locator(".tests")).to_contain_text("0 of 1 pass")
    expect(page.locator(".tests")).to_contain_text("expected ana@example.com to have 10 points, got 20")
    page.get_by_label("Replay").select_option("30")
    page.get_by_role("button", name="Simulate").click()
    # then the report shows who gains points, and nothing changed yet
    simulation = page.locator(".simulation")
    expect(simulation).to_contain_text("Replayed 14 events")
    expect(simulation.locator("table.movers tr", has_text="Ana Ruiz")).to_contain_text("+50")
    expect(page.get_by_label("Ruleset (YAML)")).to_have_value(fixed)
    # when the admin activates it without a note, then with one
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#id_note-error")).to_contain_text("Say in a few words what this change does")
    expect(page.get_by_label("Ruleset (YAML)")).to_have_value(fixed)
    page.get_by_label("Note for the version history").fill("Posts are worth more")
    page.get_by_role("button", name="Activate").click()
    # then the new version is active, with its note and the diff against the one before
    active = RulesetVersion.objects.get(active=True)
    assert active.note == "Posts are worth more" and active.activated_by == "boss" and active.text == fixed
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Version {active.id} active")
    expect(page.locator("main")).to_contain_text("Posts are worth more")
    expect(page.locator("pre.diff .add")).to_contain_text(["+    award: {to: actor, points: 20}"])
    expect(page.locator("pre.diff .del")).to_contain_text(["-    award: {to: actor, points: 10}"])


def test_a_wrong_password_is_explained_next_to_the_field_and_the_id_is_kept(browser):  # noqa: F811
    make_user("ana@example.com")
    page = browser()
    # when ana mistypes her password
    sign_in(page, "ana@example.com", "not it")
    # then the error sits by the password field, and what she typed as her id is still there
    expect(page.locator("#id_password-error")).to_contain_text("do not match")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your id (email)")).to_have_value("ana@example.com")
    expect(page).to_have_url(f"{page.url.split('/login')[0]}/login")


def test_an_employee_cannot_open_the_admin_pages(browser):  # noqa: F811
    seed_world()
    make_user("ana@example.com")
    page = browser()
    sign_in(page, "ana@example.com", PASSWORD)
    # then the admin area is not in her navigation, and its pages refuse her
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules")).to_have_count(0)
    response = page.goto("/admin-area/rules")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for you")
    assert page.goto("/admin-area/keys").status == 403
