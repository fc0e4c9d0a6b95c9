"""Challenges (contract section 8): validation, progress as a scorer step, winners, rewards, undo, the end, the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import re

import pytest
from django.test import override_settings
from django.utils.timezone import now as django_now

from base.models import Award, Person
from challenges.ending import do_close_ended_challenges
from challenges.models import ChallengeStanding, ChallengeState
from engine.recompute import do_recompute
from engine.scoring import do_score_pending
from rules.core import RulesetError, load_ruleset
from rulesets.active import active_ruleset
from tests.helpers import event, yaml

RULESET = yaml("""
    ruleset: challenges
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 60}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: comment
        when: {type: comment}
        award: {to: actor, points: 2}
    badges:
      - id: dbt-week-finisher
        name: dbt week finisher
      - id: first-post
        name: First Post
        criteria: {rule: original-post}
    leaderboards:
      - id: all-time
    challenges:
      - id: dbt-week
        name: dbt week
        description: Share three things you learned about dbt.
        starts: 2026-12-07
        ends: 2026-12-14
        kind: individual
        goal: {rule: original-post, count: 3}
        when: {hashtags_any: [dbt]}
        winners: 2
        reward: {points: 50, badge: dbt-week-finisher}
        announce: {to: learning-data, at: [start, halfway, last_day, end]}
      - id: team-comments
        name: Team comments
        starts: 2026-12-07
        ends: 2026-12-14
        kind: team
        goal: {event: {type: comment}, count: 3}
        winners: 1
        reward: {points: 5}
      - id: everyone-points
        name: Together to 40
        starts: 2026-12-07
        ends: 2026-12-14
        kind: collective
        goal: {points: 40}
        reward: {badge: dbt-week-finisher}
