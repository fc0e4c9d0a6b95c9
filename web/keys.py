"""API keys: the list, issuing one (its secret is shown once, never stored), revoking (after a confirmation page)."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from base.api_keys import do_create_api_key, do_revoke_api_key
from base.models import ApiKey

from .access import admin_only
from .forms import ApiKeyForm
from .pages import not_found, page

KEYS_SHOWN = 200


def _page(request, form: ApiKeyForm, secret: str | None = None, issued: ApiKey | None = None, status: int = 200):
    keys = ApiKey.objects.order_by("revoked_at", "-created_at")[:KEYS_SHOWN]
    return page(request, "web/keys.html", {"form": form, "keys": keys, "secret": secret, "issued": issued}, status=status)


@require_http_methods(["GET", "POST"])
@admin_only
def keys(request):
    if request.method == "GET":
        return _page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    key, raw = do_create_api_key(name=form.cleaned_data["name"].strip(), role=form.cleaned_data["role"])
    response = _page(request, ApiKeyForm(), secret=raw, issued=key)
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@require_http_methods(["GET", "POST"])
@admin_only
def revoke(request, key_id: int):
    """GET asks first (a page saying what stops working, with the button that POSTs); the POST revokes."""
    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        return not_found(request, gettext('There is no API key %(key_id)s.') % {"key_id": key_id})
    if request.method == "GET":
        if key.revoked_at is not None:
            return redirect("web:keys")
        return page(request, "web/confirm_revoke_key.html", {"key": key})
    if key.revoked_at is None:
        do_revoke_api_key(key_id=key.pk)
        messages.success(request, gettext('Revoked “%(name)s” (%(prefix)s…). Calls with it are refused from now on.') % {"name": key.name, "prefix": key.prefix})
    return redirect("web:keys")
