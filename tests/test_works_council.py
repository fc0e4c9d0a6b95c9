"""Works-council mode (the ruleset's `privacy:`): no page, API answer, CSV, notification or digest ranks
or compares named people, and groups smaller than `min_group_size` are not shown.

The company: team Data has four people, team Sales two; everyone posted this week in #learning, some
commented, some gave kudos. The ruleset turns individual ranking off and hides groups under three people.
The walkers open every GET route of the API (from the OpenAPI schema) and every page reachable from the
navigation, and a detector looks for a rank next to a person, people ordered by points, or a person in a
top position; it is shown to fire by the same walk with individual ranking on.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta, timezone as dt_timezone
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from base.accept import do_accept_events
from base.errors import Conflict
from engine.integrations import standing
from engine.scoring import do_score_pending
from notifications.channels import do_save_channel
from notifications.models import Notification
from rules.core import load_ruleset
from rules.core.loading import RulesetError
from rulesets.active import active_ruleset, do_activate_ruleset
from tests.helpers import yaml
from tests.web_seed import make_user, signed_in, text

DOMAIN = "works.example"
PEOPLE = {  # key -> (name, team, posts this week)
    f"ana@{DOMAIN}": ("Ana Ruiz", "Data", 6),
    f"bob@{DOMAIN}": ("Bob Stone", "Data", 4),
    f"cem@{DOMAIN}": ("Cem Kaya", "Data", 3),
    f"dia@{DOMAIN}": ("Dia Lopez", "Data", 1),
    f"eve@{DOMAIN}": ("Eve Adams", "Sales", 5),
    f"fay@{DOMAIN}": ("Fay Moss", "Sales", 2),
}
ANA, BOB, EVE = f"ana@{DOMAIN}", f"bob@{DOMAIN}", f"eve@{DOMAIN}"

RULESET = yaml("""
    ruleset: council
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 30}
    rules:
      - id: post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: comment
        when: {type: comment, not_self: true}
        award: {to: actor, points: 2}
    badges:
      - id: first-post
        name: First Post
        criteria: {rule: post}
    leaderboards:
      - {id: all-time, name: All time}
      - {id: weekly, name: This week, period: week}
      - {id: channels, period: month, scope: channel}
      - {id: in-team, period: all, scope: team}
      - {id: teams, name: Teams, aggregate: team}
      - {id: team-share, name: Per member, aggregate: team, rank_by: per_member}
    notifications:
      - {on: leaderboard_top, board: all-time, top: 3, to: general}
      - {on: digest, schedule: "0 9 * * MON", to: general}
    kudos:
      allowance: {amount: 20, per: week}
      values: [teamwork, craft]
    privacy: {individual_ranking: false, min_group_size: 3}
