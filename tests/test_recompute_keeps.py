"""What a recompute keeps: an admin's grants and revocations, and every kept badge's assertion id."""

from __future__ import annotations

import pytest
from django.test import Client

from badges.models import BadgeAudit, BadgeGrant
from engine.recompute import do_recompute
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event

# The two ways to recompute: everything, or from a moment before all of the history here.
RECOMPUTES = [pytest.param({}, id="full"), pytest.param({"since": "2026-01-01T00:00:00+00:00"}, id="since")]


def recompute(how: dict) -> None:
    from datetime import datetime

    do_recompute(**{k: datetime.fromisoformat(v) for k, v in how.items()})


def seed(admin, *events):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def grant(admin, person, badge, tier=None, reason="Peer nomination"):
    return admin.post(f"/people/{person}/badges", {"badge": badge, "tier": tier, "reason": reason})


def revoke(admin, person, badge, tier=None, reason="Spam post"):
    return admin.post(f"/people/{person}/badges/{badge}/revoke", {"tier": tier, "reason": reason})


def held(reader, person) -> dict[str, list[str | None]]:
    return {b["id"]: [e["tier"] for e in b["earned"]] for b in reader.get(f"/people/{person}/badges").json() if b["earned"]}


def assertion(uid, suffix=""):
    return Client().get(f"/openbadges/assertions/{uid}{suffix}")


def comments(n, by="ana@example.com", on="bob@example.com"):
    return [event("comment", by, id=f"c{i}", at=f"2026-11-2{i % 5}T10:00:00+00:00", target={"id": "b1", "author": on})
            for i in range(n)]


@pytest.mark.parametrize("how", RECOMPUTES)
def test_a_recompute_keeps_a_badge_granted_by_hand_and_its_assertion(admin, reader, how):
    # given bob was granted Commenter (Bronze) by hand, which no rule gives him
    seed(admin, event("post", "bob@example.com", id="b1", at="2026-11-20T09:00:00+00:00"))
    given = grant(admin, "bob@example.com", "commenter", "Bronze")
    assert given.status_code == 201, given.json()
    uid = BadgeGrant.objects.get(person__key="bob@example.com", badge_id="commenter").uuid
    before = assertion(uid).json()
    # when
    recompute(how)
    # then he still holds it, granted by hand, and its assertion still verifies
    assert held(reader, "bob@example.com") == {"first-post": [None], "commenter": ["Bronze"]}
    row = BadgeGrant.objects.get(person__key="bob@example.com", badge_id="commenter")
    assert (row.uuid, row.manual, row.reason, row.granted_by) == (uid, True, "Peer nomination", "test admin")
    response = assertion(uid)
    assert response.status_code == 200 and response.json() == before
    assert [a.action for a in BadgeAudit.objects.all()] == ["grant"]


@pytest.mark.parametrize("how", RECOMPUTES)
def test_a_recompute_keeps_the_assertion_ids_of_badges_still_earned(admin, reader, how):
    # given ana earned First Post and both Commenter tiers, and downloaded the baked images
    seed(admin, event("post", "bob@example.com", id="b1", at="2026-11-20T09:00:00+00:00"),
         event("post", "ana@example.com", id="a1", at="2026-11-20T09:30:00+00:00"), *comments(4))
    grants = {(g.badge_id, g.step): g.uuid for g in BadgeGrant.objects.filter(person__key="ana@example.com")}
    assert set(grants) == {("first-post", 0), ("commenter", 0), ("commenter", 1)}
    before = {uid: (assertion(uid).json(), assertion(uid, ".png").content) for uid in grants.values()}
    # when
    recompute(how)
    # then the same badges carry the same ids, and every assertion and baked image still answers
    after = {(g.badge_id, g.step): g.uuid for g in BadgeGrant.objects.filter(person__key="ana@example.com")}
    assert after == grants
    for uid, (body, png) in before.items():
        response = assertion(uid)
        assert response.status_code == 200 and response.json() == body
        assert assertion(uid, ".png").content == png


