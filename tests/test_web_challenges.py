"""Challenge pages (docs/web.md): the list, one challenge with progress bars and standings, the parts on
the start page and the profile, Ways to earn, and the admin page that posts a topic prompt now."""

from __future__ import annotations

import re

import pytest

from base.models import Person
from tests import challenge_seed
from tests.web_seed import make_user, signed_in, text


@pytest.fixture
def world(db, redis):
    challenge_seed.seed()
    for key in challenge_seed.PEOPLE:
        make_user(key)
    make_user("boss", admin=True)


def test_the_list_groups_running_upcoming_and_ended_and_is_in_the_navigation(world):
    ana = signed_in("ana@example.com")
    page = text(ana.get("/challenges"))
    assert 'href="/challenges"' in text(ana.get("/"))
    running, upcoming, ended = page.index("Running</h2>"), page.index("Upcoming</h2>"), page.index("Ended</h2>")
    assert running < page.index("dbt week") < upcoming < page.index("Next month") < ended < page.index("Past sprint")
    # ana's own progress in dbt week: 3 of 3
    assert 'id="running-dbt-week-mine" max="100" value="100"' in page


def test_a_challenge_page_shows_goal_window_progress_and_standings_in_order(world):
    bob = signed_in("bob@example.com")
    answer = bob.get("/challenges/dbt-week")
    assert answer.status_code == 200
    page = text(answer)
    assert "Share three things you learned about dbt." in page
    assert "3 times: Share a new post (counting only any event tagged #dbt)" in page
    assert "The first 2 to reach the goal win." in page and "50 points and the badge dbt finisher" in page
    assert 'id="mine" max="100" value="33"' in page and "2 to go." in page
    # standings: ana reached the goal (first), then bob with 1 of 3
    table = page[page.index("Standings</h2>"):]
    assert table.index("Ana Ruiz") < table.index("Bob Stone")
    assert 'aria-label="Ana Ruiz: 3 of 3"' in page and 'aria-label="Bob Stone: 1 of 3"' in page
    assert '<tr class="me">' in page
    assert "ADMIN NOTE" not in page
    # the window in the person's timezone: Berlin midnight is 23:00 UTC the day before
    Person.objects.filter(key="bob@example.com").update(timezone="America/New_York")
    assert "6:00 PM EST" in text(bob.get("/challenges/dbt-week"))


def test_team_and_collective_pages_and_an_unknown_challenge(world):
    carol = signed_in("carol@example.com")
    team = text(carol.get("/challenges/team-comments"))
    assert "Your team&#39;s progress" in team or "Your team's progress" in team
    assert team.index("Sales") < team.index("Data")  # Sales 2 comments, Data 1
    together = text(carol.get("/challenges/together"))
    assert "Everyone together" in together and "Standings" not in together
    missing = carol.get("/challenges/no-such")
    assert missing.status_code == 404 and "no-such" in text(missing)


def test_an_ended_challenge_names_its_winners(world):
    page = text(signed_in("ana@example.com").get("/challenges/past-sprint"))
    winners = page[page.index("Winners</h2>"):]
    # carol's post was scored first: she won, and bob's earlier post scored later does not unseat her
    assert "Carol Diaz" in winners.split("</ol>")[0] and "Bob Stone" not in winners.split("</ol>")[0]


def test_works_council_mode_shows_no_individual_standings_but_your_own_progress(db, redis):
    challenge_seed.seed(privacy=False)
    make_user("bob@example.com")
    bob = signed_in("bob@example.com")
    page = text(bob.get("/challenges/dbt-week"))
    assert "no individual rankings" in page and "Ana Ruiz" not in page
    assert 'id="mine" max="100" value="33"' in page
    assert "Sales" in text(bob.get("/challenges/team-comments"))  # team standings stay
    ended = text(bob.get("/challenges/past-sprint"))
    assert "Winners</h2>" not in ended and "Carol Diaz" not in ended
    # someone else's profile shows no challenge progress; your own does
    assert "Your challenges" in text(bob.get("/people/bob@example.com"))
    assert 'id="your-challenges-h"' not in text(bob.get("/people/ana@example.com"))


