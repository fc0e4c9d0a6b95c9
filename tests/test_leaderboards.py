"""Boards through the API: tie-breaks, periods, scopes, rules filters, opt-out; facts carried across batches."""

from __future__ import annotations

from django.test import override_settings

from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event


def setup_ruleset(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200


def send(admin, *events):
    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def ranking(reader, board="all-time", **params):
    body = reader.get(f"/leaderboards/{board}", limit=100, **params).json()
    return [(e["rank"], e["person"], e["points"]) for e in body["entries"]]


def test_equal_points_rank_whoever_reached_them_first(admin, reader):
    # given zoe reaches 10 points before amy; then both sit at 10
    setup_ruleset(admin)
    send(admin, event("post", "zoe@x", at="2026-11-24T09:00:00+00:00"),
         event("post", "amy@x", at="2026-11-24T08:00:00+00:00"))
    # then acceptance order decides, not occurred_at and not the name
    assert ranking(reader) == [(1, "zoe@x", 10), (2, "amy@x", 10)]


def test_equal_points_reached_by_one_event_rank_by_person_id(admin, reader):
    # given one shoutout gives two people 25 points at once
    setup_ruleset(admin)
    send(admin, event("shoutout", "boss@x", text="congrats @zed@example.com and @abe@example.com #certification"))
    # then the person id breaks the tie
    assert ranking(reader)[:2] == [(1, "abe@example.com", 25), (2, "zed@example.com", 25)]


def test_a_later_change_moves_a_person_behind_others_with_the_same_total(admin, reader):
    # given amy and zoe both have 10; amy gains and loses points again
    setup_ruleset(admin)
    send(admin, event("post", "amy@x", id="p1"), event("post", "zoe@x", id="p2"))
    send(admin, event("reaction", "bob@x", id="r1", target={"id": "p1", "author": "amy@x"}))
    send(admin, {"id": "u1", "type": "undo", "occurred_at": "2026-11-25T11:00:00+00:00", "actor": "bob@x",
                 "target": {"id": "r1"}})
    # then amy reached 10 again after zoe did
    assert ranking(reader)[:2] == [(1, "zoe@x", 10), (2, "amy@x", 10)]


def test_weekly_boards_count_the_period_in_the_ruleset_timezone(admin, reader):
    # given a post at Sunday 23:30 UTC, which is Monday 00:30 in Berlin (week 49)
    setup_ruleset(admin)
    send(admin, event("post", "ana@x", at="2026-11-29T23:30:00+00:00"), event("post", "ben@x", at="2026-11-29T10:00:00+00:00"))
    # then each week has its own board
    assert ranking(reader, "weekly", period="2026-W49") == [(1, "ana@x", 10)]
    assert ranking(reader, "weekly", period="2026-W48") == [(1, "ben@x", 10)]


def test_scoped_boards_have_one_board_per_channel_and_team(admin, reader):
    # given posts in two channels by people of two teams
    setup_ruleset(admin)
    send(admin,
         event("post", {"id": "ana@x", "team": "Data"}, channel="python"),
         event("post", {"id": "ana@x", "team": "Data"}, channel="cloud"),
         event("post", {"id": "ben@x", "team": "Sales"}, channel="python"))
    # then
    assert ranking(reader, "channels", scope="python", period="2026-11") == [(1, "ana@x", 10), (2, "ben@x", 10)]
    assert ranking(reader, "channels", scope="cloud", period="2026-11") == [(1, "ana@x", 10)]
    assert ranking(reader, "teams", scope="Sales") == [(1, "ben@x", 10)]
    missing_scope = reader.get("/leaderboards/channels")
    assert missing_scope.status_code == 422 and "scope" in missing_scope.json()["message"]


def test_a_rules_filter_counts_only_those_rules(admin, reader):
    # given ana posts and bob comments on it
    setup_ruleset(admin)
    send(admin, event("post", "ana@x", id="p1"),
         event("comment", "bob@x", target={"id": "p1", "author": "ana@x"}, text="nice"))
    # then the posting board only counts the post rule
    assert ranking(reader, "posting") == [(1, "ana@x", 10)]
    assert ranking(reader) == [(1, "ana@x", 11), (2, "bob@x", 2)]


def test_opted_out_people_leave_every_public_board_and_still_see_their_rank(admin, reader):
    # given three people with different totals
    setup_ruleset(admin)
    send(admin, event("post", "top@x"), event("post", "top@x"), event("post", "mid@x"),
         event("comment", "low@x", target={"id": "zz", "author": "mid@x"}, text="hi"))
    # when the top person opts out
    assert admin.patch("/people/top@x", {"public": False}).status_code == 200
    # then the public boards skip them and everyone moves up
    assert ranking(reader) == [(1, "mid@x", 11), (2, "low@x", 2)]
    assert ranking(reader, "weekly", period="2026-W48") == [(1, "mid@x", 11), (2, "low@x", 2)]
    me = reader.get("/people/top@x").json()
    assert {"board": "all-time", "period": "all", "scope": None, "rank": 1, "points": 20, "public": False} in me["ranks"]
    # and new points keep them off the boards, in every public set in Redis too
    send(admin, event("post", "top@x"))
    assert [p for _, p, _ in ranking(reader)] == ["mid@x", "low@x"]
    from base.redis import get_redis

    r = get_redis()
    public_sets = [k for k in r.scan_iter(match="plaudit:lb:*") if r.type(k) == b"zset" and not k.endswith(b":hidden")]
    assert public_sets and all(r.zscore(k, "top@x") is None for k in public_sets)
    # until they opt back in
    admin.patch("/people/top@x", {"public": True})
    assert ranking(reader)[0] == (1, "top@x", 30)


def test_around_me_returns_the_neighbours_of_a_person(admin, reader):
    # given 30 people with distinct totals
    setup_ruleset(admin)
    posts = []
    for i in range(30):
        posts += [event("comment", f"p{i:02d}@x", text="hi") for _ in range(i + 1)]
    send(admin, *posts)
    # when
    body = reader.get("/leaderboards/all-time", around="p10@x", limit=5).json()
    # then the page is centred on the person
    assert body["me"]["person"] == "p10@x" and body["me"]["rank"] == 20
    assert [e["rank"] for e in body["entries"]] == [18, 19, 20, 21, 22]


@override_settings(SCORER_BATCH_SIZE=2)
def test_caps_and_badge_counts_carry_across_batches(admin, reader):
    # given posts scored two per batch, so every fact comes back from the ledger
    setup_ruleset(admin)
    send(admin, *[event("post", "ana@x", at=f"2026-11-25T1{i}:00:00+00:00") for i in range(5)],
         *[event("comment", "ana@x", target={"id": "x", "author": "bob@x"}, text="hi") for _ in range(4)])
    # then the daily cap of 3 held, and the comment badge reached its second tier once
    person = reader.get("/people/ana@x").json()
    assert person["points"] == 3 * 10 + 4 * 2
    assert [(b["id"], b["tier"]) for b in person["badges"]] == [("first-post", None), ("commenter", "Bronze"), ("commenter", "Silver")]
    assert person["level"]["name"] == "Contributor"


def test_a_new_ruleset_takes_effect_even_when_its_version_id_was_used_before(admin, reader):
    # given a ruleset activated and rolled back, so its version id is free again
    from django.db import transaction

    from rulesets.active import active_ruleset, do_activate_ruleset

    try:
        with transaction.atomic():
            do_activate_ruleset(BASIC_RULESET)
            assert active_ruleset()[0].name == "basic"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    # when another ruleset is activated
    other = BASIC_RULESET.replace("ruleset: basic", "ruleset: other")
    assert admin.put_yaml("/ruleset", other).status_code == 200
    # then it is the one in force
    assert active_ruleset()[0].name == "other"


def test_a_new_display_name_shows_on_the_board(admin, reader, django_capture_on_commit_callbacks):
    # given ana on the board under her first name
    setup_ruleset(admin)
    send(admin, event("post", {"id": "ana@example.com", "name": "Ana"}))
    assert reader.get("/leaderboards/all-time").json()["entries"][0]["name"] == "Ana"
    # when an event carries her new name (its cached name is dropped once the batch commits)
    with django_capture_on_commit_callbacks(execute=True):
        send(admin, event("post", {"id": "ana@example.com", "name": "Ana Ruiz"}))
    # then the board shows it
    assert reader.get("/leaderboards/all-time").json()["entries"][0]["name"] == "Ana Ruiz"
    # and when an admin changes it
    admin.patch("/people/ana@example.com", {"name": "Ana R."})
    assert reader.get("/leaderboards/all-time").json()["entries"][0]["name"] == "Ana R."
