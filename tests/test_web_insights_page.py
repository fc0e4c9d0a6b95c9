"""The insights dashboard through Django's test client: figures per group and period against a hand
count, charts drawn by pygal on the server, hashtags and quoted posts, CSV downloads, bad input."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from base.accept import do_accept_events
from rulesets.active import do_activate_ruleset
from tests.helpers import BASIC_RULESET, event
from tests.web_seed import make_user, signed_in, text

PY = {"channel": "learning-python", "program": "data-academy"}
CLOUD = {"channel": "learning-cloud", "program": "cloud-academy"}
WEEKS = {"group": "channel", "interval": "week", "from": "2026-11-23", "until": "2026-12-07"}


def community() -> list[dict]:
    """Week 48 (23-29 Nov, Berlin): three posts and two comments in learning-python, one post in
    learning-cloud. Week 49: one post in learning-python."""
    fac, ana, bob = ({"id": f"{n}@x", "name": f"{n.title()} Example", "team": "Data"} for n in ("fac", "ana", "bob"))
    return [
        event("post", fac, id="p1", at="2026-11-23T09:00:00Z", text="Kick-off: how we test data pipelines #Python", **PY),
        event("post", fac, id="p2", at="2026-11-24T09:00:00Z", text="Fixtures or factories? #python", **PY),
        event("post", ana, id="p3", at="2026-11-25T09:00:00Z", text="My notes", **PY),
        event("post", bob, id="p4", at="2026-11-25T12:00:00Z", text="Terraform modules #cloud", **CLOUD),
        event("comment", ana, at="2026-11-23T10:00:00Z", target={"id": "p1", "author": "fac@x"}, **PY),
        event("comment", bob, at="2026-11-24T10:00:00Z", target={"id": "p1", "author": "fac@x"}, **PY),
        event("post", ana, id="p5", at="2026-12-01T09:00:00Z", text="Week two", **PY),
    ]


@pytest.fixture(autouse=True)
def settled_event_numbers(monkeypatch):
    """Every event here is committed before it is read, so a gap in event numbers is never an
    event still committing. On PostgreSQL sequences are not rolled back between tests, so the log
    starts past 1 and the rollups would otherwise wait out GAP_SETTLE_S before counting."""
    from insights import rollup

    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


@pytest.fixture
def world(db, redis):
    do_activate_ruleset(BASIC_RULESET, activated_by="test", note="first")
    do_accept_events(community())
    make_user("ana@x")
    make_user("boss", admin=True)



def test_employees_get_403_and_strangers_the_sign_in(world):
    ana = signed_in("ana@x")
    for path in ("/admin-area/insights", "/admin-area/insights.csv?table=hashtags"):
        assert ana.get(path).status_code == 403, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login?next="), path


def test_the_figures_per_channel_and_week_match_the_hand_count_with_the_previous_week(world):
    response = signed_in("boss").get("/admin-area/insights", WEEKS)
    assert response.status_code == 200
    page = response.content.decode()
    rows = {(m.group(1), m.group(2)): m.group(3) for m in re.finditer(
        r'<tr><th scope="row">([^<]+)</th><td class="period">([^<]+)</td>\s*<td class="num">(\d+)', page)}
    # posts per channel and week: the first figure column
    # each week says its dates
    assert rows[("learning-python", "Week 48 (Nov 23\u2009–\u200929)")] == "3" and rows[("learning-python", "Week 49 (Nov 30\u2009–\u2009Dec 6)")] == "1"
    assert rows[("learning-cloud", "Week 48 (Nov 23\u2009–\u200929)")] == "1"
    assert "▼ −2" in text(response)  # learning-python's posts in week 49 against week 48
    # the charts are pygal SVG inline, with no script and nothing fetched from elsewhere
    assert page.count("<svg") >= 2 and "pygal" in page and "<script" not in page
    assert "What people did, per week" in page and "Active people per channel, per week" in page
    # hashtags (case folded) and the most engaged post with its quote
    assert re.search(r"#python</td><td class=\"num\">2", page)
    assert "Kick-off: how we test data pipelines #Python" in page
    # a CSV link for every table, and the printable report for the same dates
    for table in ("engagement", "hashtags", "top_posts"):
        assert f"/admin-area/insights.csv?group=channel&amp;interval=week&amp;from=2026-11-23&amp;until=2026-12-07&amp;table={table}" in page
    assert "/insights/report?level=portfolio&amp;from=2026-11-23&amp;until=2026-12-07" in page


def test_every_table_downloads_as_csv(world):
    boss = signed_in("boss")
    engagement = boss.get("/admin-area/insights.csv", {**WEEKS, "table": "engagement"})
    assert engagement["Content-Type"].startswith("text/csv")
    assert engagement["Content-Disposition"] == 'attachment; filename="engagement-engagement-2026-11-23-2026-12-07.csv"'
    rows = list(csv.DictReader(io.StringIO(engagement.content.decode())))
    python48 = next(r for r in rows if r["group"] == "learning-python" and r["period"] == "2026-W48")
    assert python48["posts"] == "3" and python48["comments"] == "2"
    tags = list(csv.DictReader(io.StringIO(boss.get("/admin-area/insights.csv", {**WEEKS, "table": "hashtags"}).content.decode())))
    assert {r["tag"]: r["uses"] for r in tags}["python"] == "2"
    posts = list(csv.DictReader(io.StringIO(boss.get("/admin-area/insights.csv", {**WEEKS, "table": "top_posts"}).content.decode())))
    assert posts[0]["id"] == "p1" and posts[0]["comments"] == "2"
    # without dates, the last 28 days are used and shown in the date fields
    default = boss.get("/admin-area/insights", {"group": "team"}).content.decode()
    assert re.search(r'id="id_from" name="from"\s+value="\d{4}-\d\d-\d\d"', default)
    bad = boss.get("/admin-area/insights.csv", {**WEEKS, "table": "people"})
    assert bad.status_code == 422 and "There is no table &#39;people&#39;" in text(bad)


@pytest.mark.parametrize("query, field, words", [
    ({"from": "2026-12-07", "until": "2026-11-23"}, "until", "Until must be after 2026-12-07"),
    ({"from": "yesterday"}, "from", "Write a date like 2026-11-01."),
    ({"interval": "hour"}, "interval", "Choose day, week or month."),
    ({"group": "moon"}, "group", "Choose everything, channel, programme or team."),
    ({"from": "2024-01-01", "until": "2026-01-01"}, "until", "at most 400 days"),
])
def test_bad_choices_are_explained_beside_the_field_with_what_was_typed_kept(world, query, field, words):
    response = signed_in("boss").get("/admin-area/insights", {**WEEKS, **query})
    assert response.status_code == 422
    found = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', response.content.decode(), re.S)
    assert found and words in found.group(1), text(response)
    if "from" in query:
        assert f'value="{query["from"]}"' in response.content.decode()


def test_the_date_fields_show_the_dates_the_text_above_the_table_names(world):
    # a Wednesday to a Wednesday, per week: the figures cover whole weeks, Monday 23 Nov to Monday 7 Dec
    page = signed_in("boss").get("/admin-area/insights", {**WEEKS, "from": "2026-11-25", "until": "2026-12-03"})
    html = page.content.decode()
    assert re.search(r'id="id_from" name="from"\s+value="2026-11-23"', html)
    assert re.search(r'id="id_until" name="until"\s+value="2026-12-07"', html)
    assert "November 23, 2026 to December 7, 2026 (not included)" in text(page)


def test_events_without_a_channel_are_named_and_have_no_participation(world):
    from base.accept import do_accept_events as accept

    learners = [{"id": f"l{i}@x", "name": f"L{i}"} for i in range(5)]
    accept([event("course_completed", p, at="2026-11-24T09:00:00Z", target={"id": "sql-101"}) for p in learners])
    page = signed_in("boss").get("/admin-area/insights", WEEKS)
    body = text(page)
    row = re.search(r'<tr><th scope="row">No channel \(imports, LMS\)</th><td class="period">Week 48[^<]*</td>(.*?)</tr>', body)
    assert row, body[:400]
    cells = re.findall(r'<td class="num">([^<]*)', row[1])
    assert cells[0] == "0" and cells[4].strip() == "5" and cells[-1].strip() == "–"  # 0 posts, 5 active people, no participation
    assert "holds the events that came without one, such as imports and course completions" in body
    assert "(none)" not in body


def test_the_week_not_over_yet_is_marked_and_compared_with_the_same_days_before(db, redis):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    do_activate_ruleset(BASIC_RULESET, activated_by="test", note="first")
    make_user("boss", admin=True)
    berlin = ZoneInfo("Europe/Berlin")
    today = timezone.now().astimezone(berlin).date()
    monday = today - timedelta(days=today.weekday())
    before = monday - timedelta(days=7)
    ana = {"id": "ana@x", "name": "Ana"}

    def at(day, hour=0):
        return datetime.combine(day, time(hour, 1), berlin).isoformat()
    # the week before: 3 posts on its Monday and 5 on its Sunday; this week: 2 posts on Monday, just after midnight
    do_accept_events([event("post", ana, id=f"b{i}", at=at(before, 9), channel="c1") for i in range(3)]
                     + [event("post", ana, id=f"s{i}", at=at(before + timedelta(days=6), 9), channel="c1") for i in range(5)]
                     + [event("post", ana, id=f"n{i}", at=at(monday), channel="c1") for i in range(2)])
    elapsed = today.weekday() + 1
    same_days_before = 3 + (5 if elapsed == 7 else 0)
    response = signed_in("boss").get("/admin-area/insights", {"group": "all", "interval": "week",
                                                              "from": before.isoformat(), "until": (today + timedelta(days=1)).isoformat()})
    page = text(response)
    label = f"Week {monday.isocalendar()[1]} ("
    row = re.search(rf'<td class="period">{re.escape(label)}[^<]*<br><span class="note">(so far: [^<]*)</span></td>\s*<td class="num">(\d+)(.*?)</td>', page)
    assert row, page[:300]
    assert row[1].startswith(f"so far: {elapsed} day") and f"of 7, compared with the same day" in row[1]
    assert row[2] == "2"
    change = 2 - same_days_before
    assert (f"▼ −{-change}" in row[3]) if change < 0 else (f"▲ +{change}" in row[3] if change > 0 else "▼" not in row[3])
    assert "(so far)" in page  # and the charts say so
    # the week before is whole and compared as it was
    whole = re.search(r'<td class="period">Week %d \([^<]*</td>\s*<td class="num">(\d+)' % before.isocalendar()[1], page)
    assert whole and whole[1] == "8"


def test_counts_of_one_read_in_the_singular(world):
    """A post with one comment says "1 response: 1 comment", not "1 comments"."""
    ana = {"id": "ana@x", "name": "Ana Example", "team": "Data"}
    do_accept_events([event("comment", ana, at="2026-11-26T10:00:00Z", target={"id": "p4", "author": "bob@x"}, **CLOUD)])
    page = text(signed_in("boss").get("/admin-area/insights", WEEKS))
    assert "2 responses: 2 comments, 0 answers, 0 likes, 0 reshares" in page
    assert "1 response: 1 comment, 0 answers, 0 likes, 0 reshares" in page
    assert "1 comments" not in page and "1 responses" not in page


def test_a_chart_seen_before_shows_the_new_figures_once_they_change(world):
    """Charts are kept for the next view with the same figures: never shown after the figures moved on."""
    from django.core.cache import cache

    boss = signed_in("boss")

    def charts() -> list[str]:
        page = boss.get("/admin-area/insights", WEEKS).content.decode()
        # pygal names each drawing with a fresh id; what is drawn is the rest
        return [re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "", svg)
                for svg in re.findall(r"<svg.*?</svg>", page, re.S) if "pygal" in svg]

    first = charts()
    assert len(first) == 2 and charts() == first
    do_accept_events([event("post", {"id": "bob@x"}, id="p6", at="2026-12-02T09:00:00Z", text="Week two too", **PY)])
    second = charts()
    # bob posts in week 49 beside ana: one more post and one more active person, in both charts
    assert second[0] != first[0] and second[1] != first[1]
    cache.clear()
    assert charts() == second  # what is kept is what would be drawn now
