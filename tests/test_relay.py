"""`manage.py relay`: the periodic work runs without `serve`, beside workers of any number."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from rq import Worker

from base import redis as engine_redis
from base.accept import do_accept_events
from base.models import Event
from rulesets.active import do_activate_ruleset
from tests.conftest import ROOT, _database_url, wait_for
from tests.helpers import BASIC_RULESET, event


def start_relay(redis_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "relay", *args], cwd=ROOT, env=env,
                            start_new_session=True, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError("the relay did not stop within 10 s of SIGTERM")


@pytest.mark.worker
def test_events_accepted_while_redis_was_away_are_scored_by_the_relay(workers, redis, redis_server, settings):
    # given a worker waiting for jobs, and events accepted while Redis was away (nothing queued them)
    do_activate_ruleset(BASIC_RULESET)
    workers.start()
    wait_for(lambda: len(Worker.all(connection=redis)) == 1, timeout=30, what="the worker to register")
    redis.flushall()  # activation's scoring request is gone with the queue, as after a Redis restart
    settings.REDIS_URL = "unix:///nonexistent/plaudit-redis.sock"
    try:
        do_accept_events([event("post", f"p{i}@example.com") for i in range(5)])
    finally:
        settings.REDIS_URL = redis_server
    assert Event.objects.filter(scored_at__isnull=True).count() == 5

    # when the relay runs on its own, outside `serve`
    relay = start_relay(redis_server, "--interval", "0.2")
    wait_for(lambda: "running" in relay.stderr.readline(), timeout=30, what="the relay to start")
    try:
        # then it queues scoring and the worker scores every event
        wait_for(lambda: not Event.objects.filter(scored_at__isnull=True).exists(), timeout=30,
                 what="the relay to queue scoring for the pending events")
    finally:
        assert stop(relay) == 0


def test_the_relay_stops_at_once_on_sigterm(transactional_db, redis, redis_server):
    # given a relay between two rounds a minute apart
    relay = start_relay(redis_server, "--interval", "60")
    wait_for(lambda: "running" in relay.stderr.readline(), timeout=30, what="the relay to start")
    # when it is asked to stop, then it ends within seconds, cleanly
    started = time.monotonic()
    assert stop(relay) == 0
    assert time.monotonic() - started < 5
    assert "Relay stopped." in relay.stderr.read()


def test_a_scoring_flag_left_without_its_job_does_not_hold_scoring_back(transactional_db, redis):
    # given pending events, and the "scoring queued" flag restored from Redis's append-only file
    # without the job it stood for (nothing runs or waits on the scoring queue)
    from base.keys import SCORING_QUEUED
    from base.scoring_queue import scoring_queue
    from engine.relay import relay_tick

    do_activate_ruleset(BASIC_RULESET)
    do_accept_events([event("post", "ana@example.com")])
    redis.flushall()
    redis.set(SCORING_QUEUED, 1, ex=60)
    # when the relay's next round runs
    relay_tick()
    # then scoring is queued now, not once the flag expires
    assert scoring_queue(redis).count == 1
