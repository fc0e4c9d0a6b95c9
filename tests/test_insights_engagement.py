"""GET /insights/engagement against figures worked out by hand on a small community (Europe/Berlin weeks)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.helpers import BASIC_RULESET, event

PY = {"channel": "learning-python", "program": "data-academy"}
CLOUD = {"channel": "learning-cloud", "program": "cloud-academy"}
FAC, ANA, BOB, CAT, DAN = ({"id": f"{n}@x", "team": t} for n, t in
                           (("fac", "Data"), ("ana", "Data"), ("bob", "Sales"), ("cat", "Sales"), ("dan", "Data")))
WEEKS = {"group": "all", "interval": "week", "from": "2026-11-23", "until": "2026-12-07"}


def post(id_, actor, at, text="a post", **fields):
    return event("post", actor, id=id_, at=at, text=text, **{**PY, **fields})


def reply(type_, actor, target, author, at, text=None, **fields):
    body = event(type_, actor, at=at, target={"id": target, "author": author}, **{**PY, **fields})
    if text:
        body["text"] = text
    return body


def community() -> list[dict]:
    """Week 47 (16-22 Nov): fac posts, ana comments. Week 48 (23-29 Nov): fac posts three times, bob once
    (in learning-cloud), three comments (one fac's on his own post), four likes (one taken back), a reshare,
    two questions (one answered by ana after 2 hours, one only by its asker), a course. Week 49 starts at
    midnight in Berlin: cat's post at 23:30 UTC on Sunday 29 Nov is Monday 00:30 there."""
    return [
        post("p0", FAC, "2026-11-17T10:00:00Z"),
        reply("comment", ANA, "p0", "fac@x", "2026-11-17T11:00:00Z", "Thanks, that helped"),
        post("p1", FAC, "2026-11-23T09:00:00Z", "Kick-off: how we test data pipelines #Python"),
        post("p2", FAC, "2026-11-24T09:00:00Z"),
        post("p3", FAC, "2026-11-25T09:00:00Z", "Welcome @eve@x", mentions=["eve@x"]),
        post("p4", BOB, "2026-11-25T12:00:00Z", "Terraform modules in #python land #SocialLearning", **CLOUD),
        reply("comment", ANA, "p1", "fac@x", "2026-11-23T10:00:00Z", "We use pytest fixtures for this", id="c-ana-p1"),
        reply("comment", CAT, "p1", "fac@x", "2026-11-24T10:00:00Z", "Great idea"),
        reply("comment", FAC, "p1", "fac@x", "2026-11-24T11:00:00Z", "Slides are up"),
        reply("reaction", DAN, "p1", "fac@x", "2026-11-23T12:00:00Z"),
        reply("reaction", BOB, "p1", "fac@x", "2026-11-23T13:00:00Z"),
        reply("reaction", DAN, "p4", "bob@x", "2026-11-25T13:00:00Z", **CLOUD),
        reply("reaction", DAN, "p2", "fac@x", "2026-11-24T12:00:00Z", id="like-p2"),
        event("undo", DAN, at="2026-11-24T12:05:00Z", target={"id": "like-p2"}, **PY),
        reply("reshare", ANA, "p1", "fac@x", "2026-11-23T14:00:00Z"),
        event("question", CAT, id="q1", at="2026-11-26T08:00:00Z", text="How do you mock S3?", **PY),
        reply("answer", ANA, "q1", "cat@x", "2026-11-26T10:00:00Z", "moto, every time"),
        event("question", BOB, id="q2", at="2026-11-27T08:00:00Z", text="Anyone tried Pulumi?", **CLOUD),
        reply("answer", BOB, "q2", "bob@x", "2026-11-27T09:00:00Z", "Answering myself: yes", **CLOUD),
        event("course_completed", DAN, at="2026-11-27T15:00:00Z", program="data-academy"),
        post("p5", CAT, "2026-11-29T23:30:00Z"),
        post("p6", ANA, "2026-12-01T09:00:00Z"),
        post("p7", FAC, "2026-12-01T10:00:00Z"),
    ]


@pytest.fixture(autouse=True)
def settled_event_numbers(monkeypatch):
    """Every event here is committed before it is read, so a gap in event numbers is never an
    event still committing. On PostgreSQL sequences are not rolled back between tests, so the log
    starts past 1 and the rollups would otherwise wait out GAP_SETTLE_S before counting."""
    from insights import rollup

    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


@pytest.fixture
def seeded(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    response = admin.post("/events", community())
    assert response.status_code == 202, response.json()
    return admin


def values(row) -> dict:
    return {name: f["value"] for name, f in row["figures"].items()}


def test_weekly_figures_match_the_hand_count(seeded, reader):
    # when
    response = reader.get("/insights/engagement", **WEEKS)
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["from"], body["until"], body["rollup"]["complete"]) == ("2026-11-23", "2026-12-07", True)
    assert body["rollup"]["timezone"] == "Europe/Berlin"
    w48, w49 = body["rows"]
    assert (w48["group"], w48["period"], w48["from"], w48["until"]) == ("all", "2026-W48", "2026-11-23", "2026-11-30")
    assert values(w48) == {
        "posts": 4, "comments": 3, "reactions": 3, "reshares": 1, "shoutouts": 0, "questions": 2, "answers": 2,
        "polls": 0, "votes": 0, "follows": 0, "joins": 0, "courses_completed": 1, "certifications": 0,
        "questions_answered": 1, "answered_share": 0.5, "median_hours_to_first_answer": 2.0,
        "active_people": 5, "contributors": 4, "reactors": 3, "known_people": 6, "participation": 0.833,
        "top_poster_share": 0.75, "top10_share": 0.75, "new_contributors": 2, "returning_contributors": 2,
    }
    assert w48["top_poster"] == "fac@x"
    # the week before: fac's post and ana's comment, both first contributions
    previous = {name: f["previous"] for name, f in w48["figures"].items()}
    assert (previous["posts"], previous["comments"], previous["active_people"], previous["new_contributors"],
            previous["returning_contributors"], previous["top_poster_share"]) == (1, 1, 2, 2, 0, 1.0)
    assert w48["figures"]["posts"]["change"] == 3 and w48["figures"]["participation"]["change"] == round(5 / 6 - 2 / 6, 3)
    # week 49 in Berlin: cat's Sunday-night-UTC post, ana's and fac's; nobody new
    assert w49["period"] == "2026-W49"
    w = values(w49)
    assert (w["posts"], w["active_people"], w["contributors"], w["new_contributors"], w["returning_contributors"]) == (3, 3, 3, 0, 3)
    assert (w["top_poster_share"], w["questions"], w["answered_share"]) == (0.333, 0, None)
    assert w49["figures"]["posts"]["change"] == -1


def test_hashtags_and_most_engaged_posts_with_quotes(seeded, reader):
    body = reader.get("/insights/engagement", **WEEKS).json()
    assert body["hashtags"] == [
        {"tag": "python", "uses": 2, "people": 2, "previous": 0, "change": 2},
        {"tag": "sociallearning", "uses": 1, "people": 1, "previous": 0, "change": 1},
    ]
    # p1: ana's and cat's comments (fac's own does not count), two likes, a reshare; the unliked p2 and the
    # self-answered q2 are not listed
    top = [(p["id"], p["engagement"]) for p in body["top_posts"]]
    assert top == [("p1", 5), ("p4", 1), ("q1", 1)]
    first = body["top_posts"][0]
    assert first["quote"] == "Kick-off: how we test data pipelines #Python"
    assert (first["comments"], first["reactions"], first["reshares"], first["author"]) == (2, 2, 1, "fac@x")


def test_grouped_by_channel_and_filtered_by_team(seeded, reader):
    rows = reader.get("/insights/engagement", **{**WEEKS, "group": "channel"}).json()["rows"]
    w48 = {r["group"]: values(r) for r in rows if r["period"] == "2026-W48"}
    assert w48["learning-python"]["posts"] == 3 and w48["learning-cloud"]["posts"] == 1
    assert w48["learning-cloud"]["questions"] == 1 and w48["learning-cloud"]["answered_share"] == 0.0
    # the course has a programme but no channel
    assert w48[""]["courses_completed"] == 1
    sales = reader.get("/insights/engagement", **{**WEEKS, "team": "Sales"}).json()["rows"]
    assert values(sales[0])["posts"] == 1 and values(sales[0])["known_people"] == 2  # bob and cat


def test_monthly_interval_and_a_late_undo_update_the_figures(seeded, reader, admin):
    month = {"group": "all", "interval": "month", "from": "2026-11-01", "until": "2026-12-01"}
    [november] = reader.get("/insights/engagement", **month).json()["rows"]
    assert values(november)["posts"] == 6  # p0 to p5: p5 is 30 November, 00:30, in Berlin
    # when ana's comment on p1 is taken back later
    undo = admin.post("/events", [event("undo", ANA, at="2026-12-02T09:00:00Z", target={"id": "c-ana-p1"}, **PY)])
    assert undo.status_code == 202, undo.json()
    body = reader.get("/insights/engagement", **month).json()
    # then November has one comment less and p1 one response less; ana still commented on p0
    assert values(body["rows"][0])["comments"] == values(november)["comments"] - 1
    assert values(body["rows"][0])["contributors"] == values(november)["contributors"]
    assert body["top_posts"][0]["id"] == "p1" and body["top_posts"][0]["comments"] == 1


def test_csv_of_every_table(seeded, reader):
    response = reader.get("/insights/engagement", **WEEKS, format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["period"], r["posts"], r["posts_previous"], r["posts_change"]) for r in rows] == [
        ("2026-W48", "4", "1", "3"), ("2026-W49", "3", "4", "-1")]
    assert rows[1]["answered_share"] == "" and rows[0]["participation"] == "0.833"
    posts = reader.client.get("/api/v1/insights/engagement", {**WEEKS, "table": "top_posts"},
                              HTTP_AUTHORIZATION=f"Bearer {reader.key}", HTTP_ACCEPT="text/csv")
    [p1, *_] = csv.DictReader(io.StringIO(posts.content.decode()))
    assert (p1["id"], p1["engagement"], p1["quote"]) == ("p1", "5", "Kick-off: how we test data pipelines #Python")
    tags = reader.get("/insights/engagement", **WEEKS, format="csv", table="hashtags").content.decode()
    assert tags.splitlines()[:2] == ["tag,uses,people,previous,change", "python,2,2,0,2"]


