"""RQ entry points. Jobs carry no data: they reload and call the same actions the API uses."""

from __future__ import annotations

import logging

from redis import RedisError
from rq import Queue

from .redis import get_redis

log = logging.getLogger(__name__)

SCORING_QUEUE = "scoring"
DEFAULT_QUEUE = "default"
# While one scoring job waits in the queue, another would find nothing new to do.
SCORING_PENDING_FLAG = "plaudit:scoring:queued"


def scoring_queue() -> Queue:
    return Queue(SCORING_QUEUE, connection=get_redis())


def enqueue_scoring() -> None:
    """Ask a worker to score pending events; a no-op while a request is already queued.

    Only a nudge: pending events stay in the database, and a worker starting or the serve relay
    queues scoring for them too. So Redis being away is logged here, not raised to the caller,
    whose events or ruleset are already committed.
    """
    try:
        r = get_redis()
        if r.set(SCORING_PENDING_FLAG, 1, nx=True, ex=60):
            scoring_queue().enqueue(score_pending_job, job_timeout=3600, result_ttl=60, failure_ttl=86400)
    except RedisError as exc:
        log.warning("could not queue scoring (pending events wait for a worker or the relay): %s", exc)


def score_pending_job() -> int:
    from .scoring import do_score_pending

    # Cleared before scoring, so events accepted while this job runs queue another one.
    get_redis().delete(SCORING_PENDING_FLAG)
    return do_score_pending()


def recompute_job(since: str | None = None) -> dict:
    """On the scoring queue, so it never runs beside a scoring job of this worker."""
    from datetime import datetime

    from .recompute import do_recompute

    report = do_recompute(since=datetime.fromisoformat(since) if since else None)
    return {"events": report.events, "awards": report.awards, "points": report.points, "seconds": round(report.seconds, 2)}


def enqueue_recompute(since: str | None = None):
    return scoring_queue().enqueue(recompute_job, since, job_timeout=6 * 3600, result_ttl=7 * 86400, failure_ttl=7 * 86400)
