"""RQ entry points. Jobs carry no data: they reload and call the same actions the API uses."""

from __future__ import annotations

from datetime import datetime

from base.redis import get_redis
from base.scoring_queue import forget_scoring_request, scoring_queue

from .recompute import do_recompute
from .scoring import do_score_pending


def score_pending_job() -> int:
    forget_scoring_request(get_redis())
    return do_score_pending()


def recompute_job(since: str | None = None) -> dict:
    """On the scoring queue, so it never runs beside a scoring job of this worker."""
    report = do_recompute(since=datetime.fromisoformat(since) if since else None)
    return {"events": report.events, "awards": report.awards, "points": report.points, "seconds": round(report.seconds, 2)}


def enqueue_recompute(since: str | None = None):
    return scoring_queue().enqueue(recompute_job, since, job_timeout=6 * 3600, result_ttl=7 * 86400, failure_ttl=7 * 86400)
