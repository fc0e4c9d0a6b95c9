"""The per-period figures kept as events are rolled up (insights/period_totals.py) give the same answers as the
raw event log and as the per-person rows, on a generated community in Europe/Berlin: events near local
midnight, across week and month boundaries and the March DST change, with undos of first contributions,
rolled up a few events at a time and read between deliveries."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from bench.insights import _comparable, _from_raw_events
from insights import figures, queries, rollup
from insights.models import ContentStats, FirstSeen, PeriodGroup
from tests.helpers import BASIC_RULESET

SPAN = (date(2027, 2, 20), date(2027, 4, 10))
PEOPLE = [(f"p{i:02d}@x", ("Data", "Sales", "Support")[i % 3]) for i in range(14)]
CHANNELS = {"c1": "pA", "c2": "pA", "c3": "pB"}
REPLIES = {"comment", "reaction", "reshare", "answer", "poll_vote"}
CONTENT = ("post", "question", "shoutout", "poll_created")
MIX = ["post"] * 6 + ["comment"] * 6 + ["reaction"] * 8 + ["reshare", "question", "question", "answer", "answer",
                                                            "shoutout", "poll_created", "poll_vote", "course_completed",
                                                            "follow", "join"]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(rollup, "GAP_SETTLE_S", 0)  # everything here is committed before it is read
    monkeypatch.setattr(rollup, "BATCH", 23)        # people cross zero within and across batches


def generated() -> tuple[list[dict], list[dict]]:
    """(events, undos sent later): seeded, so a failure repeats."""
    rng = random.Random(20270328)
    start = datetime(2027, 2, 19, 21, tzinfo=timezone.utc)
    events, content = [], []
    for n in range(900):
        # Mostly within two hours of Berlin midnight, where the UTC date and the local date differ.
        day = start + timedelta(days=rng.randrange(50))
        at = day + timedelta(minutes=rng.choice([rng.randrange(240), rng.randrange(1440)]))
        who, team = PEOPLE[min(int(rng.expovariate(0.25)), len(PEOPLE) - 1)]
        kind = rng.choice(MIX)
        channel = rng.choice(list(CHANNELS))
        program = CHANNELS[channel] if rng.random() < 0.9 else rng.choice(["pA", "pB"])
        body = {"id": f"g{n}", "type": kind, "occurred_at": at.isoformat(), "actor": {"id": who, "team": team},
                "channel": "" if kind == "course_completed" else channel, "program": program}
        if kind in REPLIES:
            wanted = {"answer": "question", "poll_vote": "poll_created"}.get(kind)
            targets = [c for c in content if wanted in (None, c[2])]
            if not targets:
                continue
            target, author, _ = rng.choice(targets[-15:])
            body["target"] = {"id": target, "author": author}
        if kind in CONTENT:
            content.append((body["id"], who, kind))
        if kind in ("post", "comment", "question", "answer"):
            body["text"] = f"{kind} {n} #{rng.choice(['python', 'Data', 'cloud'])}"
        events.append(body)
    events.sort(key=lambda e: e["occurred_at"])
    undoable = [e for e in events if e["type"] != "join"]
    # Undo the very first contribution of two people, then a random tenth, one of them twice.
    firsts = []
    for who, _ in PEOPLE[3:5]:
        firsts.append(next(e for e in events if e["actor"]["id"] == who and e["type"] in ("post", "comment", "question")))
    chosen = firsts + rng.sample(undoable, len(undoable) // 10)
    chosen.append(chosen[-1])
    undos = []
    for i, original in enumerate(chosen):
        later = datetime.fromisoformat(original["occurred_at"]) + timedelta(hours=rng.choice([1, 30, 200]))
        undos.append({"id": f"u{i}", "type": "undo", "occurred_at": later.isoformat(), "actor": original["actor"],
                      "target": {"id": original["id"]}, "channel": original["channel"], "program": original["program"]})
    return events, undos


@pytest.fixture
def community(admin, reader):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    events, undos = generated()
    for i in range(0, len(events), 300):
        assert admin.post("/events", events[i:i + 300]).status_code == 202
        read = reader.get("/insights/engagement", group="all", interval="week", **{"from": "2027-03-01", "until": "2027-03-08"})
        assert read.status_code == 200, read.json()  # a read between deliveries rolls up what came so far
    assert admin.post("/events", undos).status_code == 202
    rollup.do_catch_up_rollups(None)
    return events


@pytest.mark.parametrize("interval", figures.INTERVALS)
def test_every_grouping_equals_the_raw_event_log(community, interval):
    windows = figures.calendar_windows(interval, *SPAN)
    for group in ("all", "channel", "program", "team"):
        # when
        kept = queries.engagement(group, windows, queries.Scope(), interval)
        # then
        raw = _from_raw_events(group, windows)
        if group == "team":  # the raw baseline counts known people from history; teams use the directory
            kept, raw = _without_participation(kept), _without_participation(raw)
        assert _comparable(kept) == _comparable(raw), (group, interval)
    for group in ("all", "channel", "program", "team"):
        kept = queries.engagement(group, windows, queries.Scope(), interval)
        assert kept == _from_person_rows(group, windows, queries.Scope(), interval), (group, interval)
    assert PeriodGroup.objects.filter(interval=interval).exists()


@pytest.mark.parametrize("scope", [{"channel": "c1"}, {"channel": ""}, {"program": "pB"}, {"team": "Sales"},
                                   {"channel": "c3", "program": "pA"}])
def test_filtered_dashboards_equal_the_per_person_rows(community, scope):
    for interval in ("week", "month"):
        windows = figures.calendar_windows(interval, *SPAN)
        for group in ("all", "channel", "program", "team"):
            assert (queries.engagement(group, windows, queries.Scope(**scope), interval)
                    == _from_person_rows(group, windows, queries.Scope(**scope), interval)), (group, interval, scope)


# A report's own dates (across the March change to summer time and a month's end), and a partial week's
# days so far against as many days of the week before (two short windows a week apart).
RANGES = [figures.range_windows(date(2027, 3, 3), date(2027, 4, 2)),
          figures.range_windows(date(2027, 3, 24), date(2027, 3, 27)),
          [figures.Window("", date(2027, 3, 15), date(2027, 3, 18)), figures.Window("W12", date(2027, 3, 22), date(2027, 3, 25))]]


@pytest.mark.parametrize("windows", RANGES, ids=["report", "days", "partial-week"])
def test_dates_that_are_not_whole_periods_equal_the_raw_event_log(community, windows):
    for group in ("all", "channel", "program"):
        # when the figures of these dates are read from the per-person rows of the periods covering them
        kept = queries.engagement(group, windows, queries.Scope())
        # then they are those of the event log
        assert _comparable(kept) == _comparable(_from_raw_events(group, windows)), group


@pytest.mark.parametrize("scope, groups", [({"channel": "c1"}, ("all", "channel")), ({"program": "pB"}, ("all", "program"))])
def test_a_channels_or_programmes_own_dates_equal_its_daily_rows(community, monkeypatch, scope, groups):
    for windows in RANGES:
        for group in groups:
            kept = queries.engagement(group, windows, queries.Scope(**scope))
            with monkeypatch.context() as m:
                m.setattr(queries.period_reads, "plan", lambda *args: None)  # read ActivityDay instead
                daily = queries.engagement(group, windows, queries.Scope(**scope))
            assert kept == daily, (scope, group, windows)


@pytest.mark.parametrize("windows", RANGES, ids=["report", "days", "partial-week"])
@pytest.mark.parametrize("scope, group", [({"program": "pA"}, "channel"), ({"channel": "c1"}, "team"),
                                          ({"program": "pB"}, "team")])
def test_a_breakdown_within_a_channel_or_programme_equals_the_raw_event_log(community, windows, scope, group):
    # when a report's breakdown (a programme by channel, a class by team) is read from the per-person rows
    # of the months, weeks and days covering its dates, first days included
    kept = queries.engagement(group, windows, queries.Scope(**scope))
    # then it is that of the event log; answers are left out, as the raw baseline counts only the scope's own
    # (a question's answers count wherever they were given), and so are rows where nothing happened (a group
    # whose events in the windows were all undone keeps a row of zeros)
    raw = _from_raw_events(group, windows, scope)
    assert (_comparable(_something(_without(kept, ANSWERED))) == _comparable(_something(_without(raw, ANSWERED)))), \
        (scope, group)


def test_undone_first_contributions_move_the_new_contributors(community):
    # p03's and p04's first contributions were taken back: their first is now a later one
    for who, _ in PEOPLE[3:5]:
        seen = FirstSeen.objects.get(dimension="all", person__key=who)
        kept = [e for e in community if e["actor"]["id"] == who and e["type"] in ("post", "comment", "question")]
        assert seen.first_contribution is None or seen.first_contribution > _local_day(kept[0]["occurred_at"])
    # and the per-period new contributors add up to the people who ever contributed
    months = PeriodGroup.objects.filter(interval="month", dimension="all")
    assert sum(m.new_contributors for m in months) == FirstSeen.objects.filter(
        dimension="all", first_contribution__isnull=False).count()


def test_most_engaged_posts_of_a_range_across_months(community, reader):
    # given every content row, ranked in Python
    since, until = date(2027, 2, 24), date(2027, 4, 3)
    rows = [s for s in ContentStats.objects.filter(day__gte=since, day__lt=until, removed=False)
            if s.comments + s.answers + s.reactions + s.reshares > 0]
    rows.sort(key=lambda s: (-(s.comments + s.answers + s.reactions + s.reshares), -s.comments, s.occurred_at, s.event_seq))
    # when
    top = queries.top_posts(since, until, queries.Scope(), 10)
    # then
    assert [p["id"] for p in top] == [s.source_id for s in rows[:10]]
    assert len({s.month for s in rows[:10]}) > 1 or len(rows) <= 10


def _from_person_rows(group, windows, scope, interval):
    return queries._from_activity(group, windows, scope, interval, queries._questions(group, windows, scope, interval))


def _without_participation(rows):
    return _without(rows, ("known_people", "participation"))


ANSWERED = ("questions_answered", "answered_share", "median_hours_to_first_answer")


def _without(rows, names):
    return [{**r, "figures": {k: v for k, v in r["figures"].items() if k not in names}} for r in rows]


def _something(rows):
    """The rows where something happened (now or in the period before); known people are no activity."""
    return [r for r in rows if any(f["value"] or f["previous"] for name, f in r["figures"].items()
                                   if name not in ("known_people", "participation"))]


def _local_day(at: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(at).astimezone(ZoneInfo("Europe/Berlin")).date()


@pytest.mark.parametrize("since, until", [(date(2027, 3, 1), date(2027, 4, 5)), (date(2027, 2, 24), date(2027, 3, 31)),
                                          (date(2027, 3, 10), date(2027, 3, 11))])
def test_top_hashtags_of_any_range_equal_the_raw_event_log(community, since, until):
    teams = dict(PEOPLE)
    for scope, keep in (({}, lambda e: True), ({"team": "Sales"}, lambda e: teams[e["actor"]["id"]] == "Sales"),
                        ({"channel": "c1"}, lambda e: e["channel"] == "c1")):
        # given the hashtags of the events that were not taken back, by local day
        undone = {u["target"]["id"] for u in community_undos()}
        uses: dict[str, list[str]] = {}
        before: dict[str, int] = {}
        for e in community:
            if e["id"] in undone or "text" not in e or not keep(e):
                continue
            tag, day = e["text"].split("#")[1].casefold(), _local_day(e["occurred_at"])
            if since <= day < until:
                uses.setdefault(tag, []).append(e["actor"]["id"])
            elif since - (until - since) <= day < since:
                before[tag] = before.get(tag, 0) + 1
        expected = sorted(({"tag": t, "uses": len(who), "people": len(set(who)), "previous": before.get(t, 0),
                            "change": len(who) - before.get(t, 0)} for t, who in uses.items()),
                          key=lambda r: (-r["uses"], r["tag"]))
        # when read from TagMember (no filter, a team) or from the daily rows (a channel), then
        assert queries.top_hashtags(since, until, queries.Scope(**scope)) == expected, scope


def community_undos() -> list[dict]:
    return generated()[1]


def test_after_a_merge_the_kept_figures_are_recounted_and_still_equal_the_raw_log(community, admin):
    windows = figures.calendar_windows("week", *SPAN)
    # given p05's events and p06's, two records of one human
    # when an admin merges p06 into p05
    assert admin.post("/people/p05@x/merge", {"from": "p06@x"}).status_code == 200
    rollup.do_catch_up_rollups(None)
    # then the rollups were recounted (the kept distinct counts would still hold p06): every grouping equals the log
    for group in ("all", "channel", "program"):
        assert _comparable(queries.engagement(group, windows, queries.Scope(), "week")) == _comparable(
            _from_raw_events(group, windows)), group
