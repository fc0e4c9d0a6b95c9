"""Ruleset versions, roll back, simulation and recompute, through the API and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from base.models import Award, Person
from engine.recompute import do_recompute
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event

DOUBLE_POSTS = BASIC_RULESET.replace("ruleset: basic", "ruleset: double").replace(
    "award: {to: actor, points: 10}\n    limit: {max: 3, per: day}", "award: {to: actor, points: 20}\n    limit: {max: 1, per: day}")


def seed(admin, *events):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def points(reader, person):
    return reader.get(f"/people/{person}").json()["points"]


def test_every_activation_is_kept_and_can_be_diffed_and_rolled_back(admin, reader):
    # given two activations
    first = admin.put_yaml("/ruleset?note=first", BASIC_RULESET).json()
    second = admin.put_yaml("/ruleset", DOUBLE_POSTS).json()

    # then both are listed, newest first, with who activated them and the note
    versions = reader.get("/rulesets").json()
    assert [(v["version"], v["name"], v["active"]) for v in versions] == [
        (second["version"], "double", True), (first["version"], "basic", False)]
    assert versions[1]["note"] == "first" and versions[1]["activated_by"] == "test admin"

    # and the diff shows the changed lines
    diff = reader.get(f"/rulesets/{first['version']}/diff/{second['version']}").json()["diff"]
    assert "-ruleset: basic" in diff and "+ruleset: double" in diff and "+    award: {to: actor, points: 20}" in diff

    # when rolling back to the first
    rolled = admin.post(f"/rulesets/{first['version']}/activate", {}).json()

    # then its text is active again, as a new version
    assert rolled["version"] > second["version"] and rolled["text"] == BASIC_RULESET
    assert reader.get("/ruleset").json()["name"] == "basic"
    assert "roll back" in rolled["note"]


def test_a_failed_upload_leaves_the_active_ruleset_untouched(admin, reader):
    # given
    admin.put_yaml("/ruleset", BASIC_RULESET)
    # when
    response = admin.put_yaml("/ruleset", "ruleset: broken\nrules:\n  - id: x\n    award: {to: nobody, points: 1}\n")
    # then
    assert response.status_code == 422
    assert response.json()["details"][0]["line"] == 4
    assert reader.get("/ruleset").json()["name"] == "basic"
    assert len(reader.get("/rulesets").json()) == 1


def test_unknown_versions_are_404(admin):
    assert admin.get("/rulesets/999").status_code == 404
    assert admin.post("/rulesets/999/activate", {}).status_code == 404


def test_simulation_compares_a_draft_with_the_live_ruleset_and_writes_nothing(admin, redis):
    # given bob posts once, then ana three times on one day
    seed(admin, event("post", "bob@example.com", at="2026-11-20T10:00:00+00:00"),
         *[event("post", "ana@example.com", at=f"2026-11-20T1{i}:00:00+00:00") for i in range(3)])
    awards_before = sorted(Award.objects.values_list("event_id", "rule_id", "points"))
    boards_before = sorted(redis.keys("plaudit:lb:*"))

    # when simulating a draft that pays 20 for one post a day
    response = admin.client.post("/api/v1/rulesets/simulate?from=2026-11-01&until=2026-12-01", DOUBLE_POSTS,
                                 content_type="application/yaml", HTTP_AUTHORIZATION=f"Bearer {admin.key}")

    # then the report shows points before and after per person, caps, and rank changes
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["events"] == 4
    assert {r["person"]: (r["before"], r["after"]) for r in report["per_person"]} == {
        "ana@example.com": (30, 20), "bob@example.com": (10, 20)}
    posts = next(r for r in report["rules"] if r["rule"] == "original-post")
    assert (posts["capped_before"], posts["capped_after"]) == (0, 2)
    all_time = next(b for b in report["boards"] if b["board"] == "all-time")
    assert {m["person"]: (m["before"], m["after"]) for m in all_time["top"]} == {
        "bob@example.com": (2, 1), "ana@example.com": (1, 2)}
    assert report["top_movers"][0]["change"] in (-10, 10)
    # and nothing live changed
    assert sorted(Award.objects.values_list("event_id", "rule_id", "points")) == awards_before
    assert sorted(redis.keys("plaudit:lb:*")) == boards_before
    assert admin.get("/ruleset").json()["name"] == "basic"


def test_a_draft_that_changes_the_boards_is_placed_on_its_own_boards(admin):
    # given ana posts in two channels
    seed(admin, event("post", "ana@example.com", at="2026-11-20T10:00:00+00:00", channel="guild"),
         event("post", "ana@example.com", at="2026-11-21T10:00:00+00:00", channel="help"))
    # when the draft counts the posting board per channel and by day instead
    draft = BASIC_RULESET.replace("{id: posting, rules: [original-post]}",
                                  "{id: posting, rules: [original-post], period: day, scope: channel}")
    report = admin.post("/rulesets/simulate", {"ruleset": draft, "from": "2026-11-01", "until": "2026-12-01"}).json()
    # then the draft's posting boards are its own: per channel, each at the last day it was posted to
    posting = [(b["period"], b["scope"], b["entries"]) for b in report["boards"] if b["board"] == "posting"]
    assert posting == [("2026-11-20", "guild", 1), ("2026-11-21", "help", 1)]


def test_simulation_reports_badges_gained_and_lost(admin):
    # given ana comments twice on bob's post (Bronze of the commenter badge needs 2 awards of the
    # comment rule, which pays the commenter and the post's author alike)
    seed(admin, event("comment", "ana@example.com", target={"id": "x", "author": "bob@example.com"}, text="one"),
         event("comment", "ana@example.com", target={"id": "x", "author": "bob@example.com"}, text="two"))
    harder = BASIC_RULESET.replace("{name: Bronze, count: 2}", "{name: Bronze, count: 3}").replace(
        "{name: Silver, count: 4}", "{name: Silver, count: 5}")
    # when
    report = admin.post("/rulesets/simulate", {"ruleset": harder, "from": "2026-11-01", "until": "2026-12-01"}).json()
    # then
    assert report["badges"] == [{"badge": "commenter:Bronze", "gained": 0, "lost": 2, "gained_by": [],
                                 "lost_by": ["ana@example.com", "bob@example.com"]}]


@pytest.mark.parametrize("query, message", [
    ("from=2026-12-01&until=2026-11-01", "before"),
    ("from=yesterday", "date"),
])
def test_simulation_refuses_bad_ranges(admin, query, message):
    admin.put_yaml("/ruleset", BASIC_RULESET)
    response = admin.client.post(f"/api/v1/rulesets/simulate?{query}", BASIC_RULESET, content_type="application/yaml",
                                 HTTP_AUTHORIZATION=f"Bearer {admin.key}")
    assert response.status_code == 422
    assert message in json.dumps(response.json())


def test_simulation_of_a_broken_draft_names_line_and_column(admin):
    response = admin.client.post("/api/v1/rulesets/simulate", "ruleset: x\nrules: 5\n", content_type="application/yaml",
                                 HTTP_AUTHORIZATION=f"Bearer {admin.key}")
    assert response.status_code == 422 and response.json()["details"][0]["line"] == 2


def test_recompute_rescores_history_under_the_active_ruleset(admin, reader, redis):
    # given history scored under the basic ruleset, then a new ruleset activated
    seed(admin, *[event("post", "ana@example.com", at=f"2026-11-20T1{i}:00:00+00:00") for i in range(3)],
         event("post", "bob@example.com", at="2026-11-20T10:00:00+00:00"))
    admin.put_yaml("/ruleset", DOUBLE_POSTS)
    assert points(reader, "ana@example.com") == 30  # activation alone rescored nothing

    # when
    report = do_recompute()

    # then the ledger, people and boards follow the new rules
    assert report.events == 4
    assert points(reader, "ana@example.com") == 20 and points(reader, "bob@example.com") == 20
    board = reader.get("/leaderboards/all-time").json()["entries"]
    assert [(e["person"], e["points"]) for e in board] == [("ana@example.com", 20), ("bob@example.com", 20)]
    assert Award.objects.filter(capped=True).count() == 2


def test_recompute_twice_gives_the_same_result(admin, reader, redis):
    # given
    seed(admin, event("post", "ana@example.com", id="p1"),
         event("reaction", "bob@example.com", id="r1", target={"id": "p1", "author": "ana@example.com"}),
         {"id": "u1", "type": "undo", "occurred_at": "2026-11-25T12:00:00+00:00", "actor": "bob@example.com",
          "target": {"id": "r1"}},
         event("shoutout", "bob@example.com", text="@ana@example.com passed #certification"))
    ledger = sorted(Award.objects.values_list("event__source_id", "rule_id", "recipient__key", "points", "capped"))
    board = reader.get("/leaderboards/all-time").json()["entries"]

    # when
    do_recompute()
    do_recompute()

    # then
    assert sorted(Award.objects.values_list("event__source_id", "rule_id", "recipient__key", "points", "capped")) == ledger
    assert reader.get("/leaderboards/all-time").json()["entries"] == board
    assert Person.objects.get(key="ana@example.com").points == 35


def test_recompute_over_the_api_runs_on_a_worker_and_reports_its_result(admin, reader, workers):
    # given scored history and a worker
    from base.models import ApiKey

    from rulesets.active import do_activate_ruleset
    from base.accept import do_accept_events

    do_activate_ruleset(BASIC_RULESET)
    do_accept_events([event("post", "ana@example.com", at=f"2026-11-20T1{i}:00:00+00:00") for i in range(3)])
    do_score_pending()
    do_activate_ruleset(DOUBLE_POSTS)
    workers.start()
    key = ApiKey.issue(name="ops", role="admin")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    # when
    queued = admin.client.post("/api/v1/recompute", "", content_type="application/json", **headers)
    assert queued.status_code == 202
    job = queued.json()["job"]
    from tests.conftest import wait_for

    wait_for(lambda: admin.client.get(f"/api/v1/recompute/{job}", **headers).json()["status"] in ("finished", "failed"),
             timeout=60, what="the recompute job")

    # then
    status = admin.client.get(f"/api/v1/recompute/{job}", **headers).json()
    assert status["status"] == "finished", status
    assert status["result"]["events"] == 3 and status["result"]["points"] == 20
    assert Person.objects.get(key="ana@example.com").points == 20


def test_cli_validate_and_simulate(admin):
    # given
    seed(admin, event("post", "ana@example.com", at="2026-11-20T10:00:00+00:00"))
    out = io.StringIO()
    # when
    call_command("rules", "validate", "rules/examples/social-learning.yaml", stdout=out)
    call_command("rules", "simulate", "rules/examples/social-learning.yaml", "--since", "2026-11-01",
                 "--until", "2026-12-01", "--json", stdout=out)
    # then
    text = out.getvalue()
    assert "social-learning.yaml: valid" in text
    report = json.loads(text[text.index("{"):])
    assert report["events"] == 1 and report["draft_ruleset"] == "social-learning"


def test_cli_validate_lists_problems_with_positions(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("ruleset: x\nrules:\n  - id: a\n    award: {to: actor, points: 1}\n    colour: red\n")
    with pytest.raises(CommandError) as error:
        call_command("rules", "validate", str(broken))
    assert f"{broken}:5:5" in str(error.value)


def test_the_json_schema_of_the_format_is_served_without_a_key(anonymous):
    # when
    response = anonymous.get("/rulesets/schema.json")
    # then it describes the format's top-level keys and forbids others
    assert response.status_code == 200
    schema = response.json()
    assert {"ruleset", "rules", "badges", "leaderboards", "streaks", "tests"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_cli_rule_tests_pass_for_the_example_and_fail_with_a_message(tmp_path, capsys):
    # given the example ruleset, and a copy whose first test expects too much
    out = io.StringIO()
    call_command("rules", "test", "rules/examples/social-learning.yaml", stdout=out)
    assert "7 passed, 0 failed" in out.getvalue()
    broken = tmp_path / "broken.yaml"
    text = open("rules/examples/social-learning.yaml").read()
    broken.write_text(text.replace("ana@example.com: 30", "ana@example.com: 31", 1))
    # when
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("rules", "test", str(broken), stdout=out)
    # then
    assert exit_.value.code == 1
    assert "FAIL" in out.getvalue() and "expected ana@example.com to have 31 points, got 30" in out.getvalue()


def test_failing_expressions_are_counted_for_admins(admin, redis):
    # given a rule whose expression needs an attribute some events lack
    ruleset = BASIC_RULESET.replace(
        "  - id: liked\n", "  - id: high-score\n    when: {type: course_completed, expr: 'event.attributes.score >= 80'}\n"
        "    award: {to: actor, points: 5}\n  - id: liked\n")
    assert "high-score" in ruleset
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200
    # when two events lack the attribute and one has it
    admin.post("/events", [event("course_completed", "ana@example.com"), event("course_completed", "bob@example.com"),
                           event("course_completed", "cy@example.com", attributes={"score": 90})])
    do_score_pending()
    # then the failures are visible with the last reason, and the good event scored
    failures = admin.get("/ruleset").json()["expression_failures"]
    assert [(f["owner"], f["failures"]) for f in failures] == [("high-score", 2)]
    assert "score" in failures[0]["last_error"]
    assert points(admin, "cy@example.com") == 5 and points(admin, "ana@example.com") == 0


def test_recompute_since_a_date_rescores_only_what_happened_from_then_on(admin, reader, redis):
    # given posts before and after 25 November, scored under the basic ruleset (10 a post)
    seed(admin, *[event("post", "ana@example.com", at=f"2026-11-20T1{i}:00:00+00:00") for i in range(3)],
         event("post", "ana@example.com", at="2026-11-26T10:00:00+00:00"),
         event("post", "bob@example.com", at="2026-11-26T10:00:00+00:00"),
         event("comment", "bob@example.com", at="2026-11-20T12:00:00+00:00",
               target={"id": "x", "author": "cy@example.com"}, text="one"))
    admin.put_yaml("/ruleset", DOUBLE_POSTS)

    # when only the events since 25 November are rescored, twice
    from datetime import datetime, timezone as tz

    since = datetime(2026, 11, 25, tzinfo=tz.utc)
    first = do_recompute(since=since)
    do_recompute(since=since)

    # then the earlier posts keep their 10 points, the later ones earn the new 20
    assert first.events == 2
    assert points(reader, "ana@example.com") == 30 + 20
    assert points(reader, "bob@example.com") == 20 + 2
    board = reader.get("/leaderboards/all-time").json()["entries"]
    assert [(e["person"], e["points"]) for e in board][:2] == [("ana@example.com", 50), ("bob@example.com", 22)]
    # and the badge counts built from earlier events stand
    badges = {b["id"]: b for b in reader.get("/people/ana@example.com/badges").json()}
    assert badges["first-post"]["earned"]


def test_a_simulation_forked_onto_two_cores_reports_what_one_process_does(admin):
    from rulesets.active import active_ruleset
    from rules.core import load_ruleset
    from rulesets.simulate import compare, load_events

    # given posts in two channels, comments on them and an undo over nine days, under the live ruleset
    posts = [event("post", f"p{i % 4}@example.com", id=f"post-{i}", channel=("guild", "help")[i % 2],
                   at=f"2026-11-{10 + i % 9:02d}T1{i % 6}:00:00+00:00") for i in range(30)]
    comments = [event("comment", f"p{i % 3}@example.com", text="A useful comment on that",
                      target={"id": f"post-{i}", "author": f"p{i % 4}@example.com"},
                      at=f"2026-11-{10 + i % 9:02d}T17:00:00+00:00") for i in range(20)]
    seed(admin, *posts, *comments, event("undo", "p1@example.com", at="2026-11-19T09:00:00+00:00", target={"id": "post-1"}))
    live, _ = active_ruleset()
    events, teams = load_events(None, None)
    # when a draft is simulated with the live replay in a forked process, and without
    draft = load_ruleset(DOUBLE_POSTS)
    forked = compare(draft, live, events, teams, fork=True)
    alone = compare(draft, live, events, teams, fork=False)
    # then the reports are the same, and show the draft's change
    assert forked == alone
    assert forked["events"] == 51 and forked["points"]["before"] != forked["points"]["after"]
    assert forked["boards"] and forked["top_movers"]


def test_the_example_challenges_tell_employees_the_whole_goal():
    # a `#tag` after a space starts a YAML comment: an unquoted description would stop there
    from rules.core.compiled import load_ruleset

    with open("rules/examples/social-learning.yaml", encoding="utf-8") as example:
        ruleset = load_ruleset(example.read())
    data_week = next(c for c in ruleset.doc.challenges if c.id == "data-week")
    assert data_week.description.endswith("(tag them #Data); the first three win.")