def test_the_start_page_and_the_profile_show_running_challenges(world):
    ana = signed_in("ana@example.com")
    home = text(ana.get("/"))
    section = home[home.index("Your challenges"):]
    assert "dbt week" in section and "Team comments" in section and "Together to 100" in section
    assert "Past sprint" not in section and "Next month" not in section
    assert "Challenges" in text(signed_in("bob@example.com").get("/people/ana@example.com"))
    Person.objects.filter(key="ana@example.com").update(public=False)
    assert 'id="your-challenges-h"' not in text(signed_in("bob@example.com").get("/people/ana@example.com"))


def test_ways_to_earn_explains_rules_streaks_badges_and_challenges_without_admin_notes(world):
    page = text(signed_in("ana@example.com").get("/ways-to-earn"))
    assert 'href="/ways-to-earn"' in page
    assert "Share a new post" in page and "+10 points to whoever does it" in page
    assert "at most 5 times per day" in page
    assert "Post on consecutive days" in page and "3 days in a row: +15 points" in page
    assert "dbt finisher" in page and "Finish dbt week" in page
    assert "First Post" in page and "1 time: Share a new post" in page
    running = page[page.index("Running challenges"):]
    assert "dbt week" in running and "Past sprint" not in running
    assert "ADMIN NOTE" not in page


def test_ways_to_earn_in_german_uses_the_german_explanation(world):
    Person.objects.filter(key="ana@example.com").update(locale="de")
    page = text(signed_in("ana@example.com").get("/ways-to-earn"))
    assert "Teile einen neuen Beitrag" in page and "Wege zu Punkten" in page


def test_pages_need_a_sign_in(world):
    from django.test import Client

    for path in ("/challenges", "/challenges/dbt-week", "/ways-to-earn", "/admin-area/prompts"):
        assert Client().get(path).status_code == 302
    assert signed_in("ana@example.com").get("/admin-area/prompts").status_code == 403


# --- the admin's topic prompts -------------------------------------------------------------------------

from tests.fake_slack import fake_slack  # noqa: E402,F401 (a fixture)
from tests.test_prompts import PROMPT_TEXT, RULESET as PROMPTS_RULESET  # noqa: E402
from tests.test_slack_app import installed, signing_secret  # noqa: E402,F401 (fixtures)


def test_the_prompts_page_previews_and_posts_a_prompt_now_after_confirming(admin, installed):
    from rulesets.active import do_activate_ruleset

    do_activate_ruleset(PROMPTS_RULESET, activated_by="test", note="prompts")
    make_user("boss", admin=True)
    boss = signed_in("boss", csrf=True)
    listing = text(boss.get("/admin-area/prompts"))
    assert 'href="/admin-area/prompts"' in listing and "monday-question" in listing
    assert "0 9 * * MON" in listing and "Europe/Berlin" in listing and "Not posted yet." in listing
    assert PROMPT_TEXT in listing and "Reply in this thread to take part." in listing  # the preview as text
    assert "&#34;type&#34;: &#34;section&#34;" in listing or '"type": "section"' in listing  # and as JSON
    confirm = boss.get("/admin-area/prompts/monday-question")
    page = text(confirm)
    assert "Post monday-question now?" in page and 'name="csrfmiddlewaretoken"' in page
    # a POST without the CSRF token is refused, and nothing is posted
    assert boss.post("/admin-area/prompts/monday-question/post").status_code == 403
    assert not installed.called("chat.postMessage")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = boss.post("/admin-area/prompts/monday-question/post", {"csrfmiddlewaretoken": token}, follow=True)
    assert "Posted monday-question to C42." in text(answer)
    [call] = installed.called("chat.postMessage")
    assert call.args["channel"] == "C42"
    assert "posted" in text(answer) and "by hand" in text(answer)


def test_a_prompt_that_cannot_be_posted_says_why(admin, db, redis):
    from rulesets.active import do_activate_ruleset

    do_activate_ruleset(PROMPTS_RULESET, activated_by="test", note="prompts")
    make_user("boss", admin=True)
    boss = signed_in("boss")
    page = text(boss.post("/admin-area/prompts/monday-question/post", follow=True))
    assert "was not posted: the Slack app is not installed in any workspace" in page
    assert boss.get("/admin-area/prompts/nope").status_code == 404
    assert boss.post("/admin-area/prompts/nope/post").status_code == 404
    assert boss.get("/admin-area/prompts/monday-question/post").status_code == 405