@pytest.mark.parametrize("how", RECOMPUTES)
def test_a_recompute_does_not_give_back_a_revoked_step(admin, reader, how):
    # given ana's First Post and her Commenter Bronze were revoked, and she then reached Silver
    seed(admin, event("post", "bob@example.com", id="b1", at="2026-11-20T09:00:00+00:00"),
         event("post", "ana@example.com", id="a1", at="2026-11-20T09:30:00+00:00"), *comments(2))
    first_post = BadgeGrant.objects.get(person__key="ana@example.com", badge_id="first-post").uuid
    assert revoke(admin, "ana@example.com", "first-post").status_code == 200
    assert revoke(admin, "ana@example.com", "commenter", "Bronze").status_code == 200
    assert admin.post("/events", [event("comment", "ana@example.com", id=f"d{i}", at="2026-11-26T10:00:00+00:00",
                                        target={"id": "b1", "author": "bob@example.com"}) for i in range(2)]).status_code == 202
    do_score_pending()
    assert held(reader, "ana@example.com") == {"commenter": ["Silver"]}
    # when
    recompute(how)
    # then the revoked steps stay revoked and taken: she holds only Silver, and the old URLs answer 410
    assert held(reader, "ana@example.com") == {"commenter": ["Silver"]}
    rows = {(g.badge_id, g.step): g.revoked for g in BadgeGrant.objects.filter(person__key="ana@example.com")}
    assert rows == {("first-post", 0): True, ("commenter", 0): True, ("commenter", 1): False}
    response = assertion(first_post)
    assert response.status_code == 410 and response.json()["revocationReason"] == "Spam post"
    assert assertion(first_post, ".svg").status_code == 410
    # and no rule gives it back afterwards either
    assert admin.post("/events", [event("post", "ana@example.com", id="a2", at="2026-11-27T10:00:00+00:00")]).status_code == 202
    do_score_pending()
    assert held(reader, "ana@example.com") == {"commenter": ["Silver"]}


def test_a_recompute_counts_a_team_movers_past_points_for_their_current_team(admin, reader):
    # given ana posted for Data, then moved to Sales and posted again
    seed(admin, event("post", {"id": "ana@example.com", "team": "Data"}, id="a1", at="2026-11-20T10:00:00+00:00"))
    send = admin.post("/events", [event("post", {"id": "ana@example.com", "team": "Sales"}, id="a2",
                                        at="2026-11-21T10:00:00+00:00")])
    assert send.status_code == 202
    do_score_pending()

    def team_boards():
        return {team: [(e["person"], e["points"]) for e in reader.get("/leaderboards/teams", scope=team).json()["entries"]]
                for team in ("Data", "Sales")}

    # scoring keeps each award with the team of its day
    assert team_boards() == {"Data": [("ana@example.com", 10)], "Sales": [("ana@example.com", 10)]}
    # when
    recompute({})
    # then a rescore counts every award for the team she is in now (docs/leaderboards.md)
    assert team_boards() == {"Data": [], "Sales": [("ana@example.com", 20)]}


def test_below_0_points_there_is_no_level_and_next_level_is_the_first(admin, reader):
    # given a ruleset that takes points away, and ana below 0 points
    assert admin.put_yaml("/ruleset", BASIC_RULESET.replace("points: 1}\n", "points: -15}\n", 1)).status_code == 200
    assert admin.post("/events", [event("post", "bob@example.com", id="b1"),
                                  event("reaction", "bob@example.com", id="r1",
                                        target={"id": "x1", "author": "ana@example.com"})]).status_code == 202
    do_score_pending()
    # when
    ana = reader.get("/people/ana@example.com").json()
    # then (docs/badges.md)
    assert ana["points"] == -15 and ana["level"] is None
    assert ana["next_level"] == {"name": "Newcomer", "min_points": 0, "points_needed": 15, "progress": 0.0}
