"""Every CSV the product writes keeps spreadsheets from running its cells as formulas (OWASP's
CSV injection): a text cell starting with = + - @ tab or CR gets a leading single quote; numbers
stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import BASIC_RULESET, event
from tests.web_seed import make_user, signed_in

WEEKS = {"interval": "week", "from": "2026-11-23", "until": "2026-12-07"}
FORMULAS = ["=2+5", "+cmd", "-1+1", "@SUM(A1:A2)", "\tTAB", "\rCR"]


@pytest.fixture(autouse=True)
def settled_event_numbers(monkeypatch):
    """Every event here is committed before it is read: on PostgreSQL the event numbers start past 1
    (sequences are not rolled back), and the rollups would otherwise wait out GAP_SETTLE_S."""
    from insights import rollup

    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


@pytest.fixture
def formula_community(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    events = []
    for i, text in enumerate(FORMULAS):
        actor = {"id": f"{text}{i}@x".replace("\t", "t").replace("\r", "r") if i < 4 else f"p{i}@x", "team": text}
        events.append(event("post", actor, id=f"p{i}", at=f"2026-11-2{4 + i % 3}T09:00:00Z", text=text,
                            channel=text, program=text))
        events.append(event("reaction", {"id": "fan@x"}, at=f"2026-11-2{4 + i % 3}T10:00:00Z", channel=text,
                            program=text, target={"id": f"p{i}", "author": actor["id"]}))
    response = admin.post("/events", events)
    assert response.status_code == 202, response.json()
    return admin


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


def _is_formula(cell: str) -> bool:
    """A text cell a spreadsheet would run: numbers (a change of -1, say) are numbers."""
    try:
        float(cell)
        return False
    except ValueError:
        return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("group", ["channel", "program", "team"])
def test_the_engagement_table_neutralises_formula_cells(formula_community, reader, group):
    # when
    rows = _rows(reader.get("/insights/engagement", group=group, **WEEKS, format="csv"))
    # then: no cell starts a formula, and the names are kept behind the quote
    groups = {r["group"] for r in rows}
    assert {f"'{text}" for text in FORMULAS} <= groups, groups
    for row in rows:
        assert not any(_is_formula(cell) for cell in row.values()), row
    assert any(r["top_poster"].startswith("'=") or r["top_poster"].startswith("'@") for r in rows), rows


def test_numbers_stay_numbers_and_other_tables_are_neutralised(formula_community, reader):
    # when
    rows = _rows(reader.get("/insights/engagement", group="all", **WEEKS, format="csv"))
    posts = _rows(reader.get("/insights/engagement", group="all", **WEEKS, format="csv", table="top_posts"))
    # then: a negative change is still a number a spreadsheet can sum
    assert not any(_is_formula(cell) for r in rows for cell in r.values())
    assert [(r["posts"], r["posts_change"]) for r in rows] == [("6", "6"), ("0", "-6")]
    assert {p["quote"] for p in posts} >= {"'=2+5", "'@SUM(A1:A2)"}
    assert not any(_is_formula(cell) for p in posts for cell in p.values())


def test_the_admin_page_csv_is_neutralised_too(formula_community):
    # given: an admin signed in to the pages
    make_user("boss", admin=True)
    # when
    response = signed_in("boss").get("/admin-area/insights.csv", {"group": "channel", **WEEKS, "table": "engagement"})
    # then
    rows = _rows(response)
    assert {f"'{text}" for text in FORMULAS} <= {r["group"] for r in rows}
    assert not any(_is_formula(cell) for r in rows for cell in r.values())
