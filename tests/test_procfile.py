"""The Procfile at the root runs the stack with honcho against PostgreSQL and Redis: the smoke flow over HTTP."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, wait_for
from tests.helpers import BASIC_RULESET
from tests.reliability.services import Deployment, OwnPostgres, scoring_state
from tests.reliability.stack import OwnRedis


@pytest.fixture
def deployment():
    postgres, redis = OwnPostgres(), OwnRedis()
    running = Deployment(postgres, redis)
    # The Procfile says `python`: the one of this virtualenv, as when it is activated.
    running.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{running.env.get('PATH', '')}"
    try:
        yield running
    finally:
        running.stop_all()
        redis.stop()
        postgres.destroy()


@pytest.mark.worker
def test_honcho_runs_the_procfile_and_the_smoke_flow_passes(deployment, tmp_path):
    # given a migrated database, and the Procfile's web, worker and relay started by honcho
    admin, sender = deployment.migrate_and_keys()
    log = tmp_path / "honcho.log"
    honcho = deployment.start(sys.executable, "-m", "honcho", "-f", str(ROOT / "Procfile"), "start",
                              "-p", str(deployment.port), output=log.open("w"))
    deployment.wait_until_serving()

    # when a ruleset is activated and events are posted
    assert requests.put(f"{deployment.base}/ruleset", BASIC_RULESET,
                        headers={**admin, "Content-Type": "application/yaml"}, timeout=30).status_code == 200
    answer = requests.post(f"{deployment.base}/events", headers=sender, timeout=30, json=[
        {"id": "smoke:1", "type": "post", "occurred_at": "2026-11-25T10:00:00+00:00",
         "actor": {"id": "ana@example.com", "name": "Ana", "team": "Data"}, "channel": "c1"}])
    assert answer.status_code == 202, answer.text

    # then the worker scores them and the board shows them
    wait_for(lambda: scoring_state(deployment.postgres)[:2] == (1, 0), timeout=30, what="the event scored")
    board = requests.get(f"{deployment.base}/leaderboards/all-time", headers=admin, timeout=30).json()
    assert board["entries"] == [{"rank": 1, "person": "ana@example.com", "name": "Ana", "points": 10}]
    # and the worker and the relay run beside the web process
    health = requests.get(f"{deployment.base}/healthz", timeout=30).json()
    assert health["workers"]["count"] == 1, health
    assert "Relay running" in log.read_text()

    # and honcho stops every process on SIGTERM
    honcho.send_signal(signal.SIGTERM)
    assert honcho.wait(20) is not None