""")
RANKING_ON = RULESET.replace("individual_ranking: false", "individual_ranking: true")


@pytest.fixture(autouse=True)
def settled_event_numbers(monkeypatch):
    """Every event here is committed before it is read (see tests/test_web_insights_page.py)."""
    from insights import rollup

    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)


def seed(ruleset_text: str) -> None:
    do_activate_ruleset(ruleset_text, activated_by="test", note="works council")
    do_save_channel("general", {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/x"})
    now = timezone.now() - timedelta(minutes=5)
    events = []
    for key, (name, team, posts) in PEOPLE.items():
        who = {"id": key, "name": name, "team": team}
        for i in range(posts):
            events.append({"id": f"wc:{key}:post:{i}", "type": "post", "actor": who, "channel": "learning",
                           "program": "python", "occurred_at": (now - timedelta(minutes=i)).isoformat(),
                           "text": f"Notes on pandas, part {i} #craft"})
    for i, (giver, target) in enumerate([(BOB, ANA), (EVE, ANA), (f"fay@{DOMAIN}", EVE), (ANA, BOB)]):
        events.append({"id": f"wc:comment:{i}", "type": "comment", "actor": giver, "channel": "learning",
                       "occurred_at": now.isoformat(), "target": {"id": f"wc:{target}:post:0", "author": target},
                       "text": "Thanks, that helped"})
    for i, (giver, receivers, value) in enumerate([(ANA, [BOB], "teamwork"), (BOB, [ANA, EVE], "craft"),
                                                   (EVE, [f"fay@{DOMAIN}"], "teamwork"), (f"cem@{DOMAIN}", [ANA], "craft")]):
        events.append({"id": f"wc:kudos:{i}", "type": "kudos", "actor": giver, "channel": "learning",
                       "occurred_at": now.isoformat(), "mentions": receivers, "hashtags": [value],
                       "text": f"Thank you #{value}"})
    do_accept_events(events)
    do_score_pending()


@pytest.fixture
def council(db, redis):
    seed(RULESET)


@pytest.fixture
def ranking_on(db, redis):
    seed(RANKING_ON)


# --- the detector -------------------------------------------------------------------------------------

def _people() -> set[str]:
    return set(PEOPLE) | {name for name, _, _ in PEOPLE.values()}


def _person_in(value, people: set[str]) -> str | None:
    if isinstance(value, str):
        return value if value in people else None
    if isinstance(value, dict):
        return next(filter(None, (_person_in(v, people) for v in value.values())), None)
    if isinstance(value, list):
        return next(filter(None, (_person_in(v, people) for v in value)), None)
    return None


def json_findings(value, where: str) -> list[str]:
    """A rank next to a person; a person under a key about the top; a list of two or more people in
    descending order of points."""
    people, found = _people(), []

    def visit(node, path: str, owner: str | None = None) -> None:
        """`owner`: the person an enclosing object is about (a person's ranks name no one themselves)."""
        if isinstance(node, dict):
            direct = next((v for v in node.values() if isinstance(v, str) and v in people), None) or owner
            if direct and {"rank", "position", "place"} & set(node):
                found.append(f"{where} {path}: rank {node.get('rank')} next to {direct}")
            for key, child in node.items():
                named = _person_in(child, people)
                if "top" in key.lower() and named:
                    found.append(f"{where} {path}.{key}: {named} in a top position")
                visit(child, f"{path}.{key}", direct)
        elif isinstance(node, list):
            rows = [(_person_in({k: v for k, v in x.items() if isinstance(v, str)}, people), x.get("points"))
                    for x in node if isinstance(x, dict)]
            if len(rows) == len(node) >= 2 and all(p and isinstance(pts, (int, float)) for p, pts in rows) \
                    and len({p for p, _ in rows}) >= 2 and all(a[1] >= b[1] for a, b in zip(rows, rows[1:])):
                found.append(f"{where} {path}: people ordered by points ({', '.join(p for p, _ in rows)})")
            for i, child in enumerate(node):
                visit(child, f"{path}[{i}]", owner)

    visit(value, "")
    return found


PERSON_COLUMNS = {"rank", "person", "top_poster", "top_poster_name", "author", "author_name", "name"}


def csv_findings(body: str, where: str) -> list[str]:
    """A CSV column naming people next to an order (a rank, a top poster, the authors of the top posts)."""
    people, found = _people(), []
    rows = list(csv.reader(io.StringIO(body)))
    if not rows:
        return found
    header = [h.strip().lower() for h in rows[0]]
    for row in rows[1:]:
        for column, cell in zip(header, row):
            if column in PERSON_COLUMNS and cell.lstrip("'") in people:
                found.append(f"{where}: CSV column {column} names {cell}")
    return found


def html_findings(page: str, where: str) -> list[str]:
    """A table with a Rank column listing people; the viewer's rank or the people around them; movement."""
    people, found = _people(), []
    for table in re.findall(r"<table.*?</table>", page, re.S):
        if re.search(r"<th[^>]*>\s*Rank\s*</th>", table):
            named = [p for p in people if html.escape(p) in table]
            if named:
                found.append(f"{where}: a ranked table lists {', '.join(sorted(named))}")
    for listing in re.findall(r"<ol.*?</ol>", page, re.S):  # an ordered list: the most engaged posts...
        named = [p for p in people if html.escape(p) in listing]
        if named:
            found.append(f"{where}: an ordered list names {', '.join(sorted(named))}")
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for phrase in ("Where you stand", "Around you", "You are #", "you would be #"):
        if phrase in words:
            found.append(f"{where}: says {phrase!r}")
    if 'class="rank"' in page or re.search(r'class="move (up|down|new|same)"', page):
        found.append(f"{where}: shows a rank or a movement")
    return found


def response_findings(response, where: str) -> list[str]:
    kind = response.get("Content-Type", "")
    body = response.content.decode("utf-8", "replace")
    if "csv" in kind:
        return csv_findings(body, where)
    if "json" in kind:
        return json_findings(response.json(), where) if body.strip() else []
    if "html" in kind:
        return html_findings(body, where)
    return []


# --- the walkers --------------------------------------------------------------------------------------

def _path_values() -> dict[str, list[str]]:
    from base.models import Event

    ruleset, _ = active_ruleset()
    note = Notification.objects.order_by("id").first()
    return {
        "board_id": [b.id for b in ruleset.leaderboards],
        "person_id": [ANA, EVE],
        "badge_id": ["first-post"],
        "channel_id": ["general"],
        "notification_id": [str(note.id) if note else "1"],
        "event_id": [Event.objects.filter(type="post").values_list("source_id", flat=True).first()],
        "kind": ["slack"],
        "name": ["weekly_digest"],
    }


QUERY_VALUES = {
    "around": [ANA, EVE], "scope": ["learning", "Data", "Sales"], "group": ["team", "channel", "program", "all"],
    "format": ["json", "csv"], "table": ["engagement", "hashtags", "top_posts"], "interval": ["week", "month"],
    "level": ["portfolio"], "limit": ["100"], "period": ["current"],
}
COMBINATIONS = [
    {"level": "class", "channel": "learning"}, {"level": "program", "program": "python"},
    *[{"group": g, "format": "csv", "table": t} for g in ("team", "channel", "program") for t in QUERY_VALUES["table"]],
]


def _window() -> dict[str, str]:
    return {"from": (timezone.now() - timedelta(days=2)).date().isoformat(),
            "until": (timezone.now() + timedelta(days=2)).date().isoformat()}


def walk_api(api) -> tuple[list[str], list[str]]:
    """(findings, the routes called); every GET operation of the OpenAPI schema with plausible parameters."""
    schema = api.client.get("/api/v1/openapi.json").json()
    values = _path_values()
    findings, called = [], []
    for template, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or "{" in template and "openapi" in template:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        paths = [template]
        for name in re.findall(r"{(?:path:)?(\w+)}", template):
            paths = [p.replace(re.search(r"{(?:path:)?" + name + "}", p).group(0), v)
                     for p in paths for v in values.get(name, ["x"])]
        variants = [{}] + [{n: v} for n in names for v in QUERY_VALUES.get(n, [])] + \
                   [c for c in COMBINATIONS if set(c) <= set(names)]
        window = {k: v for k, v in _window().items() if k in names}  # insights need a range
        variants = [{**window, **v} for v in variants]
        for path in paths:
            for params in variants:
                response = api.client.get(path, params, **api._headers())
                where = f"GET {path} {params}"
                called.append(where)
                assert response.status_code < 500, (where, response.content[:500])
                findings += response_findings(response, where)
    return findings, called


SKIP = ("/static/", "/logout", "/login", "/api/", "/auth/", "/scim/")


def walk_pages(client: Client, limit: int = 400) -> tuple[list[str], list[str]]:
    """(findings, the pages opened): every page reachable by links from the start page, breadth first, and
    every board's page (boards of people are not linked in works-council mode, but their address is known)."""
    ruleset, _ = active_ruleset()
    queue = ["/"] + [f"/boards/{b.id}" for b in ruleset.leaderboards]
    seen, findings = set(queue), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        response = client.get(path)
        assert response.status_code < 500, (path, response.content[:500])
        findings += response_findings(response, f"page {path}")
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]*)"', response.content.decode()):
            link = html.unescape(href)
            if not link.startswith("/") or link.startswith("//") or any(link.startswith(s) for s in SKIP):
                continue
            if urlsplit(link).path.endswith(".svg") or link in seen:
                continue
            seen.add(link)
            queue.append(link)
    return findings, sorted(seen)


