"""Challenge progress in the scorer: the same workload scored with and without 10 running challenges.

The issue's bound: challenge progress adds at most 15% to the scorer's time. Both sides score the
same events (bench/workload.py: five boards per award) from an emptied database and Redis, taking
turns round after round so the shared machine's load falls on both alike; the best round of each
side is compared. Seven rounds: on the shared machine a round of either side can take twice its
time; the best of three moved the ratio by a fifth between runs, the best of five by a tenth. The
CPU time of the scoring process is reported beside the wall time: the scorer runs SQLite
in-process, so its CPU time holds nearly all of its work and far less of the other runs' load.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from django.conf import settings

from . import workload

EVENTS = 30_000
ROUNDS = 7


GOALS = [  # kind, goal, winners
    ("individual", "{rule: post, count: 5}", 10),
    ("individual", "{rule: comment, count: 8}", 10),
    ("individual", "{rule: reaction, count: 12}", 5),
    ("individual", "{points: 40}", 3),
    ("individual", "{points: 100}", None),
    ("individual", "{event: {type: post}, count: 6}", 20),
    ("team", "{rule: post, count: 200}", 3),
    ("team", "{event: {type: reaction}, count: 300}", 5),
    ("collective", "{points: 50000}", None),
    ("collective", "{rule: comment, count: 5000}", None),
]


def challenges_yaml(focused: bool) -> str:
    """Ten challenges running over the workload's two days, every kind of goal. `focused`: each counts
    the events of one channel (of 12), as a challenge counts its topic's events (`when: {hashtags_any:
    [dbt]}` in the contract's example); otherwise every event counts for every challenge."""
    today = datetime.now(timezone.utc).date()
    starts, ends = today - timedelta(days=3), today + timedelta(days=2)
    lines = ["challenges:"]
    for i, (kind, goal, winners) in enumerate(GOALS):
        lines += [f"  - id: bench-{i}", f"    name: Bench {i}", f"    starts: {starts}", f"    ends: {ends}",
                  f"    kind: {kind}", f"    goal: {goal}", "    reward: {points: 10}"]
        if focused:
            lines.append(f"    when: {{channel: channel-{i}}}")
        if winners:
            lines.append(f"    winners: {winners}")
    return "\n".join(lines) + "\n"


def _score_seconds(ctx, ruleset_text: str, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of scoring n events under the ruleset."""
    from engine.scoring import do_score_pending
    from rulesets.active import do_activate_ruleset

    from .scorer import _analyze

    ctx.empty()
    do_activate_ruleset(ruleset_text)
    workload.load(n)
    loaded = time.perf_counter()
    _analyze()
    # As bench/scorer.py: a backlog nobody adds to, scored in the larger batches once no event has
    # been accepted for SCORER_QUIET_SECONDS, and without the pauses left for senders.
    if not ctx.small:
        time.sleep(max(0.0, settings.SCORER_QUIET_SECONDS + 0.5 - (time.perf_counter() - loaded)))
    started, cpu = time.perf_counter(), time.process_time()
    scored = do_score_pending()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    assert scored == n, f"scored {scored} of {n}"
    return seconds, cpu_seconds


def run(ctx) -> dict:
    from .report import Figure

    n = ctx.events or ctx.size(EVENTS, 300)
    sides = {"plain": workload.RULESET, "focused": workload.RULESET + challenges_yaml(True),
             "every": workload.RULESET + challenges_yaml(False)}
    times: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(ctx.size(ROUNDS, 1)):
        for side, text in sides.items():
            seconds, cpu_seconds = _score_seconds(ctx, text, n)
            times[side].append(seconds)
            cpu[side].append(cpu_seconds)
    best = {side: min(seconds) for side, seconds in times.items()}
    best_cpu = {side: min(seconds) for side, seconds in cpu.items()}
    return {
        "figures": [
            Figure(f"ordered scoring of {n:,} events, 10 running challenges each counting one channel's events",
                   best["focused"], best["plain"], "s", "the same events without challenges", target=1.15,
                   higher_is_better=False),
            Figure(f"ordered scoring of {n:,} events, 10 running challenges each counting one channel's events, "
                   "CPU time of the scoring process", best_cpu["focused"], best_cpu["plain"], "s",
                   "the same events without challenges, CPU time", target=1.15, higher_is_better=False),
            Figure(f"ordered scoring of {n:,} events, 10 running challenges each counting every event",
                   best["every"], best["plain"], "s", "the same events without challenges", higher_is_better=False),
        ],
        "details": {**{f"{side}_s": [round(s, 2) for s in seconds] for side, seconds in times.items()},
                    **{f"{side}_cpu_s": [round(s, 2) for s in seconds] for side, seconds in cpu.items()}},
    }
