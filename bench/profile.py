"""Profile the scorer or HTTP ingest on the benchmark workload with pyinstrument (a dev dependency).

    python -m bench.profile scorer --events 20000
    python -m bench.profile ingest --events 20000
    python -m bench.profile challenges --events 30000   # the scorer with 10 running challenges
    python -m bench.profile pages --keep var/pages-10x --url /admin-area/insights

Prints pyinstrument's call tree of the measured part only (not the loading of events).

`pages` builds the `pages` benchmark's data (10x the demo: about 5 minutes) and asks for one page
`--rounds` times as a signed-in admin, after a warm-up; it prints the page's median and the call
tree. With `--keep DIR` the data is built once into DIR (database and Redis) and reused by later
runs with the same DIR; delete DIR to build it again (after a change to the rollups, say).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("what", choices=["scorer", "challenges", "ingest", "pages"])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="pages: build the data into this directory once, reuse it after")
    parser.add_argument("--url", default="/admin-area/insights", help="pages: the page to ask for")
    parser.add_argument("--rounds", type=int, default=20, help="pages: how many times the page is asked for")
    args = parser.parse_args()
    kept = args.what == "pages" and args.keep is not None
    data_dir = args.keep.resolve() if kept else Path(tempfile.mkdtemp(prefix="plaudit-profile-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from pyinstrument import Profiler

    from base.redis import embedded_redis
    from rulesets.active import do_activate_ruleset

    from . import workload

    call_command("migrate", verbosity=0)
    profiler = Profiler(interval=0.0005)
    try:
        with embedded_redis():
            if args.what == "pages":
                _pages(data_dir, kept, args, profiler)
            elif args.what == "challenges":
                from .challenges import challenges_yaml

                do_activate_ruleset(workload.RULESET + challenges_yaml(True))
            else:
                do_activate_ruleset(workload.RULESET)
            if args.what in ("scorer", "challenges"):
                from engine.scoring import do_score_pending

                workload.load(args.events)
                with profiler:
                    do_score_pending()
            elif args.what == "ingest":
                from django.test import Client, override_settings

                from base.models import ApiKey

                key = ApiKey.issue(name="profile", role="integration")[1]
                bodies = [json.dumps(workload.events(1000, start=i, total=args.events))
                          for i in range(0, args.events, 1000)]
                client = Client()
                with override_settings(ROOT_URLCONF="bench.urls"), profiler:
                    for body in bodies:
                        client.post("/api/v1/events", body, content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {key}")
    finally:
        if not kept:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))


def _pages(data_dir: Path, kept: bool, args, profiler) -> None:
    """The pages benchmark's data (built, or read back from a kept directory); one page timed, then profiled."""
    import statistics
    import time

    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from . import pages

    marker = data_dir / "pages-data.json"
    if not (kept and marker.exists()):
        marker.write_text(json.dumps(pages._load(None, 3000)))
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    times, walls = [], []
    with override_settings(ROOT_URLCONF="bench.pages"):
        assert client.get(args.url).status_code == 200, args.url
        for _ in range(args.rounds):
            started, wall = time.process_time(), time.perf_counter()
            client.get(args.url)
            times.append(time.process_time() - started)
            walls.append(time.perf_counter() - wall)
        with profiler:
            for _ in range(args.rounds):
                client.get(args.url)
    print(f"{args.url}: CPU time per request, median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms; wall time median {statistics.median(walls) * 1000:.1f} ms, "
          f"max {max(walls) * 1000:.1f} ms ({args.rounds} requests)")


if __name__ == "__main__":
    main()