def _users():
    make_user(ANA)
    make_user("boss", admin=True)
    return signed_in(ANA), signed_in("boss")


# --- every route and every page -----------------------------------------------------------------------

def test_no_api_answer_ranks_a_named_person(council, admin, reader):
    for api in (admin, reader):
        findings, called = walk_api(api)
        assert findings == []
        assert len(called) > 60  # the walk reached the boards, people, insights and their CSV
        assert any("/leaderboards/all-time" in c for c in called) and any("format': 'csv" in c for c in called)


def test_no_page_ranks_a_named_person(council):
    employee, admin = _users()
    for client in (employee, admin):
        findings, opened = walk_pages(client)
        assert findings == []
        assert "/me" in opened and any(p.startswith("/boards/") for p in opened)
    assert any(p.startswith("/admin-area/insights") and ".csv" in p for p in walk_pages(admin)[1])


def test_the_detector_fires_when_individual_ranking_is_on(ranking_on, admin, reader):
    api_findings, _ = walk_api(reader)
    assert any("GET /api/v1/leaderboards/all-time" in f and "rank 1" in f for f in api_findings)
    assert any("/people/" in f and ".ranks" in f for f in api_findings)
    assert any("top_poster" in f for f in walk_api(admin)[0])
    assert any("CSV column" in f for f in api_findings)
    employee, boss = _users()
    page_findings, _ = walk_pages(employee)
    assert any(f.startswith("page /boards/all-time") and "ranked table" in f for f in page_findings)
    assert any("Where you stand" in f for f in page_findings)
    admin_findings, _ = walk_pages(boss)
    assert any(f.startswith("page /admin-area/insights") and "ordered list names" in f for f in admin_findings)
    assert any(f.startswith("page /admin-area/insights.csv") and "top_poster" in f for f in admin_findings)


