"""Whether this stack can do its work now: what GET /readyz and /metrics report.

Five checks, each `{"ok": bool, ...}` with what is wrong when it fails:

- `database`: a `SELECT 1` answers;
- `redis`: the main Redis (queue, idempotency, rate limits) answers PING;
- `boards`: the boards' Redis answers PING, on every master of LEADERBOARD_REDIS_CLUSTER when set;
- `workers`: at least one registered RQ worker is alive (see `worker_alive`);
- `scoring_lag`: the oldest event (or respond-async batch) waiting for scoring waited less than
  READY_MAX_LAG_SECONDS.

A worker killed with SIGKILL stays registered in RQ until its key expires (minutes), and an idle
worker heartbeats only every few minutes, so registration and heartbeat alone cannot tell it is
gone. A worker counts as alive when it is not wedged and its process is there: on this host, its
pid runs; elsewhere, the Redis connection RQ named after it (CLIENT SETNAME) is still open, which
Redis closes the moment the process dies. Only when the server refuses CLIENT LIST does a recent
heartbeat (within the worker's key lifetime) stand in for it. A worker is wedged when its current
job has run longer than the job's timeout and it has not heartbeaten since.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone as dt_timezone
from typing import Any, Callable

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from base.models import Event, EventBatch
from base.redis import get_redis
from leaderboards.connection import boards_redis, is_cluster

CHECKS = ("database", "redis", "boards", "workers", "scoring_lag")


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means the database does not answer
        return {"ok": False, "error": f"the database does not answer: {_error(exc)}"}


def check_redis(r) -> dict[str, Any]:
    try:
        r.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": f"the main Redis (REDIS_URL) does not answer: {_error(exc)}"}


def check_boards(r) -> dict[str, Any]:
    nodes = getattr(settings, "LEADERBOARD_REDIS_CLUSTER", "")
    if not nodes:
        state = check_redis(r)
        return {"ok": True, "on": "main redis"} if state["ok"] else {
            "ok": False, "on": "main redis", "error": "the boards' Redis (the main Redis) does not answer"}
    try:
        boards = boards_redis(r)
        if is_cluster(boards):
            boards.ping(target_nodes=boards.PRIMARIES)
            info = boards.cluster_info()
            state = info.get("cluster_state") if isinstance(info, dict) else None
            if state not in (None, "ok"):
                return {"ok": False, "on": "cluster", "error": f"the boards' cluster reports cluster_state:{state}"}
        else:
            boards.ping()
        return {"ok": True, "on": "cluster"}
    except Exception as exc:
        return {"ok": False, "on": "cluster",
                "error": f"the boards' cluster (LEADERBOARD_REDIS_CLUSTER) does not answer: {_error(exc)}"}


def _pid_runs(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie, dead but not reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return True  # no /proc: the signal answered, take it as running


def _job_timeout(job) -> float | None:
    timeout = getattr(job, "timeout", None)
    if timeout in (None, -1):
        return None
    return float(timeout)


def worker_alive(worker, r, now: datetime, named_connections: set[str] | None, hostname: str) -> tuple[bool, str]:
    """(alive, why) for one registered RQ worker."""
    from rq.job import Job

    heartbeat = worker.last_heartbeat
    if heartbeat is not None and heartbeat.tzinfo is None:
        heartbeat = heartbeat.replace(tzinfo=dt_timezone.utc)
    job_id = worker.get_current_job_id()
    if job_id:
        try:
            job = Job.fetch(job_id, connection=r)
        except Exception:
            job = None
        started = getattr(job, "started_at", None) if job is not None else None
        timeout = _job_timeout(job) if job is not None else None
        if started is not None and timeout is not None:
            if started.tzinfo is None:
                started = started.replace(tzinfo=dt_timezone.utc)
            overdue = (now - started).total_seconds() > timeout
            silent = heartbeat is None or (now - heartbeat).total_seconds() > timeout
            if overdue and silent:
                return False, f"wedged: job {job_id} has run {int((now - started).total_seconds())}s, past its timeout of {int(timeout)}s"
    if worker.hostname == hostname and worker.pid:
        return (True, "its process runs") if _pid_runs(int(worker.pid)) else (False, f"its process {worker.pid} is gone")
    if named_connections is not None:
        if worker.name in named_connections:
            return True, "its Redis connection is open"
        return False, "its Redis connection is closed (the process is gone)"
    ttl = int(getattr(worker, "worker_ttl", 420)) + 60
    if heartbeat is not None and (now - heartbeat).total_seconds() <= ttl:
        return True, "heartbeat is recent"
    return False, "no recent heartbeat"


def check_workers(r, now: datetime | None = None) -> dict[str, Any]:
    from rq import Worker

    now = now or datetime.now(dt_timezone.utc)
    try:
        registered = Worker.all(connection=r)
    except Exception as exc:
        return {"ok": False, "alive": 0, "registered": 0, "error": f"cannot list workers: {_error(exc)}"}
    try:
        named: set[str] | None = {c.get("name") for c in r.client_list() if c.get("name")}
    except Exception:  # some managed Redis services refuse CLIENT LIST
        named = None
    hostname = socket.gethostname()
    alive, dead = 0, []
    for worker in registered:
        ok, why = worker_alive(worker, r, now, named, hostname)
        if ok:
            alive += 1
        else:
            dead.append({"name": worker.name, "why": why})
    state: dict[str, Any] = {"ok": alive > 0, "alive": alive, "registered": len(registered)}
    if dead:
        state["not_alive"] = dead
    if not alive:
        state["error"] = ("no scoring worker is alive: start one with `python manage.py worker`"
                          if not registered else "no registered worker is alive (killed or wedged): restart the workers")
    return state


def oldest_pending_seconds(now: datetime | None = None) -> float:
    """How long the oldest event waiting for scoring (stored, or in a received batch) has waited; 0 when none waits."""
    now = now or timezone.now()
    times = [Event.objects.filter(scored_at__isnull=True).aggregate(t=Min("received_at"))["t"],
             EventBatch.objects.filter(status=EventBatch.RECEIVED).aggregate(t=Min("received_at"))["t"]]
    times = [t for t in times if t is not None]
    return max(0.0, (now - min(times)).total_seconds()) if times else 0.0


def check_scoring_lag(now: datetime | None = None) -> dict[str, Any]:
    limit = float(getattr(settings, "READY_MAX_LAG_SECONDS", 60))
    try:
        lag = oldest_pending_seconds(now)
    except Exception as exc:
        return {"ok": False, "error": f"cannot read the pending events: {_error(exc)}"}
    state: dict[str, Any] = {"ok": lag < limit, "oldest_pending_seconds": round(lag, 1), "limit_seconds": limit}
    if not state["ok"]:
        state["error"] = (f"the oldest pending event has waited {int(lag)}s, READY_MAX_LAG_SECONDS is {int(limit)}: "
                          "scoring is behind or stopped")
    return state


def readiness(r=None, now: datetime | None = None) -> dict[str, Any]:
    """Every check by name, and `ready` when all pass."""
    r = r if r is not None else get_redis()
    runs: dict[str, Callable[[], dict[str, Any]]] = {
        "database": check_database,
        "redis": lambda: check_redis(r),
        "boards": lambda: check_boards(r),
        "workers": lambda: check_workers(r, now),
        "scoring_lag": lambda: check_scoring_lag(now),
    }
    checks = {name: run() for name, run in runs.items()}
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}
