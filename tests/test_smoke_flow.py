from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event


def test_post_score_and_read_the_board(admin, reader):
    # given
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    # when
    response = admin.post("/events", [event("post", {"id": "ana@example.com", "name": "Ana", "team": "Data"}, channel="c1")])
    assert response.status_code == 202, response.json()
    do_score_pending()
    # then
    board = reader.get("/leaderboards/all-time").json()
    assert board["entries"] == [{"rank": 1, "person": "ana@example.com", "name": "Ana", "points": 10}]
