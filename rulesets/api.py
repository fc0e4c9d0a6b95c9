from __future__ import annotations

from datetime import date, datetime

import pydantic
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from base import auth
from base.errors import ApiError, NotFound, read_limited_body
from base.redis import get_redis
from base.schemas import BodyIn, IsoDate
from rules.core import RulesetError, load_ruleset
from rules.core.jsonschema import ruleset_json_schema

from . import failures as expression_failures
from .active import diff_versions, do_activate_ruleset, do_roll_back_ruleset
from .models import RulesetVersion, ScheduledActivation
from .schedule import do_cancel_scheduled_activation, do_schedule_activation, pending_activations
from .simulate import run_simulation

router = Router(tags=["rulesets"])
MAX_RULESET_BYTES = 256 * 1024

YAML_BODY = {"requestBody": {"required": True, "content": {"application/yaml": {"schema": {"type": "string"}}}}}


class ExpressionFailureOut(Schema):
    owner: str  # the rule, boost, badge or streak whose `expr` failed
    failures: int
    last_error: str


class RulesetOut(Schema):
    version: int
    name: str
    sha256: str
    activated_at: datetime
    activated_by: str
    note: str
    text: str
    expression_failures: list[ExpressionFailureOut]


class ValidationOut(Schema):
    valid: bool
    name: str
    rules: int
    badges: int
    leaderboards: int


def _yaml_text(request: HttpRequest) -> str:
    body = read_limited_body(request, MAX_RULESET_BYTES, "a ruleset (256 KB)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "send the ruleset as UTF-8 text") from None


def _invalid(exc: RulesetError) -> ApiError:
    return ApiError(422, "invalid_ruleset", f"the ruleset has {len(exc.issues)} problem(s)",
                    [issue.as_dict() for issue in exc.issues])


def _version_out(v: RulesetVersion) -> dict:
    return {"version": v.id, "name": v.name, "sha256": v.sha256, "activated_at": v.created_at,
            "activated_by": v.activated_by, "note": v.note, "text": v.text,
            "expression_failures": expression_failures.read(get_redis(), v.id)}


@router.put("/ruleset", auth=auth.admin, response=RulesetOut, openapi_extra=YAML_BODY,
            summary="Validate and activate a ruleset (YAML body)")
def put_ruleset(request, note: str = ""):
    """Takes effect for events scored from now on; the past is not rescored."""
    text = _yaml_text(request)
    try:
        version = do_activate_ruleset(text, activated_by=request.auth.name, note=note)
    except RulesetError as exc:
        raise _invalid(exc) from None
    return _version_out(version)


@router.get("/ruleset", auth=auth.reader, response=RulesetOut)
def get_ruleset(request):
    version = RulesetVersion.objects.filter(active=True).first()
    if version is None:
        raise ApiError(404, "no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset with a YAML body")
    return _version_out(version)


@router.post("/rulesets/validate", auth=auth.admin, response=ValidationOut, openapi_extra=YAML_BODY)
def validate_ruleset(request):
    try:
        ruleset = load_ruleset(_yaml_text(request))
    except RulesetError as exc:
        raise _invalid(exc) from None
    return {"valid": True, "name": ruleset.name, "rules": len(ruleset.rules), "badges": len(ruleset.badges),
            "leaderboards": len(ruleset.leaderboards)}


@router.get("/rulesets/schema.json", auth=None, response=dict, summary="JSON Schema of the ruleset format, for editors")
def ruleset_schema(request):
    """Point a YAML language server at it: `# yaml-language-server: $schema=<base>/api/v1/rulesets/schema.json`."""
    return ruleset_json_schema()


class VersionOut(Schema):
    version: int
    name: str
    sha256: str
    active: bool
    activated_at: datetime
    activated_by: str
    note: str


def _version(version_id: int) -> RulesetVersion:
    version = RulesetVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(f"no ruleset version {version_id}; GET /api/v1/rulesets lists them")
    return version


@router.get("/rulesets", auth=auth.reader, response=list[VersionOut], summary="Every activated version, newest first")
def list_versions(request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)):
    rows = RulesetVersion.objects.order_by("-id")[offset:offset + limit]
    return [{"version": v.id, "name": v.name, "sha256": v.sha256, "active": v.active, "activated_at": v.created_at,
             "activated_by": v.activated_by, "note": v.note} for v in rows]


@router.get("/rulesets/{int:version_id}", auth=auth.reader, response=RulesetOut)
def show_version(request, version_id: int):
    return _version_out(_version(version_id))


class DiffOut(Schema):
    old: int
    new: int
    diff: str