@pytest.mark.parametrize("params, status, needle", [
    ({"group": "galaxy"}, 422, "group"),
    ({"interval": "year"}, 422, "interval"),
    ({"from": "2026-12-07", "until": "2026-11-23"}, 422, "must be before"),
    ({"until": None}, 422, "give both"),
    ({"from": "2025-01-01", "until": "2026-12-01"}, 422, "at most 400 days"),
    ({"from": "yesterday"}, 422, "from"),
    ({"from": "0001-01-01", "until": "0001-02-01"}, 422, "0002-01-01"),  # no period before the first
    ({"from": "9999-12-01", "until": "9999-12-31"}, 422, "9999-01-01"),
])
def test_bad_requests_are_clear_4xx(reader, params, status, needle):
    query = {k: v for k, v in {**WEEKS, **params}.items() if v is not None}
    response = reader.get("/insights/engagement", **query)
    assert response.status_code == status
    assert needle in str(response.json())


def test_readers_and_admins_only(integration, anonymous):
    assert anonymous.get("/insights/engagement", **WEEKS).status_code == 401
    assert integration.get("/insights/engagement", **WEEKS).status_code == 403


def test_a_timezone_change_rebuilds_the_rollups(seeded, reader, admin):
    # given the rollups were built in Berlin, where cat's post is in week 49
    assert values(reader.get("/insights/engagement", **WEEKS).json()["rows"][0])["posts"] == 4
    # when the ruleset counts days in UTC
    assert admin.put_yaml("/ruleset", BASIC_RULESET.replace("Europe/Berlin", "UTC")).status_code == 200
    body = reader.get("/insights/engagement", **WEEKS).json()
    # then the Sunday 23:30 UTC post counts in week 48
    assert body["rollup"]["timezone"] == "UTC"
    assert values(body["rows"][0])["posts"] == 5


