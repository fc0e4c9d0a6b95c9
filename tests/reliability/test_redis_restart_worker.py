"""Redis away for half a minute: an idle worker takes new work within seconds of its return."""

from __future__ import annotations

import time

import pytest
from rq import Worker

from base.accept import do_accept_events
from base.models import Event
from base.scoring_queue import scoring_queue
from rulesets.active import do_activate_ruleset
from tests.conftest import Workers, wait_for
from tests.helpers import BASIC_RULESET, event

from .conftest import FULL
from .stack import OwnRedis

OUTAGE_SECONDS = 35  # past RQ's default back-off steps of 1, 2, 4, 8 and 16 s


@pytest.fixture
def own_redis(transactional_db, redis, settings):
    own = OwnRedis()
    previous = settings.REDIS_URL
    settings.REDIS_URL = own.url
    yield own
    settings.REDIS_URL = previous
    own.stop()


@pytest.mark.worker
@pytest.mark.skipif(not FULL, reason="waits out a 35 s outage: `make reliability` only")
def test_an_idle_worker_resumes_within_seconds_of_redis_returning(own_redis, figures):
    # given an idle worker
    do_activate_ruleset(BASIC_RULESET)
    pool = Workers(own_redis.url)
    pool.start()
    try:
        wait_for(lambda: [w.get_state() for w in Worker.all(connection=own_redis.client())] == ["idle"]
                 and not scoring_queue(own_redis.client()).count, timeout=30, what="the worker to be idle")
        # when Redis is away for OUTAGE_SECONDS, then back, and an event arrives
        own_redis.kill(keep_data=True)
        time.sleep(OUTAGE_SECONDS)  # the outage itself
        own_redis.restart()
        back = time.monotonic()
        do_accept_events([event("post")])
        # then the same worker scores it within 10 s
        wait_for(lambda: not Event.objects.filter(scored_at__isnull=True).exists(), timeout=10,
                 what="the worker to score an event after Redis returned")
        figures(outage_seconds=OUTAGE_SECONDS, resumed_after=round(time.monotonic() - back, 1))
        assert all(p.poll() is None for p in pool.processes)
    finally:
        pool.stop_all()
