"""`make bench`: scoring throughput on a generated month of activity, against baselines in the same run.

Figures on shared machines drift, so each figure is printed next to a baseline measured
in the same process: the pure rules core alone (what scoring would cost with no database
or Redis at all) and, for boards, raw pipelined ZADDs of the same number of board writes.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from engine.demo_data import generate_month
    from engine.ingest import do_accept_events
    from engine.models import Award, Event
    from engine.redis import embedded_redis, get_redis
    from engine.scoring import do_score_pending, to_core_event
    from rules.active import active_ruleset, do_activate_ruleset
    from rules.core import FactsCache, evaluate
    from rules.simulate import compare, load_events

    from . import boards, rebuild, rules_cost
    from . import insights as insights_bench

    call_command("migrate", verbosity=0)
    results = {}
    with embedded_redis():
        do_activate_ruleset((ROOT / "rules/examples/social-learning.yaml").read_text())
        # A fixed month, so every run scores the same events.
        _, events = generate_month(seed=11, people=300, end=datetime(2026, 11, 28, 18, tzinfo=timezone.utc))
        started = time.perf_counter()
        for i in range(0, len(events), 1000):
            do_accept_events(events[i:i + 1000])
        ingest_s = time.perf_counter() - started

        started = time.perf_counter()
        scored = do_score_pending()
        score_s = time.perf_counter() - started

        ruleset, _ = active_ruleset()
        # Simulation: the same stored events replayed in memory against a draft (here the live text)
        # and the live ruleset, the report included, as POST /rulesets/simulate does.
        started = time.perf_counter()
        stored, teams = load_events(None, None)
        compare(ruleset, ruleset, stored, teams)
        simulate_s = time.perf_counter() - started
        core_events = [to_core_event(e) for e in Event.objects.select_related("actor", "target_author").order_by("seq")]
        started = time.perf_counter()
        facts = FactsCache()
        for e in core_events:
            evaluate(ruleset, e, facts)
        core_s = time.perf_counter() - started

        # Baseline for board writes: the same count of ZADDs, pipelined, with nothing else.
        board_writes = Award.objects.exclude(points=0).count() * len(ruleset.leaderboards)
        r = get_redis()
        started = time.perf_counter()
        pipe = r.pipeline(transaction=False)
        for i in range(board_writes):
            pipe.zadd(f"bench:{{b}}:{i % 50}", {f"p{i % 300}": i})
            if i % 5000 == 4999:
                pipe.execute()
        pipe.execute()
        zadd_s = time.perf_counter() - started
        r.delete(*[f"bench:{{b}}:{i}" for i in range(50)])
        board_reads = boards.run(r, ruleset)
        board_rebuild = rebuild.run(r)
        insights_figures = insights_bench.run()

    results = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "events": scored,
        "scoring_events_per_s": round(scored / score_s),
        "core_only_events_per_s": round(scored / core_s),
        "scoring_vs_core_ratio": round(core_s / score_s, 3),
        "ingest_events_per_s": round(len(events) / ingest_s),
        "board_writes": board_writes,
        "raw_zadd_per_s": round(board_writes / zadd_s),
        "scoring_time_s": round(score_s, 2),
        "simulation_time_s": round(simulate_s, 2),
        "simulation_vs_scoring_speedup": round(score_s / simulate_s, 2),
        **rules_cost.run(),
        **board_reads,
        **board_rebuild,
        **insights_figures,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
