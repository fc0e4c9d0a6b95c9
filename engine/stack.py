"""Run the whole stack in the foreground: web (gunicorn), a worker, and the relay; Ctrl-C stops it all.

Between the relay's rounds (engine/relay.py) it restarts a web or worker process that exited.
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

from base.redis import stop_process

from .relay import RELAY_SECONDS, relay_tick

log = logging.getLogger("plaudit.stack")


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
            relay_tick()
    finally:
        for child in children.values():
            stop_process(child)
        print("Plaudit stopped.", flush=True)
