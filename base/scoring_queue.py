"""The scoring queue: how the base asks for pending events to be scored.

Ingest and activation only nudge: pending events stay in the database, and a worker starting or
the relay queues scoring for them too. The job is named by its dotted path, as RQ stores it, so
the base never imports the orchestration that scores (engine/jobs.py).
"""

from __future__ import annotations

import logging

from redis import Redis, RedisError
from rq import Queue
from rq.registry import StartedJobRegistry

from . import keys
from .redis import get_redis

log = logging.getLogger(__name__)

SCORING_QUEUE = "scoring"
DEFAULT_QUEUE = "default"
SCORE_PENDING_JOB = "engine.jobs.score_pending_job"


def scoring_queue(r: Redis | None = None) -> Queue:
    return Queue(SCORING_QUEUE, connection=r or get_redis())


def enqueue_scoring(r: Redis | None = None) -> None:
    """Ask a worker to score pending events; a no-op while a request is already queued.

    Redis being away is logged here, not raised to the caller, whose events or ruleset are
    already committed.
    """
    try:
        r = r or get_redis()
        if r.set(keys.SCORING_QUEUED, 1, nx=True, ex=60):
            scoring_queue(r).enqueue(SCORE_PENDING_JOB, job_timeout=3600, result_ttl=60, failure_ttl=86400)
    except RedisError as exc:
        log.warning("could not queue scoring (pending events wait for a worker or the relay): %s", exc)


def scoring_requested(r: Redis) -> bool:
    """Whether a scoring job is queued or running. The flag alone can outlive its job (a Redis
    restored from its append-only file keeps the flag but may have lost the job, or a worker died
    holding it): a flag with no job behind it is dropped, so the caller queues a new one now
    rather than when the flag expires."""
    if not r.exists(keys.SCORING_QUEUED):
        return False
    queue = scoring_queue(r)
    if queue.count or StartedJobRegistry(queue=queue).count:
        return True
    forget_scoring_request(r)
    return False


def forget_scoring_request(r: Redis) -> None:
    """Cleared before scoring, so events accepted while a job runs queue another one."""
    r.delete(keys.SCORING_QUEUED)
