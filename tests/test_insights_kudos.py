"""GET /insights/kudos and the dashboard's kudos section, against figures worked out by hand on a
small company (Europe/Berlin weeks): per value, per team (given and received, and between teams),
givers and receivers per week; undone kudos leave every figure; opted-out people are never named."""

from __future__ import annotations

import re

import pytest

from base.accept import do_accept_events
from base.models import Person
from rulesets.active import do_activate_ruleset
from tests.helpers import BASIC_RULESET, event
from tests.web_seed import make_user, signed_in, text

WEEKS = {"interval": "week", "from": "2026-11-23", "until": "2026-12-07"}
PEOPLE = {"ana@x": "Data", "bob@x": "Data", "cat@x": "Sales", "dan@x": "Sales"}


def kudos(id_, giver, receivers, at, *values, text="Thank you!"):
    return event("kudos", giver, id=id_, at=at, mentions=list(receivers), hashtags=list(values), text=text)


def company() -> list[dict]:
    """Week 47 (previous): ana thanks bob for #teamwork. Week 48 (23-29 Nov): ana thanks bob and cat
    (#teamwork #craft), cat thanks ana (#teamwork), dan thanks cat (#curiosity) and takes it back.
    Week 49 starts at midnight in Berlin: bob's kudos at 23:30 UTC on Sunday 29 Nov is Monday there
    (#Craft); cat thanks dan without a value. A post with #teamwork is not a kudos."""
    joins = [event("join", {"id": key, "name": key.split("@")[0].title(), "team": team}, at="2026-11-01T09:00:00Z")
             for key, team in PEOPLE.items()]
    return joins + [
        kudos("k0", "ana@x", ["bob@x"], "2026-11-17T10:00:00Z", "teamwork"),
        kudos("k1", "ana@x", ["bob@x", "cat@x"], "2026-11-23T09:00:00Z", "teamwork", "craft"),
        kudos("k2", "cat@x", ["ana@x"], "2026-11-24T09:00:00Z", "teamwork"),
        kudos("k3", "dan@x", ["cat@x"], "2026-11-25T09:00:00Z", "curiosity"),
        event("undo", "dan@x", at="2026-11-25T09:05:00Z", target={"id": "k3"}),
        kudos("k4", "bob@x", ["dan@x"], "2026-11-29T23:30:00Z", "Craft"),
        kudos("k5", "cat@x", ["dan@x"], "2026-12-02T09:00:00Z"),
        event("post", "ana@x", at="2026-11-26T09:00:00Z", text="Go team #teamwork"),
    ]


@pytest.fixture(autouse=True)
def settled_event_numbers(monkeypatch):
    """Every event here is committed before it is read (see tests/test_web_insights_page.py)."""
    from insights import rollup

    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


@pytest.fixture
def world(db, redis):
    do_activate_ruleset(BASIC_RULESET, activated_by="test", note="first")
    do_accept_events(company())


def test_givers_and_receivers_per_week_with_the_totals(world, admin):
    response = admin.get("/insights/kudos", **WEEKS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["until"], body["interval"], body["timezone"]) == \
        ("2026-11-23", "2026-12-07", "week", "Europe/Berlin")
    periods = {p["period"]: p for p in body["periods"]}
    assert list(periods) == ["2026-W48", "2026-W49"]
    # week 48: k1 (to two people) and k2; k3 was undone
    assert {k: periods["2026-W48"][k] for k in ("kudos", "receipts", "givers", "receivers")} == \
        {"kudos": 2, "receipts": 3, "givers": 2, "receivers": 3}
    # week 49: bob's kudos counts on Monday in Berlin, and cat's
    assert {k: periods["2026-W49"][k] for k in ("kudos", "receipts", "givers", "receivers")} == \
        {"kudos": 2, "receipts": 2, "givers": 2, "receivers": 1}
    # people once over the whole range; receipts to someone of another team than the giver's
    assert body["totals"] == {"kudos": 4, "receipts": 5, "givers": 3, "receivers": 4, "across_teams": 3,
                              "across_teams_share": 0.6}


