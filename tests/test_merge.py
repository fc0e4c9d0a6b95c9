"""Two records of one human become one: a stand-in from an unknown alias, or an explicit merge."""

from __future__ import annotations

from engine.integrations.identity import resolve
from base.models import Award, Person
from base.redis import get_redis
from base.ledger import ledger_batch
from engine.scoring import do_score_pending
from leaderboards.rebuild import check_boards, rebuild_boards
from rulesets.active import active_ruleset
from tests.helpers import BASIC_RULESET, event
from tests.test_scorer_reliability import board_snapshot


def send(admin, *events):
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def board(reader, board_id="all-time"):
    return [(e["person"], e["points"]) for e in reader.get(f"/leaderboards/{board_id}").json()["entries"]]


def test_events_of_an_unknown_slack_user_land_on_the_person_once_the_directory_knows_the_alias(admin, reader):
    # given a Slack user nobody knew yet, whose posts were kept and scored to a stand-in
    admin.put_yaml("/ruleset", BASIC_RULESET)
    stand_in = resolve("slack", "T1:U9", name="Ana")
    send(admin, event("post", stand_in, id="s1", channel="learning-python"),
         event("post", "bob@example.com", id="b1"))
    assert sorted(board(reader)) == sorted([("bob@example.com", 10), (stand_in, 10)])
    # when the directory learns that this Slack id is Ana
    response = admin.client.put("/api/v1/people/ana@example.com", '{"name": "Ana Ruiz", "aliases": [{"source": "slack", "id": "T1:U9"}]}',
                                content_type="application/json", **admin._headers())
    # then her Slack history is hers: points, badge, board place; the stand-in is gone
    assert response.status_code == 200, response.content
    ana = admin.get("/people/ana@example.com").json()
    assert ana["points"] == 10 and [b["id"] for b in ana["badges"]] == ["first-post"]
    assert {"source": "slack", "id": "T1:U9"} in ana["aliases"]
    assert admin.get(f"/people/{stand_in}").status_code == 404
    assert sorted(board(reader)) == [("ana@example.com", 10), ("bob@example.com", 10)]
    # and her next Slack post goes straight to her
    assert resolve("slack", "T1:U9") == "ana@example.com"


def test_an_explicit_merge_moves_the_whole_history_and_the_boards_agree_with_the_ledger(admin, reader):
    # given two records of one person who even commented on each other's posts
    admin.put_yaml("/ruleset", BASIC_RULESET)
    send(admin, event("post", "ana@example.com", id="a1"), event("post", "ana.ruiz@lms.example", id="l1"),
         event("comment", "ana.ruiz@lms.example", id="c1", target={"id": "a1", "author": "ana@example.com"}),
         event("post", "bob@example.com", id="b1"), event("comment", "bob@example.com", id="b2",
                                                          target={"id": "l1", "author": "ana.ruiz@lms.example"}))
    points_before = sum(Award.objects.values_list("points", flat=True))
    both = Person.objects.get(key="ana@example.com").points + Person.objects.get(key="ana.ruiz@lms.example").points
    # when an admin merges the LMS record into ana@example.com
    response = admin.post("/people/ana@example.com/merge", {"from": "ana.ruiz@lms.example"})
    # then one person holds both histories, nothing is counted twice or lost, and the boards match the ledger
    assert response.status_code == 200, response.content
    assert response.json()["points"] == both
    assert sum(Award.objects.values_list("points", flat=True)) == points_before
    assert admin.get("/people/ana.ruiz@lms.example").status_code == 404
    assert dict(board(reader))["ana@example.com"] == both and "ana.ruiz@lms.example" not in dict(board(reader))
    r = get_redis()
    ruleset, _ = active_ruleset()
    assert check_boards(r, ruleset, ledger_batch()).drift == 0
    live = board_snapshot(r)
    rebuild_boards(r, ruleset, ledger_batch())
    assert board_snapshot(r) == live


def test_merges_that_cannot_be_are_refused_with_the_reason(admin):
    admin.put_yaml("/ruleset", BASIC_RULESET)
    send(admin, event("post", "ana@example.com"), event("post", "bob@example.com"))
    assert admin.post("/people/ana@example.com/merge", {"from": "ana@example.com"}).status_code == 422
    assert admin.post("/people/ana@example.com/merge", {"from": "nobody@example.com"}).status_code == 404
    # an alias that belongs to a real person is refused, and the answer says how to merge
    admin.client.put("/api/v1/people/bob@example.com", '{"aliases": [{"source": "lms", "id": "bob-1"}]}',
                     content_type="application/json", **admin._headers())
    taken = admin.client.put("/api/v1/people/ana@example.com", '{"aliases": [{"source": "lms", "id": "bob-1"}]}',
                             content_type="application/json", **admin._headers())
    assert taken.status_code == 409 and "/merge" in taken.json()["message"]