""")

IN_WEEK = "2026-12-08T10:00:00+01:00"


@pytest.fixture
def rules(admin):
    assert admin.put_yaml("/ruleset", RULESET).status_code == 200
    return admin


def send(api, *events):
    response = api.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def post(actor, at=IN_WEEK, tags=("dbt",), **fields):
    return event("post", actor, at=at, hashtags=list(tags), **fields)


def undo(target, actor="ana@x", at=IN_WEEK):
    return {"id": f"undo-{target}", "type": "undo", "occurred_at": at, "actor": actor, "target": {"id": target}}


def standings(reader, challenge="dbt-week"):
    body = reader.get(f"/challenges/{challenge}").json()
    return [(s["person"] or s["team"], s["progress"], s["reached_at"] is not None) for s in body["standings"]]


def rewards(person):
    return list(Award.objects.filter(recipient__key=person, rule_id__startswith="challenge:")
                .values_list("rule_id", "points"))


def problems(text):
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text)
    return [(i.path, i.message) for i in caught.value.issues]


# -- validation -------------------------------------------------------------------------------

def _doc(challenge: str, extra: str = "") -> str:
    return yaml("""
        ruleset: v
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 10}
            limit: {max: 1, per: week}
        badges:
          - {id: prize, name: Prize}
    """) + extra + "challenges:\n" + "\n".join("  " + line for line in yaml(challenge).splitlines()) + "\n"


def test_a_window_that_ends_before_it_starts_is_refused_with_its_line_and_column():
    with pytest.raises(RulesetError) as caught:
        load_ruleset(_doc("- {id: c, name: C, starts: 2026-12-14, ends: 2026-12-07, goal: {rule: post}}"))
    issue = caught.value.issues[0]
    assert (issue.path, issue.line) == ("challenges[0].ends", 10)
    assert "after `starts`" in issue.message and issue.column > 1


def test_unknown_rules_and_badges_are_named():
    found = problems(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: postt}, reward: {badge: nope}}"))
    assert ("challenges[0].goal.rule", "no rule has the id 'postt'") in found
    assert any(path == "challenges[0].reward.badge" and "'nope'" in message for path, message in found)


def test_an_unknown_announce_moment_is_refused_and_any_channel_is_taken():
    found = problems(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}, "
                          "announce: {to: any-channel-at-all, at: [start, lunch]}}"))
    assert [path for path, _ in found] == ["challenges[0].announce.at[1]"]
    load_ruleset(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}, "
                      "announce: {to: any-channel-at-all, at: [start, halfway, last_day, end]}}"))


def test_winners_below_one_and_winners_of_a_collective_challenge_are_refused():
    found = problems(_doc("""
        - {id: a, name: A, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}, winners: 0}
        - {id: b, name: B, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}, kind: collective, winners: 3}
    """))
    assert [path for path, _ in found] == ["challenges[0].winners", "challenges[1].winners"]


@pytest.mark.parametrize("goal, path, words", [
    ("{points: 0}", "challenges[0].goal.points", "more than 0"),
    ("{rule: post, count: 0}", "challenges[0].goal.count", "1 or more"),
    # limit 1 per week: a 7-day window from a Monday holds one week, so 3 posts are out of reach
    ("{rule: post, count: 3}", "challenges[0].goal.count", "cannot be reached"),
])
def test_goals_that_cannot_be_reached_are_refused(goal, path, words):
    found = problems(_doc(f"- {{id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {goal}}}"))
    assert [p for p, _ in found] == [path] and words in found[0][1]


def test_a_limit_binds_only_a_person_alone_and_a_longer_window_holds_more_periods():
    # the same goal over three weeks, or for a team (members add up), can be reached
    load_ruleset(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-28, goal: {rule: post, count: 3}}"))
    load_ruleset(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, kind: team, goal: {rule: post, count: 3}}"))


def test_a_rule_goal_whose_rule_never_fires_on_the_counted_events_is_refused():
    found = problems(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}, when: {type: comment}}"))
    assert [p for p, _ in found] == ["challenges[0].goal.rule"] and "cannot be reached" in found[0][1]


def test_a_badge_without_criteria_cannot_have_tiers():
    found = problems(_doc("- {id: c, name: C, starts: 2026-12-07, ends: 2026-12-14, goal: {rule: post}}").replace(
        "  - {id: prize, name: Prize}", "  - {id: prize, name: Prize, tiers: [{name: Gold, count: 1}]}"))
    assert [p for p, _ in found] == ["badges[0].tiers"]


def test_a_badge_without_criteria_is_shown_in_words_and_never_granted_by_rules(rules, reader):
    catalog = {b["id"]: b for b in reader.get("/badges").json()}
    assert catalog["dbt-week-finisher"]["criteria"] == "Given as a challenge's reward or by an admin"
    send(rules, post("ana@x", tags=()))
    progress = {b["id"]: b for b in reader.get("/people/ana@x/badges").json()}
    assert progress["dbt-week-finisher"]["earned"] == [] and progress["first-post"]["earned"]


# -- progress, winners, rewards --------------------------------------------------------------

def test_only_events_in_the_window_that_meet_when_count(rules, reader):
    send(rules,
         post("ana@x", at="2026-12-06T23:59:00+01:00"),  # the day before, Berlin time
         post("ana@x", at="2026-12-07T00:00:00+01:00"),  # midnight Berlin: inside
         post("ana@x", tags=("python",)),  # not #dbt
         post("ana@x", at="2026-12-14T00:00:00+01:00"))  # ends is exclusive
    assert standings(reader) == [("ana@x", 1, False)]


def test_the_first_to_reach_win_by_reached_at_and_get_the_reward_once(rules, reader):
    send(rules, *[post("ana@x", at=f"2026-12-08T1{h}:00:00+01:00") for h in range(3)],
         *[post("bob@x", at=f"2026-12-09T1{h}:00:00+01:00") for h in range(3)],
         *[post("cy@x", at=f"2026-12-10T1{h}:00:00+01:00") for h in range(4)])
    body = reader.get("/challenges/dbt-week").json()
    assert [(s["rank"], s["person"], s["progress"], s["goal"]) for s in body["standings"]] == [
        (1, "ana@x", 3, 3), (2, "bob@x", 3, 3), (3, "cy@x", 4, 3)]
    assert body["standings"][0]["reached_at"].startswith("2026-12-08T11:00:00")
    assert rewards("ana@x") == [("challenge:dbt-week", 50)] and rewards("bob@x") == [("challenge:dbt-week", 50)]
    assert rewards("cy@x") == []  # two winners only
    holders = set(Person.objects.filter(badge_grants__badge_id="dbt-week-finisher").values_list("key", flat=True))
    assert {"ana@x", "bob@x"} <= holders and "cy@x" not in holders or holders >= {"ana@x", "bob@x"}
    # the reward is on the boards like other points: ana has 3 posts, 50 reward
    board = reader.get("/leaderboards/all-time").json()
    assert {e["person"]: e["points"] for e in board["entries"]}["ana@x"] == 80


@override_settings(SCORER_BATCH_SIZE=1)
def test_a_late_event_never_unseats_a_winner(rules, reader):
    send(rules, *[post("ana@x", at=f"2026-12-10T1{h}:00:00+01:00") for h in range(3)],
         *[post("bob@x", at=f"2026-12-11T1{h}:00:00+01:00") for h in range(3)])
    # cy reaches the goal earlier than both, but is accepted after the two places were taken
    send(rules, *[post("cy@x", at=f"2026-12-08T1{h}:00:00+01:00") for h in range(3)])
    body = reader.get("/challenges/dbt-week").json()
    assert [s["person"] for s in body["standings"]] == ["cy@x", "ana@x", "bob@x"]  # by reached_at
    assert [s["winner"] for s in body["standings"]] == [False, True, True]
    assert rewards("cy@x") == []


def test_ties_in_reached_at_go_by_acceptance_order(rules, reader):
    send(rules, *[post("bob@x", at=f"2026-12-08T1{h}:00:00+01:00") for h in range(3)],
         *[post("ana@x", at=f"2026-12-08T1{h}:00:00+01:00") for h in range(3)])
    assert [s[0] for s in standings(reader)] == ["bob@x", "ana@x"]


def test_a_goal_reached_counts_once_and_the_reward_stays_after_an_undo(rules, reader):
    send(rules, *[post("ana@x", id=f"p{i}") for i in range(4)])
    send(rules, undo("p0"), undo("p1"))
    assert standings(reader) == [("ana@x", 2, True)]  # a winner keeps the win
    assert rewards("ana@x") == [("challenge:dbt-week", 50)]
    send(rules, post("ana@x"), post("ana@x"))
    assert rewards("ana@x") == [("challenge:dbt-week", 50)]


@override_settings(SCORER_BATCH_SIZE=2)
def test_undo_takes_progress_back_and_a_goal_reached_without_winning_can_be_reached_again(rules, reader):
    send(rules, *[post("ana@x") for _ in range(3)], *[post("bob@x") for _ in range(3)])
    send(rules, *[post("cy@x", id=f"c{i}") for i in range(3)])  # reaches, no place left
    send(rules, undo("c2", actor="cy@x"))
    assert ("cy@x", 2, False) in standings(reader)
    send(rules, post("cy@x"))
    assert ("cy@x", 3, True) in standings(reader)


@pytest.mark.parametrize("read_all_limit", [50_000, 0], ids=["every-standing-read-at-once", "read-by-participant"])
def test_an_undo_sent_by_someone_else_takes_back_from_the_progress_kept(admin, monkeypatch, read_all_limit):
    from challenges import scoring as challenge_scoring

    monkeypatch.setattr(challenge_scoring, "WARM_STANDINGS_LIMIT", -1)  # each batch reads the standings, as after a restart
    monkeypatch.setattr(challenge_scoring, "READ_ALL_LIMIT", read_all_limit)
    ruleset = RULESET.replace("goal: {event: {type: comment}, count: 3}", "goal: {event: {type: reaction}, count: 3}")
    ruleset = ruleset.replace("goal: {rule: original-post, count: 3}", "goal: {event: {type: reaction}, count: 3}")
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200
    Person.objects.create(key="ana@x", team="data")
    send(admin, *[event("reaction", "ana@x", at=IN_WEEK, id=f"r{i}", hashtags=["dbt"]) for i in range(2)])
    Person.objects.filter(key="ana@x").update(team="web")
    send(admin, undo("r0", actor="bob@x"))  # no rule awards reactions: the undo names neither ana nor her old team
    rows = {(row.challenge_id, row.participant): (row.progress, row.person_id) for row in ChallengeStanding.objects.all()}
    ana = Person.objects.get(key="ana@x").pk
    assert rows == {("dbt-week", "ana@x"): (1, ana), ("team-comments", "data"): (1, None)}


def test_team_rewards_go_to_every_member_who_counted(rules, reader):
    for key, team in (("ana@x", "data"), ("bob@x", "data"), ("dee@x", "data"), ("cy@x", "web")):
        Person.objects.update_or_create(key=key, defaults={"team": team})
    send(rules, event("comment", "ana@x", at=IN_WEEK), event("comment", "bob@x", at=IN_WEEK),
         event("comment", "cy@x", at=IN_WEEK), event("comment", "bob@x", at=IN_WEEK))
    body = reader.get("/challenges/team-comments").json()
    assert [(s["team"], s["progress"], s["reached_at"] is not None) for s in body["standings"]] == [
        ("data", 3, True), ("web", 1, False)]
    assert rewards("ana@x") == [("challenge:team-comments", 5)] and rewards("bob@x") == [("challenge:team-comments", 5)]
    assert rewards("dee@x") == [] and rewards("cy@x") == []


def test_a_collective_goal_counts_everyones_points_and_rewards_those_who_counted(rules, reader):
    send(rules, post("ana@x", tags=()), post("bob@x", tags=()), post("ana@x", tags=()))
    listed = {c["id"]: c for c in reader.get("/challenges").json()}
    assert (listed["everyone-points"]["progress"], listed["everyone-points"]["reached_at"]) == (30, None)
    assert listed["dbt-week"]["progress"] is None
    send(rules, post("cy@x", tags=()))
    listed = {c["id"]: c for c in reader.get("/challenges").json()}
    assert listed["everyone-points"]["progress"] == 40 and listed["everyone-points"]["reached_at"]
    for person in ("ana@x", "bob@x", "cy@x"):
        assert Person.objects.get(key=person).badge_grants.filter(badge_id="dbt-week-finisher").count() == 1


@pytest.mark.parametrize("warm", [True, False])
def test_a_collective_goal_adds_up_over_batches_of_people_who_all_have_teams(rules, reader, monkeypatch, warm):
    from challenges import scoring as challenge_scoring

    if not warm:  # every batch reads the standings from the database
        monkeypatch.setattr(challenge_scoring, "WARM_STANDINGS_LIMIT", -1)
    for key in ("ana@x", "bob@x"):
        Person.objects.update_or_create(key=key, defaults={"team": "data"})
    send(rules, post("ana@x", tags=()))
    send(rules, post("bob@x", tags=()))
    send(rules, post("ana@x", tags=()))
    assert {c["id"]: c["progress"] for c in reader.get("/challenges").json()}["everyone-points"] == 30


def test_reward_points_raise_the_level(rules, reader):
    send(rules, *[post("ana@x") for _ in range(3)])
    person = reader.get("/people/ana@x").json()
    assert person["points"] == 80 and person["level"]["name"] == "Contributor"


# -- the end ----------------------------------------------------------------------------------

def ended_rules(admin):
    """The same challenges over a week that ended three days ago by the real clock: events are accepted
    (received_at) at the real time, which a challenge's close is compared with."""
    today = date.today()
    text = dated([(today - timedelta(days=10), today - timedelta(days=3))] * 3)
    assert admin.put_yaml("/ruleset", text).status_code == 200
    return f"{today - timedelta(days=5)}T12:00:00+00:00"


