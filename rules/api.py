from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from engine import auth
from engine.errors import ApiError, read_limited_body
from rules.core import RulesetError, load_ruleset

from .active import do_activate_ruleset
from .models import RulesetVersion

router = Router(tags=["rulesets"])
MAX_RULESET_BYTES = 256 * 1024

YAML_BODY = {"requestBody": {"required": True, "content": {"application/yaml": {"schema": {"type": "string"}}}}}


class RulesetOut(Schema):
    version: int
    name: str
    sha256: str
    activated_at: datetime
    activated_by: str
    note: str
    text: str


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
            "activated_by": v.activated_by, "note": v.note, "text": v.text}


@router.put("/ruleset", auth=auth.admin, response=RulesetOut, openapi_extra=YAML_BODY,
            summary="Validate and activate a ruleset (YAML body)")
def put_ruleset(request, note: str = ""):
    """Takes effect for events scored from now on; the past is not rescored."""
    text = _yaml_text(request)
    try:
        version = do_activate_ruleset(text, activated_by=request.auth.name, note=note)
    except RulesetError as exc:
        raise _invalid(exc) from None
    from engine.jobs import enqueue_scoring

    enqueue_scoring()  # events that waited for a ruleset can be scored now
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
