"""Reciprocal rings at GET /insights/integrity: pairs and small groups whose points mostly come from each other."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event

MONTH = {"from": "2026-11-01", "until": "2026-12-01"}
_posts = itertools.count(1)


def send(admin, events):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    response = admin.post("/events", events)
    assert response.status_code == 202, response.json()
    do_score_pending()


def likes(giver, receiver, n, at="2026-11-25T10:00:00+00:00"):
    """`giver` likes n different posts of `receiver`: the `liked` rule gives the receiver 1 point each."""
    return [event("reaction", giver, at=at, target={"id": f"post-{next(_posts)}", "author": receiver}) for _ in range(n)]


def integrity(admin, **params):
    response = admin.get("/insights/integrity", **{**MONTH, **params})
    assert response.status_code == 200, response.json()
    return response.json()


def members(body):
    return [ring["members"] for ring in body["rings"]]


def test_a_pair_liking_each_other_is_listed_with_points_and_evidence(admin):
    # given ana and bob like each other's posts 8 times, bob also comments twice on ana's posts a day later,
    # and carol likes ana's posts twice
    comments = [event("comment", "bob@x", text="nice", target={"id": f"c-{i}", "author": "ana@x"},
                      at="2026-11-26T09:00:00+01:00") for i in range(2)]
    between = likes("ana@x", "bob@x", 8) + likes("bob@x", "ana@x", 8) + comments
    send(admin, between + likes("carol@x", "ana@x", 2))
    # when
    body = integrity(admin)
    # then one ring: ana gets 10 of 12 points from bob, bob all of his 8 from ana
    assert body["window"] == {"from": "2026-11-01", "until": "2026-12-01", "timezone": "Europe/Berlin"}
    assert body["thresholds"]["min_share"] == 0.5 and body["thresholds"]["min_awards"] == 5
    [ring] = body["rings"]
    assert ring["members"] == ["ana@x", "bob@x"] and ring["size"] == 2
    assert ring["points_within"] == 18 and ring["points_received_total"] == 20 and ring["awards_within"] == 18
    assert ring["share"] == 0.9
    # the comments' own 2 points to bob are his, not a gift, so they are not in the evidence
    assert ring["evidence"] == [
        {"from": "bob@x", "to": "ana@x", "points": 10, "awards": 10, "rules": {"liked": 8, "comment": 2},
         "first": "2026-11-25T10:00:00Z", "last": "2026-11-26T08:00:00Z"},
        {"from": "ana@x", "to": "bob@x", "points": 8, "awards": 8, "rules": {"liked": 8},
         "first": "2026-11-25T10:00:00Z", "last": "2026-11-25T10:00:00Z"},
    ]
    # and up to five of the events between them, never carol's
    assert len(set(ring["example_events"])) == 5 and set(ring["example_events"]) <= {e["id"] for e in between}


def test_organic_activity_among_many_people_is_no_ring(admin):
    # given eight people who each like every other one's posts 5 times
    people = [f"p{i}@x" for i in range(8)]
    send(admin, [e for giver in people for receiver in people if giver != receiver for e in likes(giver, receiver, 5)])
    # when / then: everyone gets 1/7 of their points from each colleague, so no group of up to 4 reaches half
    body = integrity(admin)
    assert body["rings"] == [] and body["complete"] is True


def test_a_pair_that_gets_most_points_from_elsewhere_is_no_ring(admin):
    # given ana and bob like each other 5 times, but ana gets 20 more likes from cat, who likes only dan back and forth
    send(admin, likes("ana@x", "bob@x", 5) + likes("bob@x", "ana@x", 5) + likes("cat@x", "ana@x", 20)
         + likes("cat@x", "dan@x", 6) + likes("dan@x", "cat@x", 6))
    # then ana's 5 of 25 from bob is no ring; cat and dan are
    assert members(integrity(admin)) == [["cat@x", "dan@x"]]


def test_a_three_person_ring_is_listed_once_and_not_as_its_pairs(admin):
    # given a, b and c like each other 6 times each way (b and c alone would reach half),
    # an outsider likes a twice, and x and y like only each other
    trio = ["a@x", "b@x", "c@x"]
    events = [e for g in trio for r in trio if g != r for e in likes(g, r, 6)]
    send(admin, events + likes("out@x", "a@x", 2) + likes("x@x", "y@x", 5) + likes("y@x", "x@x", 5))
    # when
    body = integrity(admin)
    # then the exclusive pair comes first (share 1.0), then the trio; no pair of the trio on its own
    assert members(body) == [["x@x", "y@x"], ["a@x", "b@x", "c@x"]]
    trio_ring = body["rings"][1]
    assert trio_ring["size"] == 3 and trio_ring["points_within"] == 36 and trio_ring["points_received_total"] == 38
    assert trio_ring["share"] == 0.95 and len(trio_ring["evidence"]) == 6
    assert {(e["from"], e["to"], e["points"]) for e in trio_ring["evidence"]} == {
        (g, r, 6) for g in trio for r in trio if g != r}


def test_a_one_way_cycle_of_three_is_a_ring_too(admin):
    # given a likes b, b likes c, c likes a, 7 times each, and nobody else gives them points
    send(admin, likes("a@x", "b@x", 7) + likes("b@x", "c@x", 7) + likes("c@x", "a@x", 7))
    # then the cycle is one ring although no pair likes both ways
    [ring] = integrity(admin)["rings"]
    assert ring["members"] == ["a@x", "b@x", "c@x"] and ring["points_within"] == 21 and ring["share"] == 1.0


def test_thresholds_change_the_result(admin):
    # given ana and bob like each other 8 times; carol gives ana 4 points (ana: 8 of 12 from bob);
    # and eight colleagues who like each other 5 times each way
    people = [f"p{i}@x" for i in range(8)]
    organic = [e for g in people for r in people if g != r for e in likes(g, r, 5)]
    send(admin, likes("ana@x", "bob@x", 8) + likes("bob@x", "ana@x", 8) + likes("carol@x", "ana@x", 4) + organic)
    # then the defaults find the pair only
    assert members(integrity(admin)) == [["ana@x", "bob@x"]]
    # a share above ana's 0.67, or more awards than the 8 each way, leave it out
    assert integrity(admin, min_share=0.7)["rings"] == []
    assert integrity(admin, min_awards=9)["rings"] == []
    assert members(integrity(admin, min_awards=8, min_share=0.66)) == [["ana@x", "bob@x"]]
    # a low share makes every four colleagues (15 of their 35 points from each other) look like a ring
    low = integrity(admin, min_share=0.4)
    assert low["rings"][0]["members"] == ["ana@x", "bob@x"]
    assert low["rings_found"] == 1 + 70 and len(low["rings"]) == 50  # C(8, 4) groups found, 50 listed at most
    assert {tuple(r["members"]) for r in low["rings"][1:]} < set(itertools.combinations(people, 4))
    assert low["thresholds"]["min_share"] == 0.4


def test_undone_reactions_do_not_count(admin):
    # given ana and bob like each other 8 times, then bob takes back 5 of his likes
    bob_likes = likes("bob@x", "ana@x", 8)
    undos = [{"id": f"undo-{e['id']}", "type": "undo", "occurred_at": "2026-11-25T11:00:00+00:00", "actor": "bob@x",
              "target": {"id": e["id"]}} for e in bob_likes[:5]]
    send(admin, likes("ana@x", "bob@x", 8) + bob_likes + undos)
    # then bob gave ana only 3 likes: under the 5 awards each way needed
    assert integrity(admin)["rings"] == []
    # and with a lower bar the pair shows only what still counts
    [ring] = integrity(admin, min_awards=3)["rings"]
    assert {(e["from"], e["points"], e["awards"]) for e in ring["evidence"]} == {("bob@x", 3, 3), ("ana@x", 8, 8)}
    assert ring["points_within"] == 11 and ring["points_received_total"] == 11
    assert not set(ring["example_events"]) & {e["id"] for e in bob_likes[:5] + undos}


def test_the_window_counts_events_by_when_they_occurred(admin):
    # given a pair that liked each other two days ago
    recent = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    send(admin, likes("ana@x", "bob@x", 6, at=recent) + likes("bob@x", "ana@x", 6, at=recent))
    # when no window is given, the last 30 days count
    default = admin.get("/insights/integrity").json()
    assert members(default) == [["ana@x", "bob@x"]]
    start, end = (datetime.fromisoformat(default["window"][k]) for k in ("from", "until"))
    assert (end - start).days == 30
    # and a window that ends before the likes (until is exclusive) finds nothing
    day = datetime.fromisoformat(recent).date()
    assert integrity(admin, **{"from": str(day - timedelta(days=10)), "until": str(day - timedelta(days=1))})["rings"] == []


def test_window_dates_are_days_in_the_ruleset_timezone(admin):
    # given likes on Sunday 23:30 UTC, which is already Monday 00:30 in Berlin
    at = "2026-11-22T23:30:00+00:00"
    send(admin, likes("ana@x", "bob@x", 5, at=at) + likes("bob@x", "ana@x", 5, at=at))
    # then they count on Monday
    assert integrity(admin, **{"from": "2026-11-16", "until": "2026-11-23"})["rings"] == []
    assert members(integrity(admin, **{"from": "2026-11-23", "until": "2026-11-24"})) == [["ana@x", "bob@x"]]


def test_only_admins_may_see_rings(admin, reader, anonymous):
    # when / then
    forbidden = reader.get("/insights/integrity")
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"
    assert anonymous.get("/insights/integrity").status_code == 401


def test_bad_ranges_and_thresholds_get_422(admin):
    # given
    cases = {
        "reversed": {"from": "2026-11-20", "until": "2026-11-10"},
        "empty": {"from": "2026-11-10", "until": "2026-11-10"},
        "too long": {"from": "2025-01-01", "until": "2026-01-03"},
        "not a date": {"from": "last week"},
        "before the calendar": {"until": "0001-01-05"},
        "share above 1": {"min_share": "1.5"},
        "share below 0": {"min_share": "-0.1"},
        "no awards": {"min_awards": "0"},
    }
    for name, params in cases.items():
        # when
        response = admin.get("/insights/integrity", **params)
        # then
        assert response.status_code == 422, (name, response.json())
        assert response.json()["error"] in ("invalid_range", "validation_error") and response.json()["message"], name
    assert "before" in admin.get("/insights/integrity", **cases["reversed"]).json()["message"]
    assert "366 days" in admin.get("/insights/integrity", **cases["too long"]).json()["message"]
    # while a full year is fine
    assert admin.get("/insights/integrity", **{"from": "2025-01-01", "until": "2026-01-01"}).status_code == 200


def test_the_bounded_search_finds_exactly_the_rings_the_definition_describes():
    # given random small graphs of flows, and a naive check of every group of 2 to 4 people
    import random

    from insights.integrity import Flow, find_rings

    def naive(flows, min_share, min_awards):
        received, strong = {}, {}
        for f in flows:
            received[f.receiver] = received.get(f.receiver, 0) + f.points
            if f.awards >= min_awards:
                strong[(f.giver, f.receiver)] = f.points

        def reach(group, start):
            seen, todo = {start}, [start]
            while todo:
                v = todo.pop()
                for w in group:
                    if (v, w) in strong and w not in seen:
                        seen.add(w)
                        todo.append(w)
            return seen

        people = sorted(received.keys() | {f.giver for f in flows})
        rings = []
        for size in (2, 3, 4):
            for group in itertools.combinations(people, size):
                within = {v: sum(strong.get((u, v), 0) for u in group) for v in group}
                if all(within[v] and within[v] >= min_share * received[v] for v in group) and \
                        all(reach(group, v) == set(group) for v in group):
                    rings.append(group)
        return sorted(r for r in rings if not any(set(r) < set(other) for other in rings))

    for seed in range(300):
        rnd = random.Random(seed)
        people = [f"p{i}" for i in range(rnd.randint(2, 8))]
        density = rnd.choice([0.2, 0.5, 0.9])
        flows = []
        for giver, receiver in itertools.permutations(people, 2):
            if rnd.random() < density:
                n = rnd.randint(1, 9)
                flows.append(Flow(giver, receiver, n * rnd.randint(1, 3), n))
        min_share, min_awards = rnd.choice([0.0, 0.3, 0.5, 0.7]), rnd.choice([1, 3, 5])
        # when
        result = find_rings(flows, min_share=min_share, min_awards=min_awards)
        # then
        assert result.complete
        assert sorted(r.members for r in result.rings) == naive(flows, min_share, min_awards), seed


def test_the_search_stops_at_its_work_budget():
    # given 60 people who all like each other: every group of up to 4 is connected
    from insights.integrity import Flow, find_rings

    flows = [Flow(f"p{a}", f"p{b}", 5, 5) for a in range(60) for b in range(60) if a != b]
    # when nothing filters them out
    result = find_rings(flows, min_share=0.0, min_awards=1, budget=5_000)
    # then the search stops near the budget and says it is incomplete
    assert not result.complete and 5_000 <= result.work < 5_000 + 2 * 60