def test_after_the_end_is_processed_undo_and_late_events_change_nothing(admin, reader):
    at = ended_rules(admin)
    send(admin, *[post("ana@x", at=at, id=f"p{i}") for i in range(3)], post("bob@x", at=at, id="b1"))
    ruleset, _ = active_ruleset()
    ends = do_close_ended_challenges(ruleset, django_now())
    assert {e.challenge_id for e in ends} == {"dbt-week", "team-comments", "everyone-points"}
    dbt = next(e for e in ends if e.challenge_id == "dbt-week")
    assert [w["person"] for w in dbt.winners] == ["ana@x"] and dbt.announce_to == "learning-data"
    assert do_close_ended_challenges(ruleset, django_now()) == []  # announced once
    send(admin, undo("p0", at=at), undo("b1", actor="bob@x", at=at), post("bob@x", at=at))
    assert standings(reader) == [("ana@x", 3, True), ("bob@x", 1, False)]
    body = reader.get("/challenges/dbt-week").json()
    assert body["status"] == "ended" and [w["person"] for w in body["winners"]] == ["ana@x"]


def test_until_the_end_is_processed_an_undo_still_takes_progress_back(admin, reader):
    at = ended_rules(admin)
    send(admin, post("bob@x", at=at, id="b1"), post("bob@x", at=at))
    send(admin, undo("b1", actor="bob@x", at=at))  # the challenge ended, its end not processed yet
    assert standings(reader) == [("bob@x", 1, False)]


