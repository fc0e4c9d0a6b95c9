"""What others see of an opted-out or erased person on the pages: no points, level, badges, awards or ranks."""

from __future__ import annotations

import pytest

from base.models import Person
from engine.privacy import do_erase_person
from tests.web_seed import make_user, seed_world, signed_in, text

BOB = "bob@example.com"


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user(BOB)
    make_user("boss", admin=True)


def main(response) -> str:
    return text(response).split('id="main"')[1].split("</main>")[0]


def test_others_see_no_points_level_badges_awards_or_ranks_of_an_opted_out_person(world):
    # given Bob, with 40 points, a badge and awards, opts out of the public boards
    assert signed_in(BOB).post(f"/people/{BOB}/visibility", {"public": "no"}).status_code == 302
    assert Person.objects.get(key=BOB).points == 40
    # when Ana opens his profile
    response = signed_in("ana@example.com").get(f"/people/{BOB}")
    # then she sees who he is and that he keeps the rest private, and none of his numbers
    assert response.status_code == 200
    page = main(response)
    assert "Bob Stone" in page and "Data" in page
    assert "Bob Stone keeps their points, badges and recent awards private." in page
    assert "keeps their ranks private" in page
    for hidden in ('<span class="big">40</span>', "points to Expert", "Contributor", "First Post", "New post",
                   "Recent points", "level-progress"):
        assert hidden not in page, hidden


def test_the_opted_out_person_and_admins_still_see_everything_on_the_profile(world):
    signed_in(BOB).post(f"/people/{BOB}/visibility", {"public": "no"})
    for who in (BOB, "boss"):
        page = main(signed_in(who).get(f"/people/{BOB}"))
        for shown in ('<span class="big">40</span>', "points to Expert", "First Post", "New post", "#"):
            assert shown in page, (who, shown)


def test_people_search_shows_no_points_of_an_opted_out_person_to_others(world):
    # given Bob opted out and Carol did not
    signed_in(BOB).post(f"/people/{BOB}/visibility", {"public": "no"})
    # when Ana searches the Sales and Data teams
    page = main(signed_in("ana@example.com").get("/people", {"q": "example.com"}))
    # then she finds Bob without his points, and Carol with hers
    bob_line = page.split(f'href="/people/{BOB}"')[1].split("</li>")[0]
    carol_line = page.split('href="/people/carol@example.com"')[1].split("</li>")[0]
    assert "Bob Stone" in bob_line and "pts" not in bob_line
    assert "20 pts" in carol_line
    # while Bob himself and an admin still see his points there
    for who in (BOB, "boss"):
        line = main(signed_in(who).get("/people", {"q": "stone"})).split(f'href="/people/{BOB}"')[1].split("</li>")[0]
        assert "40 pts" in line, who


def test_an_erased_person_is_not_found_by_search_nor_shown_on_any_profile(world):
    # given Bob erased: his row stays as an anonymous `erased-…` person of team Data with his points
    do_erase_person(Person.objects.get(key=BOB), requested_by="test")
    erased = Person.objects.get(key__startswith="erased-")
    assert erased.team == "Data" and erased.points == 40
    for who in ("ana@example.com", "boss"):
        client = signed_in(who)
        # when someone searches by the anonymous id, the team or the old id
        for q in ("erased", "Data", BOB, "Stone"):
            page = main(client.get("/people", {"q": q}))
            # then the anonymous row is never among the results
            assert "erased-" not in page and "40 pts" not in page, (who, q)
        # and the anonymous id has no profile page with a team, points or dated awards
        response = client.get(f"/people/{erased.key}")
        assert response.status_code == 404, who
        assert "Data" not in main(response) and "New post" not in main(response)
