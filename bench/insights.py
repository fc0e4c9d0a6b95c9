"""Engagement insights on 1,000,000 events: a month's dashboard from the rollups against the same
figures computed from the raw event log with plain grouped queries, in the same run.

Runs inside bench/__main__.py's setup (Django configured, a migrated database), or alone:
`python -m bench.insights` (a temporary DATA_DIR). Events are bulk-inserted, never scored: the
rollups read the event log, not the ledger. They fall in March 2027 in channels of their own, so
they never mix with the demo month the main bench scores.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import date, datetime, timedelta, timezone

EVENTS = int(os.environ.get("BENCH_INSIGHTS_EVENTS", 1_000_000))
PEOPLE = 5000
CHANNELS = [f"bench-{i:02d}" for i in range(12)]
PROGRAM_OF = {c: f"bench-program-{i % 4}" for i, c in enumerate(CHANNELS)}
TEAMS = ["Data", "Platform", "Sales", "Support", "Design", "Security", "People", "Finance"]
MONTH = (date(2027, 3, 1), date(2027, 4, 1))
# type -> share of events; replies point at earlier content of the same channel
MIX = {"reaction": 40, "comment": 20, "post": 9, "reshare": 4, "question": 3, "answer": 5, "poll_created": 0.6,
       "poll_vote": 5, "shoutout": 2, "course_completed": 3, "certification_earned": 0.4, "follow": 2, "join": 1,
       "undo": 1}
TAGS = ["sociallearning", "python", "data", "cloud", "til", "kudos", "help", "security", "leadership", "certified"]


def _insert_events() -> None:
    from django.db import connection

    from base.models import Person

    rng = random.Random(3)
    Person.objects.bulk_create([Person(key=f"bench{i:05d}@example.com", name=f"Bench Person {i}", team=TEAMS[i % len(TEAMS)])
                                for i in range(PEOPLE)], batch_size=2000, ignore_conflicts=True)
    ids = dict(Person.objects.filter(key__startswith="bench").values_list("key", "id"))
    people = [ids[f"bench{i:05d}@example.com"] for i in range(PEOPLE)]
    weights = [1 / (i + 1) ** 0.8 for i in range(PEOPLE)]  # a few people do much of the talking
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    types, type_weights = list(MIX), list(MIX.values())
    homes = [rng.sample(CHANNELS, 2) for _ in range(PEOPLE)]
    start = datetime(2027, 3, 1, tzinfo=timezone.utc) - timedelta(hours=1)
    span = (datetime(2027, 4, 1, tzinfo=timezone.utc) - start).total_seconds() - 7200
    content: dict[str, list[tuple[str, int]]] = {c: [] for c in CHANNELS}
    questions: dict[str, list[tuple[str, int]]] = {c: [] for c in CHANNELS}
    polls: dict[str, list[tuple[str, int]]] = {c: [] for c in CHANNELS}
    undoable: list[str] = []
    offsets = sorted(rng.random() * span for _ in range(EVENTS))
    adapt = connection.ops.adapt_datetimefield_value
    received = adapt(start)
    batch = []
    for n, offset in enumerate(offsets):
        kind = rng.choices(types, weights=type_weights)[0]
        who = rng.choices(range(PEOPLE), cum_weights=cum)[0]
        actor = people[who]
        # People mostly talk in the two channels of their own field, now and then elsewhere.
        channel = rng.choice(homes[who]) if rng.random() < 0.85 else rng.choice(CHANNELS)
        source_id = f"bench:{n:07d}"
        target_id, target_author, text, tags = "", None, "", []
        pool = {"answer": questions, "poll_vote": polls}.get(kind, content)[channel]
        if kind in ("reaction", "comment", "reshare", "answer", "poll_vote"):
            if not pool:
                kind = "post"
            else:
                target_id, target_author = pool[max(0, len(pool) - 1 - int(rng.expovariate(1 / 30)))]
        if kind == "undo":
            if not undoable:
                continue
            i = rng.randrange(len(undoable))
            undoable[i], undoable[-1] = undoable[-1], undoable[i]
            target_id = undoable.pop()
        if kind in ("post", "comment", "question", "answer", "shoutout", "poll_created"):
            tags = rng.sample(TAGS, rng.randint(0, 2))
            text = f"Bench {kind} {n} about {' '.join('#' + t for t in tags)} with a few more words to quote."
        if kind in ("post", "question", "shoutout", "poll_created"):
            content[channel].append((source_id, actor))
        if kind == "question":
            questions[channel].append((source_id, actor))
        if kind == "poll_created":
            polls[channel].append((source_id, actor))
        if kind in ("reaction", "comment") and rng.random() < 0.05:
            undoable.append(source_id)
        lms = kind in ("course_completed", "certification_earned")
        batch.append((source_id, kind, adapt(start + timedelta(seconds=offset)), actor, "" if lms else channel,
                      PROGRAM_OF[channel], target_id, target_author, text, json.dumps(tags), "[]", "{}", "bench",
                      received, received, ""))
        if len(batch) == 20_000:
            _write(batch)
            batch = []
    _write(batch)


def _write(rows: list[tuple]) -> None:
    """Straight into the log with one prepared INSERT: Django's bulk_create costs more than the database here."""
    from django.db import connection

    from base.models import Event

    columns = ("source_id", "type", "occurred_at", "actor_id", "channel", "program", "target_id", "target_author_id",
               "text", "hashtags", "mentions", "attributes", "content_hash", "received_at", "scored_at", "scoring_note")
    sql = (f"INSERT INTO {Event._meta.db_table} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _from_raw_events(group: str, windows, scope: dict | None = None) -> list[dict]:
    """The same rows as insights.queries.engagement, from the event log alone: the baseline. `scope`: only
    these events, as insights.queries.Scope filters them (`channel`, `program`, the actor's `team`)."""
    from django.db.models import Count, Min, Q
    from django.db.models.functions import TruncDate

    from base.models import Event, Person
    from insights import figures
    from insights.models import CONTRIBUTION_COLUMNS, COUNTED_TYPES
    from insights.rollup import rollup_timezone

    tz = rollup_timezone()
    start = datetime.combine(windows[0].start, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(windows[-1].end, datetime.min.time(), tzinfo=tz)
    undone = Event.objects.filter(type="undo").values("target_id")
    counted = Event.objects.exclude(type="undo").exclude(source_id__in=undone)
    for name, value in (scope or {}).items():
        counted = counted.filter(**{"actor__team" if name == "team" else name: value})
    field = {"channel": "channel", "program": "program", "team": "actor__team", "all": None}[group]
    keys = ["day", "actor__key", "type"] + ([field] if field else [])

    def index(day):
        for i, w in enumerate(windows):
            if w.start <= day < w.end:
                return i
        return -1

    people = []
    for r in (counted.filter(occurred_at__gte=start, occurred_at__lt=end).annotate(day=TruncDate("occurred_at", tzinfo=tz))
              .values(*keys).annotate(n=Count("seq"))):
        people.append(figures.PersonRow(str(r[field]) if field else "all", index(r["day"]), r["actor__key"],
                                        {COUNTED_TYPES.get(r["type"], "other"): r["n"]}))
    in_range = counted.filter(type="question", occurred_at__gte=start, occurred_at__lt=end)
    asked = list(in_range.values_list("source_id", "actor_id", "occurred_at", *([field] if field else [])))
    first_answer: dict[str, datetime] = {}
    authors = {row[0]: row[1] for row in asked}
    for target, actor, at in (counted.filter(type="answer", target_id__in=in_range.values("source_id"))
                              .values_list("target_id", "actor_id", "occurred_at")):
        if actor != authors[target] and (target not in first_answer or at < first_answer[target]):
            first_answer[target] = at
    questions = []
    for source_id, _, at, *grp in asked:
        first = first_answer.get(source_id)
        questions.append(figures.QuestionRow(str(grp[0]) if field else "all", index(at.astimezone(tz).date()),
                                             (first - at).total_seconds() if first else None))
    contributed = Q(type__in=[t for t, c in COUNTED_TYPES.items() if c in CONTRIBUTION_COLUMNS])
    history = {}
    for r in (counted.filter(occurred_at__lt=end).values(*(["actor__key"] + ([field] if field else [])))
              .annotate(first=Min("occurred_at"), first_c=Min("occurred_at", filter=contributed))):
        history[(str(r[field]) if field else "all", r["actor__key"])] = figures.History(
            r["first"].astimezone(tz).date(), r["first_c"].astimezone(tz).date() if r["first_c"] else None)
    partitions = figures.from_people(windows, [p for p in people if p.window >= 0], history)
    directory = group == "all" and not {"channel", "program"} & set(scope or {})
    known = {"all": Person.objects.count()} if directory else figures.known_from_history(windows, history)
    return figures.compute(windows, partitions, [q for q in questions if q.window >= 0], known,
                           groups=["all"] if group == "all" else ())


def _dashboard(group: str, interval: str = "week"):
    """A month's dashboard: rows per period with the period before, top hashtags and the most engaged posts."""
    from insights import figures, queries

    windows = figures.calendar_windows(interval, *MONTH)
    rows = queries.engagement(group, windows, queries.Scope(), interval)
    queries.top_hashtags(*MONTH, queries.Scope())
    queries.top_posts(*MONTH, queries.Scope())
    return rows


def _best_of(call, runs: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def run() -> dict:
    from insights import figures
    from insights.rollup import do_catch_up_rollups

    started = time.perf_counter()
    _insert_events()
    insert_s = time.perf_counter() - started
    progress = do_catch_up_rollups(None)
    out = {"insights_events": EVENTS, "insights_insert_s": round(insert_s, 1),
           "insights_rollup_s": round(progress.seconds, 1),
           "insights_rollup_events_per_s": round(progress.events / progress.seconds)}
    windows = figures.calendar_windows("week", *MONTH)
    for group in ("all", "channel"):
        rollup_s, from_rollups = _best_of(lambda: _dashboard(group))
        raw_s, from_raw = _best_of(lambda: _from_raw_events(group, windows), runs=1)
        # The two must agree figure for figure, or the comparison means nothing.
        assert _comparable(from_rollups) == _comparable(from_raw), f"rollups and raw events disagree ({group})"
        out[f"insights_month_{group}_rollups_ms"] = round(rollup_s * 1000, 1)
        out[f"insights_month_{group}_raw_ms"] = round(raw_s * 1000, 1)
        out[f"insights_month_{group}_speedup"] = round(raw_s / rollup_s, 1)
    # The other groupings and intervals, from the rollups only (the raw baseline above takes minutes each).
    for interval in figures.INTERVALS:
        for group in ("all", "channel", "program", "team"):
            if interval != "week" or group in ("program", "team"):
                seconds, _ = _best_of(lambda: _dashboard(group, interval))
                out[f"insights_month_by_{interval}_{group}_ms"] = round(seconds * 1000, 1)
    return out


def run_bench(ctx) -> dict:
    """For `python -m bench`: a month's dashboard from the rollups against the same figures from raw events."""
    global EVENTS
    from .report import Figure

    EVENTS = ctx.size(EVENTS, 20_000)
    out = run()
    figures_ = [Figure(f"month dashboard by week, {group}, {EVENTS:,} events", out[f"insights_month_{group}_rollups_ms"],
                       out[f"insights_month_{group}_raw_ms"], "ms", "the same figures from raw events",
                       higher_is_better=False) for group in ("all", "channel")]
    return {"figures": figures_, "details": {k: v for k, v in out.items() if not k.endswith(("_rollups_ms", "_raw_ms"))}}


def _comparable(rows: list[dict]) -> list:
    return sorted((r["group"], r["period"], sorted((k, v["value"], v["previous"]) for k, v in r["figures"].items()))
                  for r in rows)


if __name__ == "__main__":
    import shutil
    import sys
    import tempfile
    from pathlib import Path

    data_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-insights-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    from rulesets.active import do_activate_ruleset

    call_command("migrate", verbosity=0)
    do_activate_ruleset((Path(__file__).resolve().parent.parent / "rules/examples/social-learning.yaml").read_text())
    print(json.dumps(run(), indent=2))
    shutil.rmtree(data_dir, ignore_errors=True)
