"""Channels: where notifications go. The list, a form to add or change one, deleting (after a confirmation page),
and a test message sent through the channel's delivery path (notifications/test_send.py).

The checks are the API's (notifications/channels.py). Secrets are write-only here: the form has
fields to set or replace them, and a page says only how many are set; a URL shows scheme and host."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from base.errors import NotFound
from notifications.channels import channel_problems, do_delete_channel, do_save_channel, shown_url
from notifications.models import Channel
from notifications.test_send import do_send_test_message

from .access import admin_only
from .forms import ChannelForm
from .pages import not_found, page

CHANNELS_SHOWN = 500


def _field_of(path: str) -> str:
    """The form field a service error belongs beside: secrets[1] is the second secret, recipients[3] the list."""
    if path == "secrets[1]":
        return "second_secret"
    if path.startswith("secret"):
        return "secret"
    if path.startswith("recipients"):
        return "recipients"
    return path if path in ("id", "kind", "url") else "id"


def _rows() -> list[dict]:
    return [{"id": c.id, "kind": c.kind, "where": shown_url(c.url) or ", ".join(c.recipients[:3]) + (" …" if len(c.recipients) > 3 else ""),
             "secrets": len(c.secrets), "enabled": c.enabled, "updated_at": c.updated_at}
            for c in Channel.objects.order_by("id")[:CHANNELS_SHOWN]]


def _no_store(response):
    response["Cache-Control"] = "no-store"  # a form sent back with errors holds the secret just typed
    return response


def _list_page(request, form: ChannelForm, status: int = 200):
    return _no_store(page(request, "web/channels.html", {"form": form, "channels": _rows()}, status=status))


def _edit_page(request, channel: Channel, form: ChannelForm, status: int = 200):
    return _no_store(page(request, "web/channel.html", {"form": form, "channel": channel, "where": shown_url(channel.url)},
                          status=status))


def _secrets(form: ChannelForm, existing: Channel | None) -> list[str] | None:
    """The secrets to store, or None to keep the current ones (a blank field never erases a secret)."""
    data = form.cleaned_data
    new, second = data.get("secret") or "", data.get("second_secret") or ""
    if not new:
        if second:
            form.add_error("secret", gettext('Enter the new secret first; the second one is the older secret kept while rotating.'))
        return None
    if second:
        return [new, second]
    if data.get("keep_current") and existing is not None and existing.kind == "webhook" and existing.secrets:
        return [new, existing.secrets[0]]
    return [new]


def _save(request, form: ChannelForm, channel_id: str, existing: Channel | None) -> Channel | None:
    """Check with the service's rules and save; None with every error beside its field when it is refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    kind = data["kind"]
    secrets = _secrets(form, existing) if kind == "webhook" else None
    if kind != "webhook" and (data.get("secret") or data.get("second_secret")):
        form.add_error("secret", gettext('A %(kind)s channel takes no secret: its URL is the credential. Clear this field.') % {"kind": kind})
    url = data.get("url") or None
    if url is None and existing is not None and existing.kind == kind and existing.url:
        url = existing.url  # the URL is a credential, never shown back: a blank field keeps it
    fields, problems = channel_problems(channel_id, kind=kind, url=url, secrets=secrets,
                                        recipients=form.recipient_list(), enabled=data["enabled"], existing=existing)
    for problem in problems:
        form.add_error(_field_of(problem.path), problem.message[0].upper() + problem.message[1:] + ".")
    if form.errors:
        return None
    channel, _ = do_save_channel(channel_id, fields)
    return channel


@require_http_methods(["GET", "POST"])
@admin_only
def channels(request):
    if request.method == "GET":
        return _list_page(request, ChannelForm(initial={"enabled": True}))
    form = ChannelForm(request.POST)
    channel_id = (request.POST.get("id") or "").strip()
    if channel_id and Channel.objects.filter(id=channel_id).exists():
        form.is_valid()
        form.add_error("id", gettext('A channel named %(channel_id)s exists already; open it from the list to change it.') % {"channel_id": channel_id})
        return _list_page(request, form, status=422)
    channel = _save(request, form, channel_id, None)
    if channel is None:
        return _list_page(request, form, status=422)
    messages.success(request, gettext('Channel %(id)s is set up. Rules send to it with `to: %(id)s`.') % {"id": channel.id})
    return redirect("web:channels")


@require_http_methods(["GET", "POST"])
@admin_only
def channel(request, channel_id: str):
    existing = Channel.objects.filter(id=channel_id).first()
    if existing is None:
        return not_found(request, gettext('There is no channel %(channel_id)s.') % {"channel_id": channel_id})
    if request.method == "GET":
        form = ChannelForm(initial={"id": existing.id, "kind": existing.kind, "enabled": existing.enabled,
                                    "recipients": "\n".join(existing.recipients)})
        return _edit_page(request, existing, form)
    form = ChannelForm({**request.POST.dict(), "id": existing.id})
    saved = _save(request, form, existing.id, existing)
    if saved is None:
        return _edit_page(request, existing, form, status=422)
    messages.success(request, gettext('Channel %(id)s is saved.') % {"id": saved.id})
    return redirect("web:channels")


@require_http_methods(["GET", "POST"])
@admin_only
def delete_channel(request, channel_id: str):
    """GET asks first (a page saying what is lost, with the button that POSTs); the POST deletes."""
    if request.method == "GET":
        existing = Channel.objects.filter(id=channel_id).first()
        if existing is None:
            return not_found(request, gettext('There is no channel %(channel_id)s.') % {"channel_id": channel_id})
        return page(request, "web/confirm_delete_channel.html", {"channel": existing, "where": shown_url(existing.url)})
    if not do_delete_channel(channel_id):
        return not_found(request, gettext('There is no channel %(channel_id)s.') % {"channel_id": channel_id})
    messages.success(request, gettext('Channel %(channel_id)s is deleted. Notifications to it now end as dead until it is set up again.') % {"channel_id": channel_id})
    return redirect("web:channels")


@require_POST
@admin_only
def test_channel(request, channel_id: str):
    """Send the test message now and come back to the channel's page with what the channel answered."""
    try:
        sent = do_send_test_message(channel_id, by=f"web:{request.user.username}")
    except NotFound:
        return not_found(request, gettext('There is no channel %(channel_id)s.') % {"channel_id": channel_id})
    if sent.status == "delivered":
        messages.success(request, gettext('The test message was delivered to %(channel_id)s.') % {"channel_id": channel_id}
                         + (gettext(' It answered HTTP %(code)s.') % {"code": sent.last_status_code} if sent.last_status_code else ""))
    else:
        messages.error(request, gettext('The test message was not delivered to %(channel_id)s. The channel returned: %(error)s') % {
            "channel_id": channel_id, "error": sent.last_error})
    return redirect("web:channel", channel_id)
