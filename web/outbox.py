"""The notification outbox: filters, pages of rows, one row's rendered payload, requeueing.

Requeueing is the outbox's own action (do_requeue), the same the API's POST .../requeue calls."""

from __future__ import annotations

import json

from django.contrib import messages
from django.utils.translation import gettext
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from base.errors import Conflict, NotFound
from notifications.models import Channel, Notification
from notifications.outbox import REQUEUEABLE, do_requeue
from notifications.preview import preview
from notifications.render import TEMPLATE_NAMES, RenderError

from .access import admin_only
from .forms import OutboxFilterForm
from .message_templates import shown_preview
from .pages import not_found, one_page, page

PER_PAGE = 50


@require_safe
@admin_only
def outbox(request):
    form = OutboxFilterForm(request.GET or None)
    rows = Notification.objects.order_by("-id")
    number = 1
    if form.is_bound and not form.is_valid():
        return page(request, "web/outbox.html", {"form": form, "rows": [], "total": 0}, status=422)
    if form.is_bound:
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["channel"]:
            rows = rows.filter(channel_id=data["channel"])
        if data["trigger"]:
            rows = rows.filter(trigger=data["trigger"])
        number = data["page"] or 1
    shown = rows.only("id", "channel_id", "trigger", "status", "attempts", "next_attempt_at", "last_error",
                      "last_status_code", "created_at")
    return page(request, "web/outbox.html", {
        "form": form, **one_page(request, shown, number, PER_PAGE),
        "requeueable": REQUEUEABLE, "back": request.get_full_path(),
    })


@require_safe
@admin_only
def notification(request, notification_id: int):
    n = Notification.objects.filter(id=notification_id).first()
    if n is None:
        return not_found(request, gettext('There is no notification %(notification_id)s.') % {"notification_id": notification_id})
    channel = Channel.objects.filter(id=n.channel_id).first()
    shown, problem = None, None
    if channel is None:
        problem = gettext('The channel %(channel_id)s is not set up, so there is nothing to render it for.') % {"channel_id": n.channel_id}
    elif channel.kind == "webhook" or n.template in TEMPLATE_NAMES:
        try:
            result = preview(channel.kind, n.template if n.template in TEMPLATE_NAMES else n.trigger, data=n.data,
                             trigger=n.trigger)
            shown = shown_preview(channel.kind, result) if channel.kind != "webhook" else \
                {"kind": "webhook", "json": json.dumps(result["payload"], indent=2, ensure_ascii=False)}
        except RenderError as exc:
            problem = gettext('The %(kind)s template %(template)s does not render for this notification: %(exc)s') % {"kind": channel.kind, "template": n.template, "exc": exc}
    else:
        problem = gettext('The template %(template)s is unknown.') % {"template": n.template}
    return page(request, "web/notification.html", {
        "n": n, "channel": channel, "preview": shown, "problem": problem, "requeueable": n.status in REQUEUEABLE,
        "data": json.dumps(n.data, indent=2, ensure_ascii=False)})


def _safe_back(request, fallback: str) -> str:
    back = request.POST.get("back") or ""
    return back if back.startswith("/admin-area/outbox") and "//" not in back else fallback


@require_POST
@admin_only
def requeue(request, notification_id: int):
    try:
        n = do_requeue(notification_id)
    except NotFound:
        return not_found(request, gettext('There is no notification %(notification_id)s.') % {"notification_id": notification_id})
    except Conflict as exc:
        messages.error(request, exc.message[0].upper() + exc.message[1:] + ".")
    else:
        messages.success(request, gettext('Notification %(id)s to %(channel_id)s is queued again, attempts reset to 0.') % {"id": n.id, "channel_id": n.channel_id})
    return redirect(_safe_back(request, reverse("web:notification", args=[notification_id])))
