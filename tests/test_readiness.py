"""GET /healthz (liveness) and GET /readyz (readiness) at the site root, against real Redis and real workers."""

from __future__ import annotations

import os
import signal
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from base.accept import do_accept_events
from base.models import Event
from tests.conftest import wait_for
from tests.helpers import event


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def failing(body) -> set[str]:
    return {d["check"] for d in body.get("details", [])}


def test_healthz_stays_up_and_readyz_names_the_boards_cluster_when_it_is_down(client, db, redis, settings):
    # given boards on a cluster nobody answers for
    settings.LEADERBOARD_REDIS_CLUSTER = f"127.0.0.1:{_closed_port()}"
    # when
    live = client.get("/healthz")
    status, body = ready(client)
    # then the process is alive, and not ready because of the boards
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert status == 503 and body["error"] == "not_ready"
    assert "boards" in failing(body)
    assert "LEADERBOARD_REDIS_CLUSTER" in body["checks"]["boards"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_readyz_names_the_main_redis_when_it_is_down(client, db, redis, settings, tmp_path):
    # given REDIS_URL pointing at a socket nothing listens on
    settings.REDIS_URL = f"unix://{tmp_path / 'nothing.sock'}"
    # when
    live = client.get("/healthz")
    status, body = ready(client)
    # then
    assert live.status_code == 200
    assert status == 503 and {"redis", "workers"} <= failing(body)
    assert "REDIS_URL" in body["checks"]["redis"]["error"]


def test_readyz_without_any_worker_says_to_start_one(client, db, redis):
    status, body = ready(client)
    assert status == 503 and failing(body) == {"workers"}
    assert "manage.py worker" in body["checks"]["workers"]["error"]


def test_readyz_reports_scoring_lag_past_the_limit(client, db, redis, settings):
    # given an event accepted two minutes ago and never scored
    settings.READY_MAX_LAG_SECONDS = 60
    do_accept_events([event("post", "ana@example.com", id="lagging")])
    Event.objects.update(received_at=timezone.now() - timedelta(seconds=120))
    # when
    status, body = ready(client)
    # then
    assert status == 503 and "scoring_lag" in failing(body)
    lag = body["checks"]["scoring_lag"]
    assert lag["oldest_pending_seconds"] >= 120 and "READY_MAX_LAG_SECONDS" in lag["error"]


@pytest.mark.worker
def test_readyz_is_ready_with_a_live_worker_and_not_once_it_is_sigkilled(workers, client):
    # given a live worker
    process = workers.start()
    wait_for(lambda: ready(client)[0] == 200, timeout=60, what="/readyz to answer 200 with a live worker")
    status, body = ready(client)
    assert body["status"] == "ready" and body["checks"]["workers"]["alive"] == 1
    # when it is killed with SIGKILL (it stays registered in RQ)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    # then readiness fails at once, and liveness does not
    status, body = ready(client)
    assert status == 503 and failing(body) == {"workers"}
    assert body["checks"]["workers"]["registered"] == 1 and body["checks"]["workers"]["alive"] == 0
    assert "gone" in body["checks"]["workers"]["not_alive"][0]["why"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.worker
def test_a_wedged_worker_is_not_alive(workers, client, redis):
    from rq import Queue, Worker

    # given a live worker that takes a job with a two-second timeout
    process = workers.start()
    wait_for(lambda: ready(client)[0] == 200, timeout=60, what="/readyz to answer 200 with a live worker")
    Queue("default", connection=redis).enqueue("time.sleep", 60, job_timeout=2)
    wait_for(lambda: any(w.get_current_job_id() for w in Worker.all(connection=redis)), timeout=20, interval=0.02,
             what="the worker to take the job")
    # when the worker freezes inside it (its timeout cannot fire)
    os.kill(process.pid, signal.SIGSTOP)
    try:
        # then once the job is past its timeout the worker counts as wedged
        wait_for(lambda: ready(client)[0] == 503, timeout=15, interval=0.2, what="/readyz to see the wedged worker")
        status, body = ready(client)
        assert failing(body) == {"workers"}
        assert body["checks"]["workers"]["not_alive"][0]["why"].startswith("wedged")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
