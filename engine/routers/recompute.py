"""POST /recompute: rescore the event log on the worker; GET /recompute/{job}: how that job is doing."""

from __future__ import annotations

from ninja import Router, Schema, Status

from base import auth
from base.errors import Conflict, NotFound
from base.redis import get_redis
from base.schemas import IsoDate
from rules.core.periods import midnight
from rulesets.active import active_ruleset

from ..jobs import enqueue_recompute

router = Router(tags=["recompute"])


class RecomputeOut(Schema):
    job: str
    status: str  # queued | started | finished | failed
    result: dict | None = None
    error: str | None = None


@router.post("", auth=auth.admin, response={202: RecomputeOut}, summary="Rescore the event log under the active ruleset")
def recompute(request, since: IsoDate | None = None):
    """Runs on the worker's scoring queue; poll GET /recompute/{job}. Points, badges, levels and boards
    are replaced in one swap when it finishes; running it twice gives the same result. `since` (a date,
    midnight in the ruleset's timezone) rescores only the events that occurred from then on."""
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active; activate one before recomputing")
    start = midnight(since, ruleset.tz).isoformat() if since else None
    return Status(202, _job_out(enqueue_recompute(start)))


@router.get("/{job_id}", auth=auth.admin, response=RecomputeOut)
def recompute_status(request, job_id: str):
    return _job_out(_job(job_id))


def _job(job_id: str):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not even shaped like a job id
        raise NotFound(f"no recompute job {job_id!r} (results are kept for 7 days)") from None


def _job_out(job) -> dict:
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    result = job.return_value() if status == "finished" else None
    error = None
    if status == "failed":
        latest = job.latest_result()
        error = (latest.exc_string or "").strip().splitlines()[-1][:300] if latest and latest.exc_string else "failed"
    return {"job": job.id, "status": status, "result": result, "error": error}
