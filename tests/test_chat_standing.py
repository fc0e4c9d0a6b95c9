"""What the chat apps answer to "me" and "top": the same figures the API gives, with names people read."""

from __future__ import annotations

import pytest

from base.errors import NotFound
from engine.integrations import standing
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event


@pytest.fixture
def scored(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200

    def send(*events):
        assert admin.post("/events", list(events)).status_code == 202
        do_score_pending()
    return send


def test_me_agrees_with_the_api_and_names_the_closest_badges(scored, reader):
    # given ana posted once and commented once on ben's post
    scored(event("post", "ben@x", id="p1"), event("post", "ana@x", id="p2"),
           event("comment", "ana@x", id="c1", target={"id": "p1", "author": "ben@x"}))
    answer = standing.me("ana@x")
    api = reader.get("/people/ana@x").json()
    # then points, level and ranks are the API's, the board carries its name
    assert (answer["points"], answer["level"]) == (api["points"], api["level"])
    assert [(r["board"], r["rank"]) for r in answer["ranks"]] == [(r["board"], r["rank"]) for r in api["ranks"]]
    assert all(r["name"] for r in answer["ranks"])
    # and the badge she is halfway to (Commenter, Bronze at 2) is offered; First Post, which she holds, is not
    assert [(b["id"], b["tier"], b["have"], b["need"]) for b in answer["near_badges"]] == [("commenter", "Bronze", 1, 2)]


def test_me_for_someone_never_seen_is_zero_not_an_error(scored):
    scored(event("post", "ben@x"))
    answer = standing.me("new@x")
    assert (answer["known"], answer["points"], answer["ranks"], answer["level"]["name"]) == (False, 0, [], "Newcomer")


def test_top_defaults_to_the_first_people_board_and_stops_at_five(scored):
    scored(*[event("post", f"p{i}@x", id=f"p{i}") for i in range(7)])
    answer = standing.top()
    assert answer["board"] == "all-time"
    assert [e["rank"] for e in answer["entries"]] == [1, 2, 3, 4, 5]


def test_top_of_an_unknown_board_names_the_boards_there_are(scored):
    scored(event("post", "ben@x"))
    with pytest.raises(NotFound, match="the boards are: all-time"):
        standing.top("nope")
