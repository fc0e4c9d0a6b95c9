"""Where you stand on every board, your points over time and your full history, and what earned each badge.

The seeded week (tests/web_seed.py): ana 34, carol 20, bob 10, dan 2; all time: ana 54, bob 40, carol 20, dan 2."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from base.accept import do_accept_events
from base.models import Person
from engine.scoring import do_score_pending
from rulesets.active import do_activate_ruleset
from tests.web_seed import WEB_RULESET, make_user, seed_world, signed_in, text

ANA, BOB, CAROL, DAN = "ana@example.com", "bob@example.com", "carol@example.com", "dan@example.com"


@pytest.fixture
def world(db, redis):
    seed_world()
    for who in (ANA, BOB, CAROL, DAN):
        make_user(who)


def main(response) -> str:
    assert response.status_code == 200, response.status_code
    return text(response).split('id="main"')[1].split("</main>")[0]


def standing_of(page: str, board: str) -> str:
    """The start page's line for one board."""
    return re.search(rf'<li><a href="/boards/{board}\?[^"]*">.*?</li>', page).group(0)


def test_the_start_page_says_your_rank_of_how_many_your_share_and_what_passes_the_next_person(world):
    page = main(signed_in(CAROL).get("/"))
    weekly = standing_of(page, "weekly")
    assert '<span class="rank">#2</span>' in weekly and "of 4 · top 50%" in weekly
    assert "15 points to pass the next person" in weekly  # ana has 34: 35 passes her (ties go to who was first)
    all_time = standing_of(page, "all-time")
    assert "of 4" in all_time and "top" not in all_time  # #3 of 4 is not in the top half: no share is said
    assert "21 points to pass the next person" in all_time  # bob has 40
    assert "You lead by 14 points" in standing_of(main(signed_in(ANA).get("/")), "weekly")


def test_the_board_says_where_you_stand_and_how_points_spread_with_your_bracket_marked(world):
    page = main(signed_in(CAROL).get("/boards/weekly"))
    you = re.search(r'<p class="you" role="status">.*?</p>', page).group(0)
    assert "#2</strong> with 20 points" in you and "(of 4 · top 50%)" in you and "15 points to pass the next person" in you
    spread = re.search(r'<table class="histogram">.*?</table>', page).group(0)
    rows = re.findall(r"<tr( class=\"me\")?> <td>([^<]*?)(?: <span class=\"tag\">you</span>)?</td> <td class=\"num\">(\d+)</td>", spread)
    assert [(bracket, int(n)) for _, bracket, n in rows] == [("30–34", 1), ("25–29", 0), ("20–24", 1), ("15–19", 0),
                                                              ("10–14", 1), ("5–9", 0), ("0–4", 1)]
    assert [bracket for mine, bracket, _ in rows if mine] == ["20–24"]


def test_someone_who_opted_out_sees_where_they_would_stand_and_whom_they_would_pass(world):
    signed_in(DAN).post(f"/people/{DAN}/visibility", {"public": "no"})
    page = main(signed_in(DAN).get("/boards/weekly"))
    you = re.search(r'<p class="you" role="status">.*?</p>', page).group(0)
    assert "you would be <strong>#4</strong>" in you and "(of 4)" in you and "9 points to pass the next person" in you
    assert "Dan Ek" not in page.split('class="histogram"')[0].split("<tbody>")[1]  # still not on the public rows


def test_your_ranks_on_the_profile_say_of_how_many_and_only_you_read_what_passes_the_next(world):
    own = main(signed_in(CAROL).get(f"/people/{CAROL}"))
    assert "of 4 · top 50%" in own and "15 points to pass the next person" in own
    seen = main(signed_in(ANA).get(f"/people/{CAROL}"))
    assert "of 4 · top 50%" in seen and "to pass the next person" not in seen


def test_works_council_mode_shows_no_ranks_shares_or_spread_of_people(world):
    do_activate_ruleset(WEB_RULESET.replace("\nleaderboards:\n", "\nprivacy: {individual_ranking: false}\nleaderboards:\n"
                                            "  - {id: team-totals, name: Team totals, aggregate: team}\n"),
                        activated_by="test", note="works council")
    do_accept_events([{"id": "web:ana:again", "type": "post", "actor": {"id": ANA}, "occurred_at": timezone.now().isoformat()}])
    do_score_pending()
    home = main(signed_in(CAROL).get("/"))
    assert '<span class="rank">' not in home and "to pass the next person" not in home and "top 50%" not in home
    assert signed_in(CAROL).get("/boards/weekly").status_code == 403
    teams = main(signed_in(CAROL).get("/boards/team-totals"))
    assert "Data" in teams and "histogram" not in teams and "How points spread" not in teams
    assert "to pass the next person" not in main(signed_in(CAROL).get(f"/people/{CAROL}"))