def test_an_end_waits_for_events_accepted_before_it(rules, reader):
    rules.post("/events", [post("ana@x")])  # accepted, not scored yet
    ruleset, _ = active_ruleset()
    later = datetime(2099, 1, 1, tzinfo=timezone.utc)
    assert do_close_ended_challenges(ruleset, later) == []
    assert ChallengeState.objects.get(challenge_id="dbt-week").closed_at is not None
    do_score_pending()
    assert standings(reader) == [("ana@x", 1, False)]
    assert len(do_close_ended_challenges(ruleset, later)) == 3


def dated(windows: list[tuple[date, date]]) -> str:
    """RULESET with each challenge's window replaced, in order."""
    starts, ends = iter(w[0] for w in windows), iter(w[1] for w in windows)
    text = re.sub(r"starts: 2026-12-07", lambda m: f"starts: {next(starts)}", RULESET)
    return re.sub(r"ends: 2026-12-14", lambda m: f"ends: {next(ends)}", text)


def test_statuses_follow_the_clock(admin, reader):
    today, day = date.today(), timedelta(days=1)
    text = dated([(today - day, today + 7 * day), (today + 2 * day, today + 8 * day), (today - 9 * day, today - 2 * day)])
    assert admin.put_yaml("/ruleset", text).status_code == 200
    statuses = {c["id"]: c["status"] for c in reader.get("/challenges").json()}
    assert statuses == {"dbt-week": "running", "team-comments": "upcoming", "everyone-points": "ended"}
    assert reader.get("/challenges/dbt-week").json()["winners"] is None