# --- focused ------------------------------------------------------------------------------------------

def test_boards_of_people_and_around_answer_403_and_say_team_boards_remain(council, reader):
    for path, params in [("/leaderboards/all-time", {}), ("/leaderboards/weekly", {}),
                         ("/leaderboards/channels", {"scope": "learning"}), ("/leaderboards/in-team", {"scope": "Data"}),
                         ("/leaderboards/teams", {"around": ANA}), ("/leaderboards/all-time", {"around": ANA})]:
        response = reader.get(path, **params)
        assert response.status_code == 403, (path, response.content)
        body = response.json()
        assert body["error"] == "individual_ranking_off"
        assert "no individual rankings" in body["message"] and "teams, team-share" in body["message"]
    boards = {b["id"]: b["available"] for b in reader.get("/leaderboards").json()}
    assert boards == {"all-time": False, "weekly": False, "channels": False, "in-team": False,
                      "teams": True, "team-share": True}


def test_team_boards_answer_with_small_teams_left_out(council, reader):
    for board in ("teams", "team-share"):
        response = reader.get(f"/leaderboards/{board}")
        assert response.status_code == 200, response.content
        body = response.json()
        # Sales (two people) is left out; Data (four) is shown
        assert [(e["name"], e["members"]) for e in body["entries"]] == [("Data", 4)]
        assert body["total"] == 1
    page = text(signed_in_employee().get("/boards/teams"))
    assert "Teams of fewer than 3 people are not shown" in page and "Sales" not in page


def signed_in_employee() -> Client:
    make_user(ANA)
    return signed_in(ANA)


def test_board_pages_of_people_say_there_are_no_individual_rankings(council):
    ana = signed_in_employee()
    response = ana.get("/boards/all-time")
    assert response.status_code == 403
    page = text(response)
    assert "This company shows no individual rankings" in page and 'href="/boards/teams"' in page
    assert "Ana Ruiz" not in page.split("</nav>", 1)[-1] or "Bob Stone" not in page
    home = text(ana.get("/"))
    assert 'href="/boards/all-time"' not in home and 'href="/boards/teams"' in home
    assert "This company shows no individual rankings" in home


def test_each_person_still_sees_their_own_points_level_and_badges(council, reader):
    body = reader.get(f"/people/{ANA}").json()
    assert body["ranks"] == []
    assert body["points"] == 6 * 10 + 2 and body["level"]["name"] == "Contributor"
    assert [b["id"] for b in body["badges"]] == ["first-post"]
    page = text(signed_in_employee().get("/me", follow=True))
    assert "62" in page and "Contributor" in page and "First Post" in page
    assert "no individual rankings" in page and "Ranks" not in page


def test_no_leaderboard_top_is_announced_and_digests_name_no_top_people(council):
    from notifications.digest import publish_due

    assert Notification.objects.filter(trigger="leaderboard_top").count() == 0
    ruleset, _ = active_ruleset()
    monday = timezone.now().astimezone(ruleset.tz)
    monday = (monday + timedelta(days=7 - monday.weekday())).replace(hour=9, minute=0, second=30, microsecond=0)
    [digest_id] = publish_due(ruleset, now=monday.astimezone(dt_timezone.utc))
    data = Notification.objects.get(id=digest_id).data
    assert data["top_contributors"] == []
    assert data["top_posts"] and all(p["author"] is None for p in data["top_posts"])
    assert json_findings(data, "digest") == []


def test_with_ranking_on_entering_the_top_is_announced(ranking_on):
    assert Notification.objects.filter(trigger="leaderboard_top").count() > 0


