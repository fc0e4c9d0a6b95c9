"""Run the whole stack in the foreground: web (gunicorn), a worker, and a relay; Ctrl-C stops it all.

The relay re-queues scoring when events are pending but no job is queued (a worker died
mid-job, Redis restarted), and restarts a web or worker process that exited.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.db import connections

from base.inbox import has_received
from base.ledger import ledger_batch
from base.models import Event
from base.redis import get_redis, stop_process
from base.scoring_queue import enqueue_scoring, scoring_requested
from insights.rollup import relay_pass
from leaderboards.keys import APPLIED_BATCH
from notifications.periodic import run_due_work

log = logging.getLogger("plaudit.stack")
RELAY_SECONDS = 2.0


def _commands(port: int, web_workers: int) -> dict[str, list[str]]:
    host = os.environ.get("HOST", "127.0.0.1")
    return {
        "web": [sys.executable, "-m", "gunicorn", "engine.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(web_workers), "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"],
        "worker": [sys.executable, str(settings.BASE_DIR / "manage.py"), "worker"],
    }


def run_stack(port: int, web_workers: int = 2) -> None:
    commands = _commands(port, web_workers)
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    connections.close_all()
    for name, command in commands.items():
        children[name] = subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy())
    print(f"Plaudit is serving http://127.0.0.1:{port}/api/v1/ (docs: /api/v1/docs). Ctrl-C stops it.", flush=True)
    try:
        while not stopping:
            time.sleep(RELAY_SECONDS)
            for name, child in list(children.items()):
                if child.poll() is not None and not stopping:
                    log.warning("%s exited with %s; restarting it", name, child.returncode)
                    children[name] = subprocess.Popen(commands[name], cwd=settings.BASE_DIR, env=os.environ.copy())
            _relay()
            _roll_up_insights()
    finally:
        for child in children.values():
            stop_process(child)
        print("Plaudit stopped.", flush=True)


def _relay() -> None:
    try:
        r = get_redis()
        pending = Event.objects.filter(scored_at__isnull=True).exists() or has_received()
        # Boards gone (Redis flushed or restarted empty): a scoring run rebuilds them from the ledger first.
        boards_lost = not r.exists(APPLIED_BATCH) and ledger_batch() > 0
        if (pending or boards_lost) and not scoring_requested(r):
            enqueue_scoring()
        run_due_work(r)  # digests whose slot came; deliveries due again or left by a killed worker
    except Exception as exc:  # a passing database or Redis hiccup; try again next round
        log.warning("relay: %s", exc)
    finally:
        connections.close_all()


def _roll_up_insights() -> None:
    """Engagement rollups follow the log here too, so the report pages rarely have to catch up."""
    try:
        relay_pass()
    except Exception as exc:  # a busy or passing database error; the next round or a read catches up
        log.warning("insights relay: %s", exc)
    finally:
        connections.close_all()
