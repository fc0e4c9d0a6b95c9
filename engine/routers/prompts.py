"""Topic prompts (the ruleset's `prompts:`): each with its next slot and its last posts; post one now."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from base import auth

from ..integrations.slack_app.prompts import do_post_prompt_now, post_out, prompts_overview

router = Router(tags=["prompts"])


class PromptPostOut(Schema):
    id: int
    prompt: str
    slot: datetime
    manual: bool
    channel: str
    ts: str | None
    posted_at: datetime | None
    status: str  # posted | pending (being tried, or waiting for a retry) | failed (gave up)
    attempts: int
    error: str | None


class PromptOut(Schema):
    id: str
    schedule: str
    timezone: str
    to: str
    text: str
    reward_rule: str | None
    next_slot: datetime
    blocks: list[dict]
    last_posts: list[PromptPostOut]


class PromptsOut(Schema):
    items: list[PromptOut]


@router.get("", auth=auth.admin, response=PromptsOut)
def list_prompts(request):
    return {"items": prompts_overview()}


@router.post("/{prompt_id}/post", auth=auth.admin, response={200: PromptPostOut})
def post_prompt(request, prompt_id: str):
    return post_out(do_post_prompt_now(prompt_id[:64]))
