"""Scoring of a generated month of activity under the example ruleset, against the pure rules core.

A fixed month (seed 11, 300 people, up to 2026-11-28: 11,099 events), so every run scores the
same events. The core alone is what scoring would cost with no database or Redis at all.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from .report import Figure


def run(ctx) -> dict:
    from engine.demo_data import generate_month
    from engine.ingest import do_accept_events
    from engine.models import Event
    from engine.scoring import do_score_pending
    from rules.active import active_ruleset, do_activate_ruleset
    from rules.core import FactsCache, evaluate
    from rules.simulate import compare, load_events

    do_activate_ruleset((ctx.root / "rules/examples/social-learning.yaml").read_text())
    _, events = generate_month(seed=11, people=ctx.size(300, 20), days=ctx.size(30, 2),
                               end=datetime(2026, 11, 28, 18, tzinfo=timezone.utc))
    started = time.perf_counter()
    for i in range(0, len(events), 1000):
        do_accept_events(events[i:i + 1000])
    ingest_s = time.perf_counter() - started

    started = time.perf_counter()
    scored = do_score_pending()
    score_s = time.perf_counter() - started

    ruleset, _ = active_ruleset()
    # Simulation: the stored events replayed in memory against a draft (here the live text) and the
    # live ruleset, the report included, as POST /rulesets/simulate does.
    started = time.perf_counter()
    stored, teams = load_events(None, None)
    compare(ruleset, ruleset, stored, teams)
    simulate_s = time.perf_counter() - started

    core_events = [e.to_core() for e in Event.objects.select_related("actor", "target_author").order_by("seq")]
    started = time.perf_counter()
    facts = FactsCache()
    for e in core_events:
        evaluate(ruleset, e, facts)
    core_s = time.perf_counter() - started
    return {
        "figures": [
            Figure("scoring, example ruleset (17 rules, 7 boards)", scored / score_s, scored / core_s, "events/s",
                   "rules core alone"),
            Figure("live scoring time against simulating a draft (speed-up)", score_s, simulate_s, "s", "simulation",
                   target=2.0),
        ],
        "details": {"events": scored, "ingest_events_per_s": round(len(events) / ingest_s),
                    "scoring_s": round(score_s, 2), "simulation_s": round(simulate_s, 2)},
    }
