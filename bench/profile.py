"""Profile the scorer or HTTP ingest on the benchmark workload with pyinstrument (a dev dependency).

    python -m bench.profile scorer --events 20000
    python -m bench.profile ingest --events 20000
    python -m bench.profile challenges --events 30000   # the scorer with 10 running challenges

Prints pyinstrument's call tree of the measured part only (not the loading of events).
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
    parser.add_argument("what", choices=["scorer", "challenges", "ingest"])
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="plaudit-profile-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
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
            if args.what == "challenges":
                from .challenges import challenges_yaml

                do_activate_ruleset(workload.RULESET + challenges_yaml(True))
            else:
                do_activate_ruleset(workload.RULESET)
            if args.what in ("scorer", "challenges"):
                from engine.scoring import do_score_pending

                workload.load(args.events)
                with profiler:
                    do_score_pending()
            else:
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
        shutil.rmtree(data_dir, ignore_errors=True)
    print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))


if __name__ == "__main__":
    main()