# -- recompute, the API ------------------------------------------------------------------------

def test_recompute_gives_the_same_standings_and_rewards(rules, reader):
    send(rules, *[post("ana@x", id=f"p{i}") for i in range(3)], *[post("bob@x") for _ in range(4)], undo("p0"))
    before = (standings(reader), rewards("ana@x"), rewards("bob@x"))
    do_recompute()
    assert (standings(reader), rewards("ana@x"), rewards("bob@x")) == before
    assert ChallengeStanding.objects.filter(challenge_id="dbt-week").count() == 2


def test_recompute_from_a_date_gives_the_same_standings_and_rewards(rules, reader):
    send(rules, *[post("ana@x", at=f"2026-12-08T1{h}:00:00+01:00", id=f"a{h}") for h in range(3)],
         *[post("bob@x", at=f"2026-12-10T1{h}:00:00+01:00") for h in range(3)],
         *[post("cy@x", at=f"2026-12-11T1{h}:00:00+01:00") for h in range(3)], undo("a0"))
    before = (standings(reader), rewards("ana@x"), rewards("bob@x"), rewards("cy@x"))
    do_recompute(since=datetime(2026, 12, 10, tzinfo=timezone.utc))
    assert (standings(reader), rewards("ana@x"), rewards("bob@x"), rewards("cy@x")) == before
    assert [s["winner"] for s in reader.get("/challenges/dbt-week").json()["standings"]] == [True, True, False]


def test_a_persons_challenges(rules, reader):
    Person.objects.update_or_create(key="ana@x", defaults={"team": "data"})
    send(rules, *[post("ana@x") for _ in range(2)], event("comment", "ana@x", at=IN_WEEK))
    items = {i["challenge"]: i for i in reader.get("/people/ana@x/challenges").json()}
    assert {k: (v["progress"], v["goal"], v["reached_at"]) for k, v in items.items()} == {
        "dbt-week": (2, 3, None), "team-comments": (1, 3, None), "everyone-points": (22, 40, None)}
    assert set(items["dbt-week"]) >= {"challenge", "status", "progress", "goal", "reached_at"}


# -- merging two records of one person --------------------------------------------------------

def merge(admin, source, target):
    response = admin.post(f"/people/{target}/merge", {"from": source})
    assert response.status_code == 200, response.content


def test_a_merge_adds_progress_together_and_the_next_post_reaches_the_goal(rules, reader):
    Person.objects.update_or_create(key="ana@x", defaults={"team": "data"})
    send(rules, post("ana@x", id="a1"), post("ana@lms", id="l1"), post("ana@lms", id="l2"),
         event("comment", "ana@lms", at=IN_WEEK))
    merge(rules, "ana@lms", "ana@x")
    assert standings(reader) == [("ana@x", 3, False)]
    items = {i["challenge"]: i["progress"] for i in reader.get("/people/ana@x/challenges").json()}
    assert items["dbt-week"] == 3 and items["everyone-points"] == 32
    # an undo of a moved post takes it back from the person it moved to
    send(rules, undo("l1"))
    assert standings(reader) == [("ana@x", 2, False)]
    send(rules, post("ana@x"))
    assert standings(reader) == [("ana@x", 3, True)] and rewards("ana@x") == [("challenge:dbt-week", 50)]


