"""An RQ worker for the scoring and default queues.

Runs jobs in-process (SimpleWorker): the scorer is one long job per burst, and forking
per job would cost more than the job. On start it queues scoring for any events left
pending by a worker that died, so a restart resumes where the last one stopped.
"""

import logging

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError
from redis.retry import Retry
from rq import SimpleWorker

from base.inbox import has_received
from base.scoring_queue import DEFAULT_QUEUE, SCORING_QUEUE, enqueue_scoring, forget_scoring_request
from base.models import Event
from base.redis import get_redis, redis_url
from engine.outages import is_database_outage, release_broken_connections

log = logging.getLogger("plaudit.worker")


class DatabaseWorker(SimpleWorker):
    """Drops database connections a restart broke before and after each job, so a worker that sat
    idle through a database restart scores the next job instead of failing it and every later one.

    While Redis is away it tries again after 1, 2, 4 and then every 5 seconds (RQ's default grows to
    60), so work resumes within seconds of Redis coming back."""

    max_connection_wait_time = 5.0

    def execute_job(self, job, queue):
        release_broken_connections()
        # The jobs' own Redis calls use the shared pool (get_redis), whose connections a Redis
        # restart leaves dead and which does not retry: each job starts on fresh ones.
        get_redis().connection_pool.disconnect()
        try:
            return super().execute_job(job, queue)
        except RedisConnectionError as exc:
            # Redis went away under the job and RQ could not record its end; the job's work rolled
            # back, its events stay pending and the relay queues them again once Redis is back.
            log.warning("worker %s: job %s ended without Redis: %s", self.name, job.id, exc)
        finally:
            release_broken_connections()

    # RQ waits out a Redis outage only inside its wait for a job; the same error in its state,
    # heartbeat, suspension check or registry cleaning would end the worker. Those writes are
    # skipped for the round instead, and the wait for a job that follows retries until Redis is back.
    def set_state(self, *args, **kwargs):
        return self._unless_redis_away("state", super().set_state, *args, **kwargs)

    def heartbeat(self, *args, **kwargs):
        return self._unless_redis_away("heartbeat", super().heartbeat, *args, **kwargs)

    def check_for_suspension(self, *args, **kwargs):
        return self._unless_redis_away("suspension check", super().check_for_suspension, *args, **kwargs)

    def run_maintenance_tasks(self, *args, **kwargs):
        return self._unless_redis_away("maintenance", super().run_maintenance_tasks, *args, **kwargs)

    def _unless_redis_away(self, what, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except RedisConnectionError as exc:
            log.warning("worker %s: %s skipped while Redis is away: %s", self.name, what, exc)
            return None


class Command(BaseCommand):
    help = "Run a background worker (scoring, then other jobs)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
        parser.add_argument("--name", default=None)

    def handle(self, *args, burst=False, name=None, **options):
        r = _worker_connection()
        try:
            pending = Event.objects.filter(scored_at__isnull=True).exists() or has_received()
        except DatabaseError as exc:
            if not is_database_outage(exc):
                raise
            # Started while the database is away: a scoring job waits for it (engine/jobs.py).
            log.warning("worker: the database is unavailable; scoring is queued to run once it is back: %s", exc)
            pending = True
        if pending:
            forget_scoring_request(r)
            enqueue_scoring(r)
        connections.close_all()
        worker = DatabaseWorker([SCORING_QUEUE, DEFAULT_QUEUE], connection=r, name=name)
        worker.work(burst=burst, logging_level="WARNING")


def _worker_connection() -> Redis:
    """The worker's own connection to the main Redis: a call on a connection a Redis restart closed
    is sent again on a new one, instead of stopping the worker."""
    return Redis.from_url(redis_url(), socket_timeout=10, socket_connect_timeout=5, health_check_interval=30,
                          retry=Retry(ExponentialBackoff(cap=1, base=0.1), 3),
                          retry_on_error=[RedisConnectionError, RedisTimeoutError])
