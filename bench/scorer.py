"""Ordered scoring of 100,000 events with 5 board writes each, against the limit and the peers' way.

- the limit for board updates: raw redis-py pipelined ZINCRBY of the same board keys and members,
  one per award and board (500,000), with nothing else, timed slice by slice between the
  scorer's slices;
- the peers' way: bench/naive.py on 10,000 more events of the same run (it is slow), as a rate,
  1,000 events before each of the scorer's slices;
- the scorer's resident memory before and at its peak.

Both baselines are timed in slices between the scorer's, so a change in the shared machine's load
falls on all three alike: timed one after the other, the naive scorer's own rate moved by 30%
between runs minutes apart. Interleaved, the ratio to the naive scorer still moved by some 10%
from run to run (19.5x-22.2x in six runs), so the whole benchmark runs three times, each on an
emptied database and Redis, and the figures are those of the run with the median ratio to the
naive scorer; every run's ratios are in the details.
"""

from __future__ import annotations

import time

from django.conf import settings

from . import memory, naive, workload
from .report import Figure

EVENTS = 100_000
NAIVE_EVENTS = 10_000
SLICE_EVENTS = 10_000
RUNS = 3


def raw_board_writes(r, writes: list[tuple[str, str, int]]) -> float:
    """Seconds to write (key, member, points) to Redis, pipelined 5,000 at a time."""
    started = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for n, (key, member, points) in enumerate(writes, 1):
        pipe.zincrby(key, points, member)
        if n % 5000 == 0:
            pipe.execute()
    pipe.execute()
    return time.perf_counter() - started


def _analyze() -> None:
    """PostgreSQL: table statistics for the freshly loaded events, as autovacuum would have them a
    minute later. Without them the planner takes the tables for nearly empty and reads all pending
    events to sort them for each batch (profiled: a batch twice as slow, both scorers alike)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run(ctx) -> dict:
    runs = []
    for i in range(ctx.size(RUNS, 1)):
        if i:
            ctx.empty()
        runs.append(_one_run(ctx))
    runs.sort(key=_ratio_to_naive)
    median = runs[len(runs) // 2]
    n, naive_n, score_s, raw_s, naive_s = (median[k] for k in ("n", "naive_n", "score_s", "raw_s", "naive_s"))
    return {
        "figures": [
            Figure(f"ordered scoring of {n:,} events, {workload.BOARDS} boards each", n / score_s, n / raw_s,
                   "events/s", f"raw pipelined board writes alone ({median['writes']:,} ZINCRBY, interleaved)", target=0.5),
            Figure(f"ordered scoring of {n:,} events, {workload.BOARDS} boards each", n / score_s, naive_n / naive_s,
                   "events/s", f"naive scorer, ORM row per award ({naive_n:,} more events, interleaved)", target=20.0),
            Figure("all-time top 10 read", 1 / median["our_top10_s"], 1 / median["naive_top10_s"], "reads/s",
                   f"naive SQL SUM/GROUP BY over all {n + naive_n:,} award rows"),
        ],
        "details": {"scoring_s": round(score_s, 2), "ingest_events_per_s": round((n + naive_n) / median["ingest_s"]),
                    "board_writes": median["writes"], "raw_board_writes_s": round(raw_s, 2),
                    "naive_s": round(naive_s, 2), "rss_before_scoring_mb": median["rss_before"],
                    "peak_rss_mb": median["peak"],
                    "runs_ratio_to_raw": [round(one["raw_s"] / one["score_s"], 3) for one in runs],
                    "runs_ratio_to_naive": [round(_ratio_to_naive(one), 2) for one in runs]},
    }


def _ratio_to_naive(one: dict) -> float:
    return (one["n"] / one["score_s"]) / (one["naive_n"] / one["naive_s"])


def _one_run(ctx) -> dict:
    from base.models import Award
    from engine.scoring import do_score_pending
    from leaderboards import keys
    from leaderboards.rebuild import AWARD_FIELDS, award_deltas
    from leaderboards.reads import board_page
    from rulesets.active import active_ruleset, do_activate_ruleset

    n = ctx.events or ctx.size(EVENTS, 300)
    naive_n = min(n, ctx.size(NAIVE_EVENTS, 100))
    do_activate_ruleset(workload.RULESET)
    ruleset, _ = active_ruleset()
    started = time.perf_counter()
    workload.load(n + naive_n)
    loaded = time.perf_counter()
    ingest_s = loaded - started
    _analyze()
    # What is timed is a backlog nobody adds to, which the scorer works in its larger batches once
    # no event has been accepted for SCORER_QUIET_SECONDS (engine/scoring.py, _batch_size).
    if not ctx.small:
        time.sleep(max(0.0, settings.SCORER_QUIET_SECONDS + 0.5 - (time.perf_counter() - loaded)))

    # The scorer, the naive scorer and the raw writes take turns slice by slice. Each slice the naive
    # scorer takes the oldest 1,000 pending events (its share, spread over the run), then the scorer
    # the next 10,000; then the raw limit writes the same board keys and members the scorer's awards
    # went to, one write per award and board, into keys of its own.
    slices = max(1, -(-n // SLICE_EVENTS))
    naive_slice = -(-naive_n // slices)
    slice_batches = max(1, SLICE_EVENTS // settings.SCORER_BACKLOG_BATCH_SIZE)
    naive_facts = None
    memory.reset_peak()
    rss_before = memory.rss_mb()
    score_s = raw_s = naive_s = 0.0
    scored = writes_count = naive_scored = 0
    applied = 0
    while True:
        if naive_scored < naive_n:
            started = time.perf_counter()
            done, naive_facts = naive.score(ruleset, min(naive_slice, naive_n - naive_scored), naive_facts)
            naive_s += time.perf_counter() - started
            naive_scored += done
        started = time.perf_counter()
        done = do_score_pending(max_batches=slice_batches)
        score_s += time.perf_counter() - started
        if not done:
            break
        scored += done
        last = Award.objects.order_by("-batch").values_list("batch", flat=True).first() or applied
        rows = Award.objects.filter(batch__gt=applied, batch__lte=last).order_by("batch", "event_id", "id")
        writes = [("bench:raw:" + keys.board_key(d.placement.board_id, d.placement.period, d.placement.scope_value),
                   d.person, d.points) for d in award_deltas(ruleset, rows.values_list(*AWARD_FIELDS).iterator(chunk_size=10_000))]
        raw_s += raw_board_writes(ctx.r, writes)
        writes_count += len(writes)
        applied = last
    peak = memory.peak_rss_mb()

    board = ruleset.leaderboard("all-time")
    calls = ctx.size(200, 5)
    started = time.perf_counter()
    for _ in range(calls):
        board_page(ctx.r, ruleset, board, period=None, scope=None, limit=10, offset=0, around=None)
    our_top10_s = (time.perf_counter() - started) / calls
    # The peers rank over every award row, as the board above holds every event's points.
    naive_top10_s = naive.top10_seconds(ctx.size(20, 2))
    assert scored == n and naive_scored == naive_n, f"scored {scored} of {n} events, naive {naive_scored} of {naive_n}"
    return {"n": n, "naive_n": naive_n, "score_s": score_s, "raw_s": raw_s, "naive_s": naive_s, "writes": writes_count,
            "ingest_s": ingest_s, "our_top10_s": our_top10_s, "naive_top10_s": naive_top10_s,
            "rss_before": rss_before, "peak": peak}
