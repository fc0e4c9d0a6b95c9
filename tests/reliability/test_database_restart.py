"""PostgreSQL restarted under load: the running processes carry on without a restart by hand."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from rq.registry import FailedJobRegistry, StartedJobRegistry

from base.scoring_queue import SCORING_QUEUE
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET

from .conftest import size
from .services import Deployment, OwnPostgres, scoring_state
from .stack import OwnRedis

BEFORE, AFTER = size(200, 2_000), size(200, 2_000)
PER_REQUEST = 50


@pytest.fixture
def deployment():
    postgres, redis = OwnPostgres(), OwnRedis()
    running = Deployment(postgres, redis)
    try:
        yield running
    finally:
        running.stop_all()
        redis.stop()
        postgres.destroy()


def posts(first: int, n: int) -> list[list[dict]]:
    """`n` posts by `n` people (one award each), in bodies of PER_REQUEST."""
    events = [{"id": f"restart:{i}", "type": "post", "occurred_at": "2026-11-25T10:00:00+00:00",
               "actor": f"p{i}@example.com"} for i in range(first, first + n)]
    return [events[i:i + PER_REQUEST] for i in range(0, n, PER_REQUEST)]


@pytest.mark.worker
def test_an_idle_worker_scores_every_event_after_postgres_restarts(deployment, figures):
    # given web and one worker, with events scored, and the worker idle
    admin, sender = deployment.migrate_and_keys()
    deployment.start_web()
    deployment.start_manage("worker")
    assert requests.put(f"{deployment.base}/ruleset", BASIC_RULESET,
                        headers={**admin, "Content-Type": "application/yaml"}, timeout=30).status_code == 200
    statuses = []
    for body in posts(0, BEFORE):
        statuses += deployment.post_events(sender, body)
    wait_for(lambda: scoring_state(deployment.postgres)[1] == 0, timeout=60, what="the first events scored")

    # when PostgreSQL restarts (every session ends) while more events arrive
    bodies = posts(BEFORE, AFTER)
    sent = {"bodies": 0}

    def load():
        for body in bodies:
            statuses.extend(deployment.post_events(sender, body))
            sent["bodies"] += 1

    thread = threading.Thread(target=load)
    thread.start()
    wait_for(lambda: sent["bodies"] >= len(bodies) // 2, timeout=60, what="half the bodies sent")
    deployment.postgres.restart()
    restarted = time.monotonic()
    thread.join()

    # then every event is scored exactly once within 30 s, by the same worker, and no request met a 500
    wait_for(lambda: scoring_state(deployment.postgres)[1] == 0, timeout=30,
             what=f"all events scored after the restart (stored, pending, doubled: {scoring_state(deployment.postgres)})")
    stored, pending, doubled = scoring_state(deployment.postgres)
    awards = deployment.postgres.query("SELECT count(*) FROM engine_award")[0][0]
    assert (stored, pending, doubled, awards) == (BEFORE + AFTER, 0, 0, BEFORE + AFTER)
    assert set(statuses) <= {202, 503}, statuses
    figures(events=BEFORE + AFTER, restarted_after=BEFORE, seconds_to_score_after_restart=round(time.monotonic() - restarted, 1),
            answers_503=statuses.count(503))


@pytest.mark.worker
def test_a_scoring_job_that_meets_a_database_outage_waits_for_the_database(deployment):
    # given events accepted while no worker ran (their scoring job waits in the queue), then PostgreSQL stopped
    admin, sender = deployment.migrate_and_keys()
    deployment.start_web()
    assert requests.put(f"{deployment.base}/ruleset", BASIC_RULESET,
                        headers={**admin, "Content-Type": "application/yaml"}, timeout=30).status_code == 200
    for body in posts(0, 2 * PER_REQUEST):
        deployment.post_events(sender, body)
    assert scoring_state(deployment.postgres)[1] == 2 * PER_REQUEST
    deployment.postgres.stop()

    # when a worker starts and takes the job while the database is away, and the database comes back
    deployment.start_manage("worker")
    started, failed = (StartedJobRegistry(SCORING_QUEUE, connection=deployment.redis.client()),
                       FailedJobRegistry(SCORING_QUEUE, connection=deployment.redis.client()))
    wait_for(lambda: started.count or failed.count, timeout=60, what="the worker to take the scoring job")
    deployment.postgres.start()

    # then the same job scores every event, once, and nothing failed
    wait_for(lambda: scoring_state(deployment.postgres)[1] == 0, timeout=60,
             what=f"the events scored (stored, pending, doubled: {scoring_state(deployment.postgres)})")
    assert scoring_state(deployment.postgres) == (2 * PER_REQUEST, 0, 0)
    assert failed.count == 0


def test_requests_meeting_a_database_outage_answer_503_and_heal(deployment):
    # given the web process serving, then PostgreSQL stopped
    admin, sender = deployment.migrate_and_keys()
    deployment.start_web()
    assert requests.put(f"{deployment.base}/ruleset", BASIC_RULESET,
                        headers={**admin, "Content-Type": "application/yaml"}, timeout=30).status_code == 200
    deployment.postgres.stop()
    site = deployment.base.removesuffix("/api/v1")

    # when the API and the pages are asked
    board = requests.get(f"{deployment.base}/leaderboards/all-time", headers=admin, timeout=30)
    posted = requests.post(f"{deployment.base}/events", json=posts(0, 1)[0], headers=sender, timeout=30)
    # (a session cookie makes the pages read the database, in a middleware before any view runs)
    page = requests.get(f"{site}/boards/all-time", headers={"Accept": "text/html"}, cookies={"sessionid": "x" * 32},
                        timeout=30)
    signed_in = requests.get(f"{site}/", headers={"Accept": "text/html"}, cookies={"sessionid": "x" * 32}, timeout=30)

    # then each answers 503 with Retry-After and says what is wrong, never 500
    for answer in (board, posted):
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        assert answer.json()["error"] == "database_unavailable"
        assert "database is unavailable" in answer.json()["message"]
    for answer in (page, signed_in):
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        assert "briefly unavailable" in answer.text

    # and once PostgreSQL is back, the same web process answers again
    deployment.postgres.start()
    assert requests.get(f"{deployment.base}/leaderboards/all-time", headers=admin, timeout=30).status_code == 200
    assert requests.post(f"{deployment.base}/events", json=posts(0, 1)[0], headers=sender, timeout=30).status_code == 202
