"""POST /recompute: rescore the event log on the worker; GET /recompute/{job}: how that job is doing."""

from __future__ import annotations

from ninja import Router, Schema, Status

from base import auth
from base.schemas import IsoDate

from ..jobs import do_start_recompute, recompute_status as job_status

router = Router(tags=["recompute"])


class RecomputeOut(Schema):
    job: str
    status: str  # queued | started | finished | failed
    done: int | None = None  # events rescored so far (while started; all of them once finished)
    total: int | None = None  # events to rescore, once the job has counted them
    result: dict | None = None
    error: str | None = None


@router.post("", auth=auth.admin, response={202: RecomputeOut}, summary="Rescore the event log under the active ruleset")
def recompute(request, since: IsoDate | None = None):
    """Runs on the worker's scoring queue; poll GET /recompute/{job}. Points, badges, levels and boards
    are replaced in one swap when it finishes; running it twice gives the same result. `since` (a date,
    midnight in the ruleset's timezone) rescores only the events that occurred from then on."""
    return Status(202, job_status(do_start_recompute(since).id))


@router.get("/{job_id}", auth=auth.admin, response=RecomputeOut)
def recompute_status(request, job_id: str):
    return job_status(job_id)