def test_insights_name_no_one_and_leave_out_small_groups(council, admin):
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    until = (timezone.now() + timedelta(days=2)).date().isoformat()
    body = admin.get("/insights/engagement", group="team", interval="month", **{"from": since, "until": until}).json()
    assert {r["group"] for r in body["rows"] if r["figures"]["active_people"]["value"]} == {"Data"}
    assert all(r["top_poster"] is None for r in body["rows"])
    assert body["privacy"]["min_group_size"] == 3 and body["privacy"]["hidden_groups"] >= 1
    assert all(p["author"] is None and p["author_name"] is None for p in body["top_posts"])
    everyone = admin.get("/insights/engagement", group="all", **{"from": since, "until": until}).json()
    assert everyone["rows"] and all(r["top_poster"] is None for r in everyone["rows"])
    csv_text = admin.get("/insights/engagement", group="team", format="csv", **{"from": since, "until": until}).content.decode()
    assert "Sales" not in csv_text and not any(key in csv_text for key in PEOPLE)
    kudos = admin.get("/insights/kudos").json()
    assert [t["team"] for t in kudos["teams"]] == ["Data"]
    assert all("Sales" not in (f["from_team"], f["to_team"]) for f in kudos["between_teams"])
    assert kudos["privacy"]["hidden_groups"] == 1
    make_user("boss", admin=True)
    dashboard = text(signed_in("boss").get("/admin-area/insights", {"group": "team", "interval": "month", **_window()}))
    assert "Small groups are hidden: a team shows only in periods with at least 3 active people" in dashboard
    assert "1 team of fewer than 3 people is left out" in dashboard and "no individual rankings" in dashboard
    report = text(signed_in("boss").get("/insights/report", {"level": "class", "channel": "learning", **_window()}))
    assert "Small groups are hidden: 1 team with fewer than 3 active people is left out" in report


def test_chat_top_of_a_people_board_is_refused_in_words_a_person_reads(council):
    with pytest.raises(Conflict) as refused:
        standing.top("all-time")
    assert refused.value.code == "individual_ranking_off"
    assert refused.value.message == "This workspace shows no individual rankings; try /plaudit top teams"
    # no board named: the first board of teams, small teams left out; `me` has no ranks, but points and badges
    assert [e["name"] for e in standing.top()["entries"]] == ["Data"]
    me = standing.me(ANA)
    assert me["ranks"] == [] and me["points"] == 62 and me["badges"]


def test_a_simulated_draft_in_works_council_mode_names_no_movers(council, admin):
    report = admin.post("/rulesets/simulate", {"ruleset": RULESET.replace("points: 10", "points: 20"),
                                               **_window()}).json()
    assert report["points"]["after"] > report["points"]["before"]
    boards = {b["board"]: b for b in report["boards"]}
    assert boards["all-time"]["moved"] >= 0 and boards["all-time"]["top"] == [] and report["top_movers"] == []
    assert json_findings(report, "simulation") == []


# --- the ruleset's privacy section --------------------------------------------------------------------

def _issues(extra: str) -> list[tuple[str, str]]:
    try:
        load_ruleset("ruleset: t\nleaderboards:\n  - id: a\n" + extra)
    except RulesetError as exc:
        return [(i.path, i.message) for i in exc.issues]
    return []


def test_the_privacy_section_defaults_to_ranking_people_and_showing_every_group():
    ruleset = load_ruleset("ruleset: t\n")
    assert (ruleset.ranks_people, ruleset.min_group_size) == (True, 1)
    ruleset = load_ruleset("ruleset: t\nprivacy: {individual_ranking: false, min_group_size: 5}\n")
    assert (ruleset.ranks_people, ruleset.min_group_size) == (False, 5)


@pytest.mark.parametrize("extra, path, words", [
    ("privacy: {individual_ranking: off}\n", "privacy.individual_ranking", "write false without quotes"),
    ("privacy: {individual_ranking: 'false'}\n", "privacy.individual_ranking", "not the text 'false'"),
    ("privacy: {min_group_size: 0}\n", "privacy.min_group_size", "greater than or equal to 1"),
    ("privacy: {min_group_size: '5'}\n", "privacy.min_group_size", "write it without quotes"),
    ("privacy: {ranking: false}\n", "privacy.ranking", "unknown key"),
])
def test_a_wrong_privacy_section_is_refused_naming_the_field(extra, path, words):
    assert any(p == path and words in m for p, m in _issues(extra)), _issues(extra)
