"""Batches sent with `Prefer: respond-async` (engine/inbox.py): what became of each, the body of a
refused one, and putting a refused one back in line (do_retry, the same the API's POST .../retry calls).

A refused batch keeps its body for a week (base.inbox.KEEP_EXPANDED), so nothing a sender was
told we received is lost; this is where an admin finds it, reads why, downloads it or retries it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.utils.translation import gettext
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from base.inbox import do_retry, why_not_retryable
from base.models import EventBatch

from .access import admin_only
from .forms import EventBatchFilterForm
from .pages import not_found, one_page, page

PER_PAGE = 50
SHOWN_DUPLICATES = 200  # a batch holds up to 1,000 events; the API's status answer has them all


@require_safe
@admin_only
def event_batches(request):
    form = EventBatchFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return page(request, "web/event_batches.html", {"form": form, "rows": [], "total": 0}, status=422)
    rows = EventBatch.objects.order_by("-id")
    number = 1
    if form.is_bound:
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
        number = form.cleaned_data["page"] or 1
    # Not the bodies: a received batch's body is up to a megabyte.
    shown = rows.select_related("sender").defer("body")
    return page(request, "web/event_batches.html", {"form": form, **one_page(request, shown, number, PER_PAGE)})


@require_safe
@admin_only
def event_batch(request, batch_id: int):
    batch = EventBatch.objects.select_related("sender").filter(id=batch_id).first()
    if batch is None:
        return not_found(request, gettext('There is no event batch %(batch_id)s; expanded batches are kept for 7 days.') % {"batch_id": batch_id})
    return page(request, "web/event_batch.html", {
        "batch": batch, "retryable": why_not_retryable(batch) is None,
        "error": json.dumps(batch.error, indent=2, ensure_ascii=False) if batch.error else None,
        "duplicates": batch.duplicate_ids[:SHOWN_DUPLICATES], "more_duplicates": max(0, len(batch.duplicate_ids) - SHOWN_DUPLICATES),
    })


@require_safe
@admin_only
def event_batch_body(request, batch_id: int):
    """The body as the sender sent it (re-encoded as UTF-8), to fix and send again."""
    body = EventBatch.objects.filter(id=batch_id).values_list("body", flat=True).first()
    if body is None:
        return not_found(request, gettext('There is no event batch %(batch_id)s.') % {"batch_id": batch_id})
    if body == "":
        return not_found(request, gettext('Event batch %(batch_id)s keeps no body: its events were stored, or it named a person since erased.') % {"batch_id": batch_id})
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-batch-{batch_id}.json"'
    return response


@require_POST
@admin_only
def retry(request, batch_id: int):
    batch, problem = do_retry(batch_id)
    if batch is None:
        return not_found(request, gettext('There is no event batch %(batch_id)s.') % {"batch_id": batch_id})
    if problem:
        messages.error(request, problem[0].upper() + problem[1:] + ".")
    else:
        messages.success(request, gettext('Event batch %(id)s is back in line: it is stored again before any batch received after it, and its outcome shows here.') % {"id": batch.id})
    return redirect(reverse("web:event_batch", args=[batch_id]))