def test_the_season_selector_names_the_seasons(world):
    do_activate_ruleset(WEB_RULESET.replace("\nleaderboards:\n", """
seasons:
  - {id: autumn-2026, name: Autumn 2026, from: 2026-09-01, until: 2026-12-01}
  - {id: winter-2026, name: {en: Winter 2026/27, de: Winter 2026/27 (de)}, from: 2026-12-01, until: 2027-03-01}
leaderboards:
  - {id: seasonal, name: Season, period: season}
"""), activated_by="test", note="seasons")
    page = main(signed_in(CAROL).get("/boards/seasonal?period=autumn-2026"))
    assert '<option value="autumn-2026" selected>Autumn 2026</option>' in page
    assert '<option value="winter-2026">Winter 2026/27</option>' in page
    assert "Period Autumn 2026" in page


def test_the_profile_charts_points_per_week_by_what_earned_them_with_a_table(world):
    page = main(signed_in(CAROL).get(f"/people/{ANA}"))
    chart = page.split('id="progress-h"')[1].split("</section>")[0]
    assert "<svg" in chart and "<script" not in chart
    table = chart.split("<table>")[1]
    assert '<th scope="col" class="num">Original post</th><th scope="col" class="num">Comment</th>' in table
    weeks = re.findall(r'<tr><th scope="row">[^<]+</th><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', table)
    assert len(weeks) == 12 and weeks[-1] == ("30", "4", "34") and ("20", "0", "20") in weeks[-3:-1]
    assert sum(int(total) for _, _, total in weeks) == 54


def test_the_full_history_lists_every_award_fifty_a_page_newest_first_in_your_timezone(world):
    now = timezone.now() - timedelta(minutes=5)
    do_accept_events([{"id": f"web:carol:many:{i}", "type": "post", "actor": {"id": CAROL}, "text": f"note number {i}",
                       "occurred_at": (now - timedelta(hours=i)).isoformat()} for i in range(55)])
    do_score_pending()
    Person.objects.filter(key=CAROL).update(timezone="America/New_York")
    me = signed_in(CAROL)
    assert me.get("/me/history")["Location"] == f"/people/{CAROL}/history"
    first = main(me.get(f"/people/{CAROL}/history"))
    assert "57 awards, newest first." in first
    assert first.count('<span class="pts') == 50 and "Page 1 of 2" in first
    quoted = re.findall(r"<q>note number (\d+)</q>", first)
    assert quoted[:3] == ["0", "1", "2"] and (" EST " in first or " EDT " in first)
    second = main(me.get(f"/people/{CAROL}/history?page=2"))
    assert second.count('<span class="pts') == 7 and 'rel="prev"' in second
    assert f'href="/people/{CAROL}/history"' in main(me.get(f"/people/{CAROL}"))


def test_the_history_of_someone_who_opted_out_is_theirs_alone(world):
    signed_in(BOB).post(f"/people/{BOB}/visibility", {"public": "no"})
    refused = signed_in(ANA).get(f"/people/{BOB}/history")
    assert refused.status_code == 403 and "New post" not in text(refused)
    assert "New post" in main(signed_in(BOB).get(f"/people/{BOB}/history"))
    assert signed_in(ANA).get("/people/nobody@example.com/history").status_code == 404


def test_the_badge_wall_and_badge_page_say_what_earned_each_badge_and_tier_linked_and_when(world):
    now = timezone.now() - timedelta(minutes=1)
    do_accept_events([{"id": "web:eve:first", "type": "post", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "text": "How we cut the build time in half", "attributes": {"url": "https://intranet.example/p/7"},
                       "occurred_at": now.isoformat()}])
    do_score_pending()
    make_user("eve@example.com")
    wall = main(signed_in(ANA).get("/people/eve@example.com")).split('id="wall-h"')[1]
    assert '<a href="https://intranet.example/p/7"><q>How we cut the build time in half</q></a>' in wall
    mine = main(signed_in("eve@example.com").get("/badges/first-post"))
    assert re.search(r'What earned it: New post: <a href="https://intranet.example/p/7"><q>How we cut', mine)
    # each tier of a badge with tiers, and the holders' list, say theirs too
    ana = main(signed_in(ANA).get("/badges/commenter"))
    assert 'What earned it: Comment on a post by <a href="/people/bob@example.com">Bob Stone</a>' in ana
    holders = ana.split('class="holders"')[1]
    assert "Ana Ruiz" in holders and "Comment on a post by" in holders
    ana_wall = main(signed_in(ANA).get(f"/people/{ANA}")).split('id="wall-h"')[1]
    assert re.search(r"<strong>Bronze</strong>: Comment on a post by <a [^>]+>Bob Stone</a>, <span class=\"muted\">", ana_wall)
