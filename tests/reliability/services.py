"""Real services and processes for the outage tests: a PostgreSQL of the test's own (which it may stop
and restart), a Plaudit database migrated on it, and web, worker and relay processes started against it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests

from tests.conftest import ROOT, wait_for

from .stack import OwnRedis, free_port


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                             if x.isdigit()])
    return found[-1] if found else None


class OwnPostgres:
    """A throwaway PostgreSQL cluster on a unix socket in a temp dir (as scripts/with-postgres.sh
    makes one), which the test may stop, start and restart under load."""

    def __init__(self):
        self.bin = _postgres_bin()
        if self.bin is None:
            pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="plaudit-pg-"))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.runas: list[str] = []
        if os.getuid() == 0:  # initdb refuses to run as root
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--home", str(self.dir), "postgres"], check=True)
            shutil.chown(self.dir, "postgres")
            self.runas = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "plaudit", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", str(self.dir), "-U", "plaudit", "plaudit")
        self.url = f"postgres://plaudit@{quote(str(self.dir), safe='')}/plaudit"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.runas, str(self.bin / tool), *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def _ctl(self, action: str, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", action, *args)

    def start(self) -> None:
        self._ctl("start", "-o", f"-k {self.dir} -c listen_addresses='' -c fsync=off")

    def stop(self) -> None:
        """A fast shutdown: the server ends every session, as a restart by an operator does."""
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", "-o", f"-k {self.dir} -c listen_addresses='' -c fsync=off")

    def query(self, sql: str, *params):
        with psycopg.connect(host=str(self.dir), user="plaudit", dbname="plaudit") as conn:
            return conn.execute(sql, params).fetchall()

    def destroy(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:  # already stopped
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Deployment:
    """Plaudit's processes against an OwnPostgres and an OwnRedis, as an operator runs them."""

    def __init__(self, postgres: OwnPostgres, redis: OwnRedis):
        self.postgres, self.redis = postgres, redis
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {**os.environ, "DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "LOG_LEVEL": "WARNING",
                    "PORT": str(self.port), "PYTHONPATH": str(ROOT)}
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def migrate_and_keys(self) -> tuple[dict, dict]:
        """Migrates the database; returns the headers of an admin and an integration key."""
        self.manage("migrate", "--noinput")
        admin = self.manage("apikey", "create", "--role", "admin", "--name", "ops").strip().splitlines()[-1]
        sender = self.manage("apikey", "create", "--role", "integration", "--name", "load").strip().splitlines()[-1]
        return {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {sender}"}

    def start(self, *command: str, output=subprocess.DEVNULL) -> subprocess.Popen:
        process = subprocess.Popen(list(command), cwd=ROOT, env=self.env, start_new_session=True, stdout=output)
        self.processes.append(process)
        return process

    def start_web(self) -> subprocess.Popen:
        process = self.start(sys.executable, "-m", "gunicorn", "engine.wsgi:application", "--bind",
                             f"127.0.0.1:{self.port}", "--workers", "2", "--log-level", "warning")
        self.wait_until_serving()
        return process

    def start_manage(self, *args: str) -> subprocess.Popen:
        return self.start(sys.executable, str(ROOT / "manage.py"), *args)

    def wait_until_serving(self, timeout: float = 60) -> None:
        def healthy():
            try:
                return requests.get(f"{self.base}/healthz", timeout=10).status_code == 200
            except requests.RequestException:  # not listening yet
                return False

        wait_for(healthy, timeout=timeout, what="the web process to serve")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                pass
            try:  # anything it started, in its own process group
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

    def post_events(self, headers: dict, events: list[dict]) -> list[int]:
        """Posts as a client does: a 503 is retried after its Retry-After; returns every status seen."""
        statuses = []
        while True:
            try:
                answer = requests.post(f"{self.base}/events", json=events, headers=headers, timeout=30)
            except requests.ConnectionError:  # the web process is not listening: a client retries
                statuses.append(0)
                time.sleep(0.5)
                continue
            statuses.append(answer.status_code)
            if answer.status_code != 503:
                assert answer.status_code == 202, answer.text
                return statuses
            assert answer.headers.get("Retry-After"), answer.headers
            time.sleep(min(float(answer.headers["Retry-After"]), 0.5))  # a client's pause, kept short here


def scoring_state(postgres: OwnPostgres) -> tuple[int, int, int]:
    """(events stored, events still pending, events with more than one award) on the database."""
    stored, pending = postgres.query("SELECT count(*), count(*) FILTER (WHERE scored_at IS NULL) FROM engine_event")[0]
    doubled = postgres.query("SELECT count(*) FROM (SELECT event_id FROM engine_award GROUP BY event_id "
                             "HAVING count(*) > 1) d")[0][0]
    return stored, pending, doubled
