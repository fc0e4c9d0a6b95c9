"""`make bench`: every benchmark under bench/, each figure next to a baseline measured in the same run.

    python -m bench                          # all of them (about 20-25 minutes on 2 cores)
    python -m bench --only scorer            # one (repeat --only for more)
    python -m bench --only scorer-memory --events 50000   # a shorter memory run than the full 1,000,000
    python -m bench --small --results /tmp/r.json --no-docs   # tiny sizes: checks that each one runs

Figures on shared machines drift, so each is a ratio against a baseline timed in the same
process, minutes apart at most. Results merge into bench/results.json (not committed) and the
table in docs/benchmarks.md is rewritten from it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Context:
    """What every benchmark gets: a private Redis, a migrated throwaway database, and the sizes asked for."""

    r: object
    root: Path
    small: bool
    events: int | None  # --events: overrides the event count of the benchmarks that take one

    def size(self, full: int, small: int) -> int:
        return small if self.small else full

    def empty(self) -> None:
        """Empty the database and Redis, so that a benchmark (or a run of one) pays for no earlier rows."""
        from django.core.management import call_command

        from engine import scoring

        call_command("flush", interactive=False, verbosity=0)
        self.r.flushdb()
        scoring.forget_warm_facts()


def _registry() -> dict:
    from . import (boards, challenges, http_ingest, insights, memory, month, pages, rebuild, rules_cost, scorer,
                   slack_commands)

    return {
        "month": month.run,
        "rules-cost": rules_cost.run_bench,
        "scorer": scorer.run,
        "http-ingest": http_ingest.run,
        "board-reads": boards.run_bench,
        "rebuild": rebuild.run_bench,
        "scorer-memory": memory.run,
        "insights": insights.run_bench,
        "slack-commands": slack_commands.run,
        "challenge-progress": challenges.run,
        "pages": pages.run,
    }


# scorer-memory first: the process's memory does not shrink after the 1,000,000-row benchmarks.
NAMES = ["scorer-memory", "month", "rules-cost", "scorer", "http-ingest", "board-reads", "rebuild", "insights",
         "slack-commands", "challenge-progress", "pages"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=NAMES, help="run only this benchmark (repeatable)")
    parser.add_argument("--events", type=int, help="event count for scorer, scorer-memory and challenge-progress")
    parser.add_argument("--small", action="store_true", help="tiny sizes: checks that each benchmark runs")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(sys.argv[1:] if argv is None else argv)
    data_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from base.redis import embedded_redis, get_redis

    from . import report

    call_command("migrate", verbosity=0)
    names = args.only or NAMES
    registry = _registry()
    run = {"machine": report.machine(), "database": connection.vendor, "benchmarks": {}}
    try:
        with embedded_redis():
            r = get_redis()
            run["redis"] = r.info("server")["redis_version"]
            ctx = Context(r=r, root=ROOT, small=args.small, events=args.events)
            for name in names:
                ctx.empty()  # each benchmark starts from an empty database and Redis
                print(f"== {name}", flush=True)
                started = time.perf_counter()
                outcome = registry[name](ctx)
                command = "python -m bench --only " + name
                if args.events and name in ("scorer", "scorer-memory", "challenge-progress"):
                    command += f" --events {args.events}"
                if args.small:
                    command += " --small"
                run["benchmarks"][name] = {
                    "at": report.now(), "command": command, "seconds": round(time.perf_counter() - started, 1),
                    "figures": [f.as_dict() for f in outcome["figures"]], "details": outcome.get("details", {}),
                }
                for f in outcome["figures"]:
                    print("  " + f.line(), flush=True)
                for key, value in outcome.get("details", {}).items():
                    print(f"  {key}: {value}", flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    merged = report.save(args.results, run)
    if not args.no_docs:
        report.write_docs(ROOT / "docs" / "benchmarks.md", merged)
    missed = [f"{name}: {f['name']}" for name, b in run["benchmarks"].items() for f in b["figures"] if f["met"] is False]
    print("\nall targets met" if not missed else "\ntargets not met:\n  " + "\n  ".join(missed))
    print(f"results: {shlex.quote(str(args.results))}")
    return run


if __name__ == "__main__":
    main()