def test_report_json_for_a_programme(seeded, reader):
    # when
    response = reader.get("/insights/report", level="program", program="data-academy", **{"from": "2026-11-23", "until": "2026-11-30"})
    # then week 48 in data-academy: fac's three posts and cat's... comments, ana's answer; bob's cloud posts left out
    assert response.status_code == 200, response.json()
    body = response.json()
    summary = body["summary"]["figures"]
    assert (summary["posts"]["value"], summary["posts"]["previous"], summary["questions"]["value"]) == (3, 1, 1)
    assert body["breakdown_by"] == "channel"
    assert [r["group"] for r in body["breakdown"]] == ["learning-python", ""]  # the course has no channel
    assert body["top_posts"][0]["quote"].startswith("Kick-off")
    assert reader.get("/insights/report", level="class").status_code == 422  # which channel?


def _page(client, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    headers.update({k: params.pop(k) for k in list(params) if k.startswith("HTTP_")})
    return client.get("/insights/report", params, **headers)


def test_the_printable_report_page_has_figures_charts_and_quotes(seeded, reader):
    # when a reader key asks for the programme report
    response = _page(reader.client, reader.key, level="program", program="data-academy", **{"from": "2026-11-16", "until": "2026-12-07"})
    # then a page with the numbers, pygal SVG charts (no CDN script), quotes and print styles
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Social learning report: data-academy" in html
    assert html.count("<svg") >= 3 and "pygal" in html and "kozea.github.io" not in html
    assert "“Kick-off: how we test data pipelines #Python”" in html
    assert "@media print" in html and "By channel" in html
    assert "The most active poster wrote" in html
    assert "Week 48 (Nov 23\u2009–\u200929)" in html and "W48 (Nov 23)" in html  # weeks with their dates, table and chart


def test_the_report_page_needs_a_reader_key_or_a_staff_session(seeded, integration, client, django_user_model):
    assert _page(client).status_code == 401
    assert _page(client, integration.key).status_code == 403
    assert _page(client, "pk_not-a-key").status_code == 401
    bad = _page(client, level="program")
    assert bad.status_code == 401
    # a signed-in staff user needs no key
    staff = django_user_model.objects.create_user("lead", password="pw", is_staff=True)
    client.force_login(staff)
    assert _page(client, level="portfolio", **{"from": "2026-11-16", "until": "2026-12-07"}).status_code == 200
    missing = _page(client, level="program")
    assert missing.status_code == 422 and "program=" in missing.json()["message"]
    assert _page(client, **{"from": "someday"}).status_code == 422


def test_a_read_rolls_up_a_bounded_number_of_events_and_says_what_is_pending(seeded, reader, monkeypatch):
    from insights import rollup

    # given reads may roll up only 10 events at a time
    monkeypatch.setattr(rollup, "CATCH_UP_LIMIT", 10)
    # when
    first = reader.get("/insights/engagement", **WEEKS).json()
    # then the answer says how far it got
    total = len(community())
    from base.models import Event

    tenth = Event.objects.order_by("seq").values_list("seq", flat=True)[9]  # sequences need not start at 1
    assert first["rollup"] == {"up_to_seq": tenth, "pending_events": total - 10, "complete": False,
                               "timezone": "Europe/Berlin"}
    # and the command catches up the rest
    from django.core.management import call_command

    call_command("insights_rollup", stdout=io.StringIO())
    monkeypatch.setattr(rollup, "CATCH_UP_LIMIT", 0)
    body = reader.get("/insights/engagement", **WEEKS).json()
    assert body["rollup"]["complete"] and values(body["rows"][0])["posts"] == 4


def test_insights_report_command_writes_the_page(seeded, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("insights_report", "--level", "class", "--channel", "learning-python", "--from", "2026-11-23",
                 "--until", "2026-11-30", "--out", str(tmp_path / "r.html"), stdout=out)
    html = (tmp_path / "r.html").read_text()
    assert "Social learning report: #learning-python" in html and "By team" in html
    assert "“Kick-off: how we test data pipelines #Python”" in html


# The relay closes its connections after each round, as in `make serve`. Events are numbered from 1:
# an earlier transactional test's flushed events would otherwise look like a fresh gap to the rollups.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_serve_relay_keeps_the_rollups_current(seeded):
    from base.models import Event
    from engine.relay import _roll_up_insights
    from insights.models import RollupState

    # when the relay of `make serve` runs a round
    _roll_up_insights()
    # then every accepted event is rolled up, without any read
    assert RollupState.objects.get(pk=1).last_seq == Event.objects.order_by("-seq").values_list("seq", flat=True)[0]


def test_replies_that_arrive_before_their_post_count_and_a_deleted_post_is_not_listed(seeded, admin, reader):
    # given a comment that reaches Plaudit before the post it answers, in a separate request
    assert reader.get("/insights/engagement", **WEEKS).status_code == 200  # rollups up to date
    admin.post("/events", [reply("comment", CAT, "late", "ana@x", "2026-12-02T10:00:00Z", "Late but useful")])
    reader.get("/insights/engagement", **WEEKS)
    admin.post("/events", [post("late", ANA, "2026-12-02T09:00:00Z", "Notes from the pairing session")])
    # when
    body = reader.get("/insights/engagement", **WEEKS).json()
    # then the post has its comment
    late = next(p for p in body["top_posts"] if p["id"] == "late")
    assert (late["comments"], late["quote"]) == (1, "Notes from the pairing session")
    # and when p1 is deleted, it is no longer listed, and its post no longer counted
    admin.post("/events", [event("undo", FAC, at="2026-12-03T09:00:00Z", target={"id": "p1"}, **PY)])
    body = reader.get("/insights/engagement", **WEEKS).json()
    assert "p1" not in [p["id"] for p in body["top_posts"]]
    assert values(body["rows"][0])["posts"] == 3


def _legend_colours(svg: str) -> dict[str, str]:
    """Series label -> the colour pygal draws it in (its legend's colour class)."""
    classes = dict(re.findall(r"\.(color-\d+),[^{]*\{stroke:(#[0-9a-f]{6})", svg))
    return {label: classes[cls] for cls, label in
            re.findall(r'class="(color-\d+) reactive" /><text[^>]*>([^<]+)</text>', svg)}


def test_the_dashboard_and_the_report_draw_each_series_in_the_same_colour(seeded, reader, django_user_model):
    from django.test import Client

    # when the report page and the dashboard show the same weeks
    report = _page(reader.client, reader.key, level="portfolio", **{"from": "2026-11-16", "until": "2026-12-07"})
    admin = django_user_model.objects.create_user("boss-colours", password="pw", is_staff=True)
    browser = Client()
    browser.force_login(admin)
    dashboard = browser.get("/admin-area/insights", {"group": "all", "interval": "week", "from": "2026-11-16",
                                                     "until": "2026-12-07"})
    assert dashboard.status_code == 200
    reported = [_legend_colours(svg) for svg in re.findall(r"<svg.*?</svg>", report.content.decode(), re.S)]
    shown = [_legend_colours(svg) for svg in re.findall(r"<svg.*?</svg>", dashboard.content.decode(), re.S)]
    # then every series both draw has one colour
    both = 0
    for series in ("Posts", "Comments", "Likes", "Reshares", "Shoutouts", "Answers", "Active people", "Contributors",
                   "New contributors"):
        colours = {c[series] for c in reported + shown if series in c}
        assert len(colours) == 1, (series, colours)
        both += 1
    assert both == 9 and reported[0]["Posts"] == "#1f6f8b"


def test_a_bad_report_address_is_a_page_for_a_browser_and_json_for_an_api_client(seeded, reader):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = _page(reader.client, reader.key, HTTP_ACCEPT=browser, **{"from": "someday"})
    assert page.status_code == 422 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "<h1>The report cannot be made from this address</h1>" in html and "2026-11-01" in html
    assert "invalid_date" in html and '<html lang="en">' in html
    api = _page(reader.client, reader.key, HTTP_ACCEPT="application/json", **{"from": "someday"})
    assert api.status_code == 422 and api.json()["error"] == "invalid_date"
    assert _page(reader.client, reader.key, **{"from": "someday"}).json()["error"] == "invalid_date"  # no Accept: JSON
    signed_out = _page(reader.client, HTTP_ACCEPT=browser)
    assert signed_out.status_code == 401 and 'href="/login?next=' in signed_out.content.decode()


@pytest.mark.parametrize("hours, english, german", [
    (30.99, "31 hours", "31 Stunden"), (0.4, "24 minutes", "24 Minuten"), (1.0, "1 hour", "1 Stunde"),
    (55.2, "2 days, 7 hours", "2 Tage, 7 Stunden"), (48.1, "2 days", "2 Tage"), (0.001, "1 minute", "1 Minute")])
def test_a_median_wait_reads_as_people_say_it(hours, english, german):
    from insights.pages import duration

    assert duration(hours) == english and duration(hours, "de") == german


def test_the_report_says_the_median_wait_in_whole_hours(seeded, reader):
    html = _page(reader.client, reader.key, level="program", program="data-academy",
                 **{"from": "2026-11-16", "until": "2026-12-07"}).content.decode()
    found = re.search(r"the first one after ([^(]+) \(median\)", html)
    assert found and re.fullmatch(r"\d+ (minutes?|hours?)|\d+ days?(, \d+ hours?)?", found[1].strip()), found


def test_the_api_and_the_report_mark_the_week_not_over_yet(admin, reader):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from base.accept import do_accept_events

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    berlin = ZoneInfo("Europe/Berlin")
    today = timezone.now().astimezone(berlin).date()
    monday = today - timedelta(days=today.weekday())
    before = monday - timedelta(days=7)
    ana = {"id": "ana@x", "name": "Ana"}
    do_accept_events([event("post", ana, id=f"b{i}", at=datetime.combine(before, time(9), berlin).isoformat(), channel="c1")
                      for i in range(3)]
                     + [event("post", ana, id="n1", at=datetime.combine(monday, time(0, 1), berlin).isoformat(), channel="c1")])
    body = reader.get("/insights/engagement", interval="week", **{"from": before.isoformat(),
                                                                  "until": (today + timedelta(days=1)).isoformat()}).json()
    [whole, partial] = [r for r in body["rows"]]
    assert "partial" not in whole and whole["figures"]["posts"]["value"] == 3
    assert partial["partial"] == {"days": today.weekday() + 1, "of_days": 7,
                                  "compared_with": {"from": before.isoformat(),
                                                    "until": (before + timedelta(days=today.weekday() + 1)).isoformat()}}
    assert partial["figures"]["posts"] == {"value": 1, "previous": 3, "change": -2}
    html = _page(reader.client, reader.key, level="portfolio", **{"from": before.isoformat(),
                                                                  "until": (today + timedelta(days=1)).isoformat()}).content.decode()
    assert f"so far, {today.weekday() + 1} of 7 days, compared with the same days before" in html


def test_the_report_counts_one_in_the_singular(seeded, reader):
    """#SocialLearning is used once by one person: "1 use by 1 person", not "1 uses by 1 people"."""
    html = _page(reader.client, reader.key, level="portfolio", **{"from": "2026-11-23", "until": "2026-11-30"}).content.decode()
    assert re.search(r"#sociallearning · 1 use by 1 person\b", html, re.I), re.findall(r"#sociallearning[^<]*", html, re.I)
    assert "1 uses" not in html and "1 people" not in html