def test_per_value_with_the_same_number_of_days_before(world, admin):
    values = admin.get("/insights/kudos", **WEEKS).json()["values"]
    assert values == [
        # values compare case-insensitively; an undone kudos's value is gone; a post's hashtag is not a value
        {"value": "craft", "kudos": 2, "givers": 2, "receivers": 3, "previous": 0, "change": 2},
        {"value": "teamwork", "kudos": 2, "givers": 2, "receivers": 3, "previous": 1, "change": 1},
    ]


def test_the_rulesets_values_no_kudos_named_are_listed_with_zero(world, admin):
    ruleset = BASIC_RULESET.replace("badges:\n", "kudos:\n  allowance: {amount: 5, per: week}\n"
                                    "  values: [Teamwork, craft, sharing]\nbadges:\n")
    do_activate_ruleset(ruleset, activated_by="test", note="kudos")
    values = {v["value"]: v for v in admin.get("/insights/kudos", **WEEKS).json()["values"]}
    assert list(values) == ["craft", "teamwork", "sharing"]
    assert values["sharing"] == {"value": "sharing", "kudos": 0, "givers": 0, "receivers": 0, "previous": 0, "change": 0}


def test_per_team_given_received_and_between_teams(world, admin):
    body = admin.get("/insights/kudos", **WEEKS).json()
    assert body["teams"] == [
        {"team": "Data", "given": 2, "received": 2, "givers": 2, "receivers": 2},
        {"team": "Sales", "given": 2, "received": 3, "givers": 1, "receivers": 2},
    ]
    assert body["between_teams"] == [
        {"from_team": "Data", "to_team": "Sales", "receipts": 2},
        {"from_team": "Data", "to_team": "Data", "receipts": 1},
        {"from_team": "Sales", "to_team": "Data", "receipts": 1},
        {"from_team": "Sales", "to_team": "Sales", "receipts": 1},
    ]


def test_teams_are_the_directorys_current_teams(world, admin):
    Person.objects.filter(key="dan@x").update(team="Data")
    teams = {t["team"]: t for t in admin.get("/insights/kudos", **WEEKS).json()["teams"]}
    assert teams["Data"]["received"] == 4 and teams["Sales"]["received"] == 1


def test_no_person_is_named_so_opting_out_hides_nobody_and_changes_no_count(world, admin):
    before = admin.get("/insights/kudos", **WEEKS).json()
    Person.objects.filter(key="cat@x").update(public=False)
    after = admin.get("/insights/kudos", **WEEKS).json()
    assert after == before
    assert "@x" not in str(after)


def test_only_admins_read_it(world, reader, anonymous):
    assert reader.get("/insights/kudos", **WEEKS).status_code == 403
    assert anonymous.get("/insights/kudos", **WEEKS).status_code == 401


@pytest.mark.parametrize("params, code, names", [
    ({"from": "2026-12-07", "until": "2026-11-23"}, "invalid_range", "`from`"),
    ({"from": "2025-01-01", "until": "2026-12-07"}, "invalid_range", "400 days"),
    ({"interval": "year"}, "validation_error", "interval"),
    ({"from": "yesterday"}, "validation_error", "from"),
])
def test_bad_input_is_a_422_naming_what_to_fix(world, admin, params, code, names):
    response = admin.get("/insights/kudos", **params)
    assert response.status_code == 422
    assert response.json()["error"] == code and names in str(response.json())


def test_without_kudos_every_figure_is_zero(db, redis, admin):
    body = admin.get("/insights/kudos", **WEEKS).json()
    assert body["totals"]["kudos"] == 0 and body["totals"]["across_teams_share"] is None
    assert [p["kudos"] for p in body["periods"]] == [0, 0] and body["values"] == [] and body["teams"] == []


def test_the_dashboard_shows_kudos_per_value_team_and_week_without_script(world):
    make_user("boss", admin=True)
    response = signed_in("boss").get("/admin-area/insights", {**WEEKS, "group": "all"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h2 id="kudos-h">Kudos</h2>' in page
    assert "Kudos givers and receivers, per week" in page and "<script" not in page
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<tr><th scope="row">([^<]+)</th>\s*<td class="num">(\d+)', page)}
    assert rows["craft"] == "2" and rows["teamwork"] == "2"
    assert rows["Week 48 (Nov 23\u2009–\u200929)"] == "2" and rows["Week 49 (Nov 30\u2009–\u2009Dec 6)"] == "2"
    words = text(response)
    assert "Data → Sales" in words and "3 of 5 kudos received (60%) crossed teams" in words