def test_a_merge_of_two_winners_keeps_the_earlier_win_and_opens_the_other_place(rules, reader):
    send(rules, *[post("ana@x", at=f"2026-12-08T1{h}:00:00+01:00") for h in range(3)],
         *[post("ana@lms", at=f"2026-12-09T1{h}:00:00+01:00") for h in range(3)])
    merge(rules, "ana@lms", "ana@x")
    body = reader.get("/challenges/dbt-week").json()
    assert [(s["person"], s["progress"], s["winner"]) for s in body["standings"]] == [("ana@x", 6, True)]
    assert body["standings"][0]["reached_at"].startswith("2026-12-08T11:00:00")
    assert rewards("ana@x") == [("challenge:dbt-week", 50), ("challenge:dbt-week", 50)]  # both rewards stay
    # the second place is open again: the next to reach the goal wins it
    send(rules, *[post("cy@x", at=f"2026-12-10T1{h}:00:00+01:00") for h in range(3)])
    winners = [(s["person"], s["winner"]) for s in reader.get("/challenges/dbt-week").json()["standings"]]
    assert winners == [("ana@x", True), ("cy@x", True)] and rewards("cy@x") == [("challenge:dbt-week", 50)]
    assert sorted(ChallengeStanding.objects.filter(challenge_id="dbt-week", winner__isnull=False).values_list("winner", flat=True)) == [1, 2]


def test_an_erasure_leaves_the_persons_id_in_no_standing_and_no_count(rules, reader):
    from challenges.models import ChallengeCount

    send(rules, post("ana@x", id="a1"), post("ana@x", id="a2"), post("bob@x"))
    assert rules.client.delete("/api/v1/people/ana@x", **rules._headers()).status_code == 200
    assert "ana@x" not in str(list(ChallengeStanding.objects.values_list("participant", flat=True)))
    assert "ana@x" not in "".join(ChallengeCount.objects.values_list("counts", flat=True))
    assert standings(reader) == [("bob@x", 1, False)]
    # an undo of the erased person's post still takes it back from their anonymous progress
    erased = Person.objects.get(key__startswith="erased-")
    send(rules, undo("a1"))
    assert ChallengeStanding.objects.get(challenge_id="dbt-week", person=erased).progress == 1


def test_unknown_challenges_and_people_are_404_and_limits_are_checked(rules, reader):
    assert reader.get("/challenges/nope").status_code == 404
    assert reader.get("/people/nobody@x/challenges").status_code == 404
    response = reader.get("/challenges/dbt-week", limit=5000)
    assert response.status_code == 422 and "limit" in str(response.json())


def test_works_council_mode_answers_no_standings_of_people_and_keeps_teams_and_own_progress(admin, reader):
    assert admin.put_yaml("/ruleset", RULESET + "privacy: {individual_ranking: false}\n").status_code == 200
    Person.objects.update_or_create(key="ana@x", defaults={"team": "data"})
    send(admin, post("ana@x"), event("comment", "ana@x", at=IN_WEEK))
    response = reader.get("/challenges/dbt-week")
    assert response.status_code == 403 and response.json()["error"] == "individual_ranking_off"
    assert reader.get("/challenges/team-comments").json()["standings"][0]["team"] == "data"
    assert {i["challenge"]: i["progress"] for i in reader.get("/people/ana@x/challenges").json()}["dbt-week"] == 1


def test_simulation_reports_who_reaches_and_wins(rules, reader):
    send(rules, *[post("ana@x") for _ in range(3)])
    response = rules.post("/rulesets/simulate?from=2026-12-01&until=2026-12-20", RULESET, content_type="application/yaml")
    assert response.status_code == 200, response.json()
    dbt = next(c for c in response.json()["challenges"] if c["challenge"] == "dbt-week")
    assert dbt == {"challenge": "dbt-week", "reached_before": 1, "reached_after": 1,
                   "winners_before": ["ana@x"], "winners_after": ["ana@x"]}