@router.get("/rulesets/{int:old_id}/diff/{int:new_id}", auth=auth.reader, response=DiffOut,
            summary="A unified diff between two versions' texts")
def diff(request, old_id: int, new_id: int):
    return {"old": old_id, "new": new_id, "diff": diff_versions(_version(old_id), _version(new_id))}


@router.post("/rulesets/{int:version_id}/activate", auth=auth.admin, response=RulesetOut,
             summary="Roll back: activate an earlier version again (as a new version)")
def roll_back(request, version_id: int, note: str = ""):
    try:
        version = do_roll_back_ruleset(_version(version_id).id, activated_by=request.auth.name, note=note)
    except RulesetError as exc:  # an old text the current validator no longer accepts
        raise _invalid(exc) from None
    return _version_out(version)


class SimulateIn(BodyIn):
    ruleset: str
    from_: IsoDate | None = Field(None, alias="from")
    until: IsoDate | None = None


SIMULATE_BODY = {"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object", "required": ["ruleset"], "properties": {
        "ruleset": {"type": "string"}, "from": {"type": "string", "format": "date"},
        "until": {"type": "string", "format": "date"}}}},
}}}


@router.post("/rulesets/simulate", auth=auth.admin, response=dict, openapi_extra=SIMULATE_BODY,
             summary="Replay stored events against a draft and compare with the live ruleset")
def simulate_draft(request, from_: date | None = Query(None, alias="from"), until: date | None = None):
    """A YAML body with `?from=&until=` dates, or JSON {"ruleset", "from", "until"}. Writes nothing."""
    if request.content_type == "application/json":
        import json

        try:
            body = SimulateIn.model_validate(json.loads(read_limited_body(request, MAX_RULESET_BYTES * 2, "a simulation request")))
        except (ValueError, pydantic.ValidationError) as exc:
            raise ApiError(422, "validation_error", f"send {{\"ruleset\": \"<yaml>\", \"from\": \"2026-11-01\", \"until\": \"2026-12-01\"}}: {exc}") from None
        text, from_, until = body.ruleset, body.from_ or from_, body.until or until
    else:
        text = _yaml_text(request)
    try:
        draft = load_ruleset(text)
    except RulesetError as exc:
        raise _invalid(exc) from None
    return run_simulation(draft, from_, until)


class ScheduleIn(BodyIn):
    ruleset: str = Field(max_length=MAX_RULESET_BYTES)
    activate_at: datetime  # with an offset, or without one: then read in the ruleset's timezone
    note: str = Field("", max_length=500)


class ScheduleOut(Schema):
    id: int
    name: str
    sha256: str
    activate_at: datetime  # in the ruleset's timezone, with its offset
    timezone: str
    note: str
    scheduled_by: str
    status: str  # pending | done | cancelled | failed
    version: int | None  # the version it became, once done
    error: str


def _schedule_out(s: ScheduledActivation) -> dict:
    return {"id": s.id, "name": s.name, "sha256": s.sha256, "activate_at": s.activate_at.astimezone(ZoneInfo(s.timezone)),
            "timezone": s.timezone, "note": s.note, "scheduled_by": s.scheduled_by, "status": s.status,
            "version": s.version_id, "error": s.error}


@router.post("/rulesets/scheduled", auth=auth.admin, response={201: ScheduleOut},
             summary="Validate a ruleset and activate it at a given moment")
def schedule_ruleset(request, body: ScheduleIn):
    """The relay activates it within a minute of `activate_at`, once, as a new version; until then
    `DELETE /rulesets/scheduled/{id}` cancels it."""
    try:
        schedule = do_schedule_activation(body.ruleset, body.activate_at, now=timezone.now(),
                                          scheduled_by=request.auth.name, note=body.note)
    except RulesetError as exc:
        raise _invalid(exc) from None
    return Status(201, _schedule_out(schedule))


@router.get("/rulesets/scheduled", auth=auth.admin, response=list[ScheduleOut],
            summary="Scheduled activations: the pending ones first by their moment, then the latest others")
def scheduled_rulesets(request):
    pending = pending_activations()
    others = ScheduledActivation.objects.exclude(status=ScheduledActivation.PENDING).order_by("-activate_at", "-id")[:100]
    return [_schedule_out(s) for s in [*pending, *others]]


@router.delete("/rulesets/scheduled/{int:schedule_id}", auth=auth.admin, response=ScheduleOut,
               summary="Cancel a pending scheduled activation")
def cancel_scheduled_ruleset(request, schedule_id: int):
    return _schedule_out(do_cancel_scheduled_activation(schedule_id, cancelled_by=request.auth.name))
