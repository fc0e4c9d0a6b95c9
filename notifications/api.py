"""Channels, the outbox and templates over /api/v1; admin only. Everything is checked when it is
configured, so a bad URL, secret or template is a 4xx now rather than a dead delivery later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from base import auth
from base.errors import ApiError, NotFound

from .channels import ChannelInvalid, check_channel, do_delete_channel, do_save_channel, shown_url
from .models import KINDS, Channel, Notification, TemplateOverride
from .outbox import do_requeue
from .preview import preview
from .render import TEMPLATE_NAMES, RenderError
from .templates import TEMPLATED_KINDS, do_reset_template, do_save_template, template_text

router = Router(tags=["notifications"], auth=auth.admin)


class ChannelIn(Schema):
    kind: str = Field(description="slack | teams | webhook | email")
    url: str | None = Field(None, description="the incoming-webhook (Slack), Workflows (Teams) or receiver URL")
    secret: str | None = Field(None, description="webhook: whsec_ secret; never returned")
    secrets: list[str] | None = Field(None, description="webhook: up to two secrets while rotating, newest first")
    recipients: list[str] | None = Field(None, description="email: addresses")
    enabled: bool = True


class ChannelOut(Schema):
    id: str
    kind: str
    url: str | None  # scheme and host only: an incoming-webhook URL is a credential
    recipients: list[str]
    secrets: int  # how many signing secrets are set; their values are never shown
    enabled: bool
    created_at: datetime
    updated_at: datetime


def _channel_out(channel: Channel) -> dict:
    return {"id": channel.id, "kind": channel.kind, "url": shown_url(channel.url), "recipients": channel.recipients,
            "secrets": len(channel.secrets), "enabled": channel.enabled, "created_at": channel.created_at,
            "updated_at": channel.updated_at}


def _invalid(path: str, message: str) -> ApiError:
    return ApiError(422, "invalid_channel", message, [{"path": path, "message": message}])


def _check_channel(channel_id: str, body: ChannelIn, existing: Channel | None) -> dict:
    try:
        return check_channel(channel_id, kind=body.kind, url=body.url, secret=body.secret, secrets=body.secrets,
                             recipients=body.recipients, enabled=body.enabled, existing=existing)
    except ChannelInvalid as exc:
        raise _invalid(exc.path, exc.message) from None


@router.put("/channels/{channel_id}", response={200: ChannelOut, 201: ChannelOut})
def put_channel(request, channel_id: str, body: ChannelIn):
    existing = Channel.objects.filter(id=channel_id).first()
    fields = _check_channel(channel_id, body, existing)
    channel, created = do_save_channel(channel_id, fields)
    return Status(201 if created else 200, _channel_out(channel))


@router.get("/channels", response=list[ChannelOut])
def list_channels(request):
    return [_channel_out(c) for c in Channel.objects.order_by("id")]


@router.get("/channels/{channel_id}", response=ChannelOut)
def get_channel(request, channel_id: str):
    channel = Channel.objects.filter(id=channel_id).first()
    if channel is None:
        raise NotFound(f"no channel {channel_id!r}; PUT /api/v1/channels/{channel_id} configures it")
    return _channel_out(channel)


@router.delete("/channels/{channel_id}", response={204: None})
def delete_channel(request, channel_id: str):
    if not do_delete_channel(channel_id):
        raise NotFound(f"no channel {channel_id!r}")
    return Status(204, None)


class NotificationOut(Schema):
    id: int
    channel: str
    trigger: str
    template: str
    status: str
    attempts: int
    last_error: str
    last_status_code: int | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    data: dict


class NotificationPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[NotificationOut]


def _notification_out(n: Notification) -> dict:
    return {"id": n.id, "channel": n.channel_id, "trigger": n.trigger, "template": n.template, "status": n.status,
            "attempts": n.attempts, "last_error": n.last_error, "last_status_code": n.last_status_code,
            "next_attempt_at": n.next_attempt_at, "created_at": n.created_at, "delivered_at": n.delivered_at,
            "data": n.data}


@router.get("/notifications", response=NotificationPage)
def list_notifications(request, status: str | None = None, channel: str | None = None, trigger: str | None = None,
                       limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)):
    rows = Notification.objects.order_by("-id")
    if status is not None:
        if status not in Notification.STATUSES:
            raise ApiError(422, "invalid_status", f"status is one of {', '.join(Notification.STATUSES)}")
        rows = rows.filter(status=status)
    if channel is not None:
        rows = rows.filter(channel_id=channel)
    if trigger is not None:
        rows = rows.filter(trigger=trigger)
    return {"total": rows.count(), "limit": limit, "offset": offset,
            "items": [_notification_out(n) for n in rows[offset:offset + limit]]}


@router.get("/notifications/{notification_id}", response=NotificationOut)
def get_notification(request, notification_id: int):
    n = Notification.objects.filter(id=notification_id).first()
    if n is None:
        raise NotFound(f"no notification {notification_id}")
    return _notification_out(n)


@router.post("/notifications/{notification_id}/requeue", response={202: NotificationOut})
def requeue_notification(request, notification_id: int):
    return Status(202, _notification_out(do_requeue(notification_id)))


class TemplateIn(Schema):
    text: str = Field(max_length=20_000)


class TemplateOut(Schema):
    kind: str
    name: str
    text: str
    overridden: bool
    updated_at: datetime | None = None


class PreviewIn(Schema):
    kind: str = Field(description="slack | teams | webhook | email")
    name: str = Field(description="badge_awarded | level_up | leaderboard_top | weekly_digest")
    text: str | None = Field(None, max_length=20_000, description="a draft; default: the saved or shipped template")
    data: dict | None = Field(None, description="data to render instead of the sample")


class PreviewOut(Schema):
    kind: str
    name: str
    text: str | None  # the rendered template (None for a webhook, which sends data, not text)
    payload: Any  # what the channel would receive: Block Kit, an Adaptive Card message, the webhook body, the email


def _check_kind_name(kind: str, name: str, *, templated: bool = True) -> None:
    kinds = TEMPLATED_KINDS if templated else KINDS
    if kind not in kinds:
        raise ApiError(422, "unknown_kind", f"unknown channel kind {kind!r}; use one of {', '.join(kinds)}")
    if name not in TEMPLATE_NAMES:
        raise ApiError(404 if templated else 422, "unknown_template",
                       f"no template {name!r}; the templates are {', '.join(TEMPLATE_NAMES)}")


def _template_out(kind: str, name: str) -> dict:
    override = TemplateOverride.objects.filter(kind=kind, name=name).first()
    return {"kind": kind, "name": name, "text": override.text if override else template_text(kind, name),
            "overridden": override is not None, "updated_at": override.updated_at if override else None}


@router.get("/templates", response=list[TemplateOut])
def list_templates(request):
    return [_template_out(kind, name) for kind in TEMPLATED_KINDS for name in TEMPLATE_NAMES]


@router.get("/templates/{kind}/{name}", response=TemplateOut)
def get_template(request, kind: str, name: str):
    _check_kind_name(kind, name)
    return _template_out(kind, name)


@router.put("/templates/{kind}/{name}", response=TemplateOut)
def put_template(request, kind: str, name: str, body: TemplateIn):
    _check_kind_name(kind, name)
    try:
        do_save_template(kind, name, body.text, updated_by=getattr(getattr(request, "api_key", None), "name", ""))
    except RenderError as exc:
        raise ApiError(422, "invalid_template", f"the template does not render: {exc}",
                       [{"path": "text", "message": str(exc)}]) from None
    return _template_out(kind, name)


@router.delete("/templates/{kind}/{name}", response={204: None})
def delete_template(request, kind: str, name: str):
    _check_kind_name(kind, name)
    if not do_reset_template(kind, name):
        raise NotFound(f"{name} has no override for {kind}; it uses the shipped default")
    return Status(204, None)


@router.post("/templates/preview", response=PreviewOut)
def preview_template(request, body: PreviewIn):
    _check_kind_name(body.kind, body.name, templated=False)
    try:
        shown = preview(body.kind, body.name, text=body.text, data=body.data)
    except RenderError as exc:
        raise ApiError(422, "invalid_template", f"the template does not render: {exc}",
                       [{"path": "text", "message": str(exc)}]) from None
    return {"kind": body.kind, "name": body.name, **shown}
