"""Scoring of a generated month of activity under the example ruleset, against the pure rules core.

A fixed month (seed 11, 300 people, up to 2026-11-28: 11,099 events), so every run scores the
same events. The core alone is what scoring would cost with no database or Redis at all.

Live scoring takes a few seconds, and the machine's speed moves on that scale (the rules core
alone ran at 15,800 events/s in one run and 28,300 in another): timed once each, one after the
other, the speed-up ranged from 1.3x to 2.9x between runs of the same code. So the simulation is
timed just before live scoring and just after it (it reads the stored events, scored or not) and
counts as the mean of the two, which cancels a drift that runs one way across the three; and the
whole month runs three times, each on an emptied database and Redis, the figures those of the run
with the median speed-up.

The draft simulated pays 5 points for a comment where the live ruleset pays 3: a real change, so
the report has movers and both replays do their full work, as when an admin tries a draft.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

from .report import Figure


RUNS = 3
SINCE, UNTIL = date(2026, 10, 1), date(2026, 12, 1)  # around the generated month


def run(ctx) -> dict:
    runs = []
    for i in range(ctx.size(RUNS, 1)):
        if i:
            ctx.empty()
        runs.append(_one_month(ctx))
    runs.sort(key=lambda one: one["score_s"] / one["simulate_s"])
    median = runs[len(runs) // 2]
    scored, score_s, simulate_s, core_s = median["scored"], median["score_s"], median["simulate_s"], median["core_s"]
    return {
        "figures": [
            Figure("scoring, example ruleset (17 rules, 7 boards)", scored / score_s, scored / core_s, "events/s",
                   "rules core alone"),
            Figure("live scoring time against simulating a draft (speed-up)", score_s, simulate_s, "s", "simulation",
                   target=2.0),
        ],
        "details": {"events": scored, "ingest_events_per_s": round(median["ingested"] / median["ingest_s"]),
                    "scoring_s": round(score_s, 2), "simulation_s": round(simulate_s, 2),
                    "speed_ups_of_the_runs": [round(one["score_s"] / one["simulate_s"], 2) for one in runs]},
    }


def _one_month(ctx) -> dict:
    from engine.demo_data import generate_month
    from base.accept import do_accept_events
    from base.models import Event
    from engine.scoring import do_score_pending
    from rulesets.active import active_ruleset, do_activate_ruleset
    from rules.core import FactsCache, evaluate

    do_activate_ruleset((ctx.root / "rules/examples/social-learning.yaml").read_text())
    _, events = generate_month(seed=11, people=ctx.size(300, 20), days=ctx.size(30, 2),
                               end=datetime(2026, 11, 28, 18, tzinfo=timezone.utc))
    started = time.perf_counter()
    for i in range(0, len(events), 1000):
        do_accept_events(events[i:i + 1000])
    ingest_s = time.perf_counter() - started

    ruleset, _ = active_ruleset()
    draft = _draft_text(ruleset.text)
    simulate_before_s = _simulate(draft)
    started = time.perf_counter()
    scored = do_score_pending()
    score_s = time.perf_counter() - started
    simulate_s = (simulate_before_s + _simulate(draft)) / 2

    core_events = [e.to_core() for e in Event.objects.select_related("actor", "target_author").order_by("seq")]
    started = time.perf_counter()
    facts = FactsCache()
    for e in core_events:
        evaluate(ruleset, e, facts)
    core_s = time.perf_counter() - started
    return {"scored": scored, "ingested": len(events), "ingest_s": ingest_s, "score_s": score_s,
            "simulate_s": simulate_s, "core_s": core_s}


COMMENT_RULE = "award: {to: actor, points: 3}\n    limit: {max: 10, per: day}"


def _draft_text(live_text: str) -> str:
    assert COMMENT_RULE in live_text, "the example ruleset's comment rule changed: update bench/month.py"
    return live_text.replace(COMMENT_RULE, COMMENT_RULE.replace("points: 3", "points: 5"))


def _simulate(draft_text: str) -> float:
    """Seconds to simulate the draft against the live ruleset over the stored events: compile the
    draft, read the events, replay both in memory, build the report, as POST /rulesets/simulate does."""
    from rules.core import load_ruleset
    from rulesets.simulate import run_simulation

    started = time.perf_counter()
    report = run_simulation(load_ruleset(draft_text), SINCE, UNTIL)
    assert report["top_movers"], "the draft should change someone's points"
    return time.perf_counter() - started
