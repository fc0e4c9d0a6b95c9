"""Board reads at 1,000,000 members: the API's read path against raw redis-py calls, p99 latency.

Runs inside bench/__main__.py's setup (Django configured, a private Redis, a migrated database).
"""

from __future__ import annotations

import random
import statistics
import time

MEMBERS = 1_000_000
SAMPLES = 20_000


def _p99(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=100)[98]


def _timed_together(calls: dict, samples: int) -> dict[str, list[float]]:
    """Latencies of `samples` calls of each, interleaved call by call so both sides meet the same
    moments of a shared machine, after an untimed warm-up (caches warm: the steady state)."""
    for i in range(samples // 10):
        for call in calls.values():
            call(i)
    timings = {name: [] for name in calls}
    clock = time.perf_counter
    for i in range(samples):
        for name, call in calls.items():
            started = clock()
            call(i)
            timings[name].append(clock() - started)
    return timings


def run(r, ruleset, members: int = MEMBERS, samples: int = SAMPLES) -> dict:
    from base.models import Person
    from leaderboards import keys
    from rules.core.placement import encode
    from leaderboards.reads import board_page

    board = ruleset.leaderboard("all-time")
    key = keys.board_key(board.id, "all")
    rng = random.Random(1)
    pipe = r.pipeline(transaction=False)
    for i in range(members):
        pipe.zadd(key, {f"m{i:07d}@example.com": encode(rng.randrange(100_000), i + 1)})
        if i % 20_000 == 19_999:
            pipe.execute()
    pipe.execute()
    # The people the around-me reads ask for exist in the database, as they would.
    probes = [f"m{rng.randrange(members):07d}@example.com" for _ in range(samples // 10)]
    Person.objects.bulk_create([Person(key=p, name=p) for p in set(probes)], ignore_conflicts=True)

    def raw_around(i: int):
        # What a client of its own would do: the person's rank, then the page centred on it.
        rank = r.zrank(key, probes[i % len(probes)])
        start = max(0, rank - 5)
        return r.zrange(key, start, start + 9, withscores=True)

    timings = _timed_together({
        "raw_top": lambda i: r.zrange(key, 0, 9, withscores=True),
        "api_top": lambda i: board_page(r, ruleset, board, period=None, scope=None, limit=10, offset=0, around=None),
        "raw_around": raw_around,
        "api_around": lambda i: board_page(r, ruleset, board, period=None, scope=None, limit=10, offset=0,
                                           around=probes[i % len(probes)]),
    }, samples)
    raw_top, api_top, raw_around, api_around = (timings[k] for k in ("raw_top", "api_top", "raw_around", "api_around"))
    memory = r.memory_usage(key, samples=0)
    r.delete(key)
    return {
        "board_members": members,
        "raw_top10_p99_ms": round(_p99(raw_top) * 1000, 3),
        "api_top10_p99_ms": round(_p99(api_top) * 1000, 3),
        "top10_p99_ratio": round(_p99(api_top) / _p99(raw_top), 2),
        "raw_around_p99_ms": round(_p99(raw_around) * 1000, 3),
        "api_around_p99_ms": round(_p99(api_around) * 1000, 3),
        "around_p99_ratio": round(_p99(api_around) / _p99(raw_around), 2),
        "top10_median_ratio": round(statistics.median(api_top) / statistics.median(raw_top), 2),
        "around_median_ratio": round(statistics.median(api_around) / statistics.median(raw_around), 2),
        "board_bytes_per_member": round(memory / members, 1),
    }


def run_bench(ctx) -> dict:
    """The API's p99 within 3x of raw redis-py; the bare sorted set's bytes per member as the memory baseline."""
    from rulesets.active import active_ruleset, do_activate_ruleset

    from .report import Figure

    do_activate_ruleset("ruleset: bench\nrules:\n  - {id: r, award: {to: actor, points: 1}}\n"
                        "leaderboards:\n  - {id: all-time}\n")
    ruleset, _ = active_ruleset()
    out = run(ctx.r, ruleset, ctx.size(MEMBERS, 2000), ctx.size(SAMPLES, 200))
    members = f"{out['board_members']:,} members"
    return {
        "figures": [
            Figure(f"top 10 p99, {members}", out["api_top10_p99_ms"], out["raw_top10_p99_ms"], "ms",
                   "raw ZRANGE", target=3.0, higher_is_better=False),
            Figure(f"around-me p99, {members}", out["api_around_p99_ms"], out["raw_around_p99_ms"], "ms",
                   "raw ZRANK + ZRANGE around it", target=3.0, higher_is_better=False),
        ],
        "details": {k: out[k] for k in ("top10_median_ratio", "around_median_ratio", "board_bytes_per_member")},
    }
