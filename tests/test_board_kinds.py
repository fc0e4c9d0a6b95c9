"""Seasons, boards of teams (total and per member), and roles kept off boards."""

from __future__ import annotations

import io

from django.core.management import call_command

from engine.scoring import do_score_pending
from tests.helpers import event, yaml

RULESET = yaml("""
    ruleset: kinds
    timezone: Europe/Berlin
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
    seasons:
      - {id: autumn-2026, name: Autumn 2026, from: 2026-09-01, until: 2026-12-01}
      - {id: winter-2026, from: 2026-12-01, until: 2027-03-01}
    leaderboards:
      - id: all-time
        exclude_roles: [facilitator]
      - {id: season, period: season}
      - {id: teams, aggregate: team}
      - {id: teams-fair, aggregate: team, rank_by: per_member}
""")


def seed(admin, *events):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200, admin.put_yaml("/ruleset", RULESET).json()
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def entries(reader, board, **params):
    body = reader.get(f"/leaderboards/{board}", limit=100, **params).json()
    return [(e["rank"], e["person"], e["points"]) for e in body["entries"]]


def test_season_boards_count_their_dates_and_stay_as_archives(admin, reader):
    # given posts in autumn (Berlin time) and in winter
    seed(admin,
         event("post", "ana@example.com", at="2026-11-30T22:30:00+00:00"),  # 23:30 in Berlin: still autumn
         event("post", "bob@example.com", at="2026-11-30T23:30:00+00:00"),  # 00:30 on 1 December: winter
         event("post", "bob@example.com", at="2026-12-02T10:00:00+00:00"))
    # then
    assert entries(reader, "season", period="autumn-2026") == [(1, "ana@example.com", 10)]
    assert entries(reader, "season", period="winter-2026") == [(1, "bob@example.com", 20)]
    bad = reader.get("/leaderboards/season", period="spring")
    assert bad.status_code == 422 and "autumn-2026" in bad.json()["message"]


def test_a_season_board_needs_seasons(admin):
    response = admin.put_yaml("/ruleset", "ruleset: x\nleaderboards:\n  - {id: s, period: season}\n")
    assert response.status_code == 422
    assert response.json()["details"][0]["path"] == "leaderboards[0].period"


def test_overlapping_seasons_are_refused(admin):
    text = yaml("""
        ruleset: x
        seasons:
          - {id: a, from: 2026-01-01, until: 2026-06-01}
          - {id: b, from: 2026-05-01, until: 2026-09-01}
    """)
    response = admin.put_yaml("/ruleset", text)
    assert response.status_code == 422 and "overlaps" in response.json()["details"][0]["message"]


def test_team_boards_rank_teams_by_total_or_per_member(admin, reader):
    # given a big team with more points in all and a small team with more per member
    big = [f"big{i}@example.com" for i in range(4)]
    posts = [event("post", {"id": p, "team": "Big"}) for p in big]  # 40 points over 4 people
    posts += [event("post", {"id": "solo@example.com", "team": "Small"}) for _ in range(3)]  # 30 points, 1 person
    seed(admin, *posts)
    # then by total the big team wins; per member the small one does
    assert entries(reader, "teams") == [(1, "Big", 40), (2, "Small", 30)]
    fair = reader.get("/leaderboards/teams-fair").json()["entries"]
    assert [(e["rank"], e["person"], e["members"], e["per_member"]) for e in fair] == [
        (1, "Small", 1, 30.0), (2, "Big", 4, 10.0)]


def test_boards_can_keep_a_role_off_and_the_person_still_sees_their_rank(admin, reader):
    # given a facilitator who posts the most
    seed(admin, event("post", "fac@example.com"), event("post", "fac@example.com"), event("post", "ana@example.com"))
    # when an admin gives them the facilitator role
    assert admin.patch("/people/fac@example.com", {"role": "facilitator"}).json()["role"] == "facilitator"
    # then they leave the board that excludes the role, and no other
    assert entries(reader, "all-time") == [(1, "ana@example.com", 10)]
    assert [p for _, p, _ in entries(reader, "season", period="autumn-2026")] == ["fac@example.com", "ana@example.com"]
    ranks = {r["board"]: r for r in reader.get("/people/fac@example.com").json()["ranks"]}
    assert ranks["all-time"]["rank"] == 1 and ranks["all-time"]["public"] is False
    # and new points keep them off; a drift check agrees with where they are
    admin.post("/events", [event("post", "fac@example.com")])
    do_score_pending()
    assert entries(reader, "all-time") == [(1, "ana@example.com", 10)]
    out = io.StringIO()
    call_command("leaderboards", "check", stdout=out)
    assert "drift 0" in out.getvalue()
    # until the role is cleared
    admin.patch("/people/fac@example.com", {"role": ""})
    assert entries(reader, "all-time")[0] == (1, "fac@example.com", 30)
