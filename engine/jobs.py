"""RQ entry points. Jobs carry no data: they reload and call the same actions the API uses."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime

from redis import RedisError

from base.errors import Conflict, NotFound
from base.redis import get_redis
from base.scoring_queue import forget_scoring_request, scoring_queue
from rules.core.periods import midnight
from rulesets.active import active_ruleset

from .outages import is_database_outage, release_broken_connections
from .recompute import do_recompute
from .scoring import do_score_pending

log = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds between two progress writes of a running recompute


OUTAGE_WAIT_SECONDS = 60.0  # how long a scoring job waits for the database to come back


def score_pending_job() -> int:
    """A database outage (a restart, a failover) does not fail the job: it waits for the database,
    trying again after 0.5, 1, 2, 4 and then every 5 seconds, for up to OUTAGE_WAIT_SECONDS. Otherwise
    the events of the batch it was scoring wait for the relay, or for whichever request comes next."""
    forget_scoring_request(get_redis())
    deadline = time.monotonic() + OUTAGE_WAIT_SECONDS
    pause = 0.5
    while True:
        try:
            return do_score_pending()
        except Exception as exc:
            if not is_database_outage(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("scoring waits %.1f s for the database: %s", pause, str(exc).strip().splitlines()[0])
            release_broken_connections()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def recompute_job(since: str | None = None) -> dict:
    """On the scoring queue, so it never runs beside a scoring job of this worker."""
    report = do_recompute(_progress_recorder(), since=datetime.fromisoformat(since) if since else None)
    return {"events": report.events, "awards": report.awards, "points": report.points, "seconds": round(report.seconds, 2)}


def enqueue_recompute(since: str | None = None):
    return scoring_queue().enqueue(recompute_job, since, job_timeout=6 * 3600, result_ttl=7 * 86400, failure_ttl=7 * 86400)


def do_start_recompute(since: date | None = None):
    """Queue a recompute of the event log (from `since`, midnight in the ruleset's timezone); the RQ job.
    Conflict when no ruleset is active. The API's POST /recompute and the admin page call this."""
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active; activate one before recomputing")
    return enqueue_recompute(midnight(since, ruleset.tz).isoformat() if since else None)


def _progress_recorder():
    """Writes done/total into the running job's meta, at most once a second (and at the start and the end),
    so a status page can show how far it got. Outside a worker there is no job to write to."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return None
    last = [0.0]

    def record(done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        job.meta.update(done=done, total=total)
        try:
            job.save_meta()
        except RedisError as exc:  # progress is for people watching; the recompute goes on without it
            log.warning("could not record the recompute's progress: %s", exc)
    return record


def recompute_status(job_id: str) -> dict:
    """A recompute job's state: status (queued, started, finished, failed), done and total events while
    it runs (None before it counted them), the result or the error. NotFound for an unknown job."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not even shaped like a job id
        raise NotFound(f"no recompute job {job_id!r} (results are kept for 7 days)") from None
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    result = job.return_value() if status == "finished" else None
    error = None
    if status == "failed":
        latest = job.latest_result()
        error = (latest.exc_string or "").strip().splitlines()[-1][:300] if latest and latest.exc_string else "failed"
    meta = job.get_meta(refresh=True) if status in ("started", "finished", "failed") else {}
    done, total = meta.get("done"), meta.get("total")
    if status == "finished" and result:
        done = total = result.get("events", done)
    return {"job": job.id, "status": status, "done": done, "total": total, "result": result, "error": error}
