"""The whole stack (`manage.py serve`: gunicorn, a worker and the relay) with a Redis of the test's own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import redis as redis_py
import requests

from base import redis as engine_redis
from tests.conftest import ROOT, _database_url, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own (AOF on), which it may flush, kill and restart."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="plaudit-redis-loss-"))
        self.socket = self.dir / "redis.sock"
        self.process = engine_redis.start_redis_server(self.dir)
        self.url = f"unix://{self.socket}"

    def client(self) -> redis_py.Redis:
        return redis_py.Redis(unix_socket_path=str(self.socket))

    def kill(self, keep_data: bool) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        if not keep_data:
            for path in self.dir.glob("appendonly*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def restart(self) -> None:
        self.process = engine_redis.start_redis_server(self.dir)

    def stop(self) -> None:
        engine_redis.stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def running_stack(web_workers: int = 2, **env_overrides: str):
    """`manage.py serve` (gunicorn, a worker and the relay) against the test database and an OwnRedis;
    yields the OwnRedis and the API's base URL. Needs a transactional database (the processes read
    what the test commits)."""
    own = OwnRedis()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": own.url, "LOG_LEVEL": "ERROR", "PORT": str(port),
           **env_overrides}
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port),
                                "--web-workers", str(web_workers)], cwd=ROOT,
                               env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"

    def healthy():
        try:
            return requests.get(f"{base}/healthz", timeout=10).status_code == 200
        except requests.RequestException:  # not listening yet, or still starting up
            return False

    try:
        wait_for(healthy, timeout=60, what="the stack to serve")
        yield own, base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        own.stop()


def post_until_answered(url: str, body, headers: dict, statuses: dict) -> None:
    """POST as a client would: a 503 is tried again after its Retry-After; every status is counted."""
    import requests

    while True:
        answer = requests.post(url, json=body, headers=headers, timeout=60)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if answer.status_code != 503:
            return
        time.sleep(float(answer.headers.get("Retry-After", "1")))
