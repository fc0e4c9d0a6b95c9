"""Recompute from the admin pages: start the API's recompute job, then watch it on a status page.

While the job is queued or running, the status page's script (web/static/web/job_status.js) fetches
it again every few seconds and swaps in its status part, a live region; without scripts the page reloads
itself through a <meta http-equiv="refresh"> inside <noscript>. Either way the reader can stop it: WCAG
2.2.1 (timing adjustable) asks for that, so the page links to itself with `?refresh=off`. The worker
records how many events it rescored (engine/jobs.py)."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from base.errors import Conflict, NotFound
from engine.jobs import do_start_recompute, recompute_status

from .access import admin_only
from .pages import not_found, page

REFRESH_SECONDS = 3


class RecomputeForm(forms.Form):
    since = forms.DateField(label=_("Only events from (optional)"), required=False,
                            error_messages={"invalid": _("Write a date like 2026-11-01, or leave it empty for the whole log.")})


@require_http_methods(["GET", "POST"])
@admin_only
def recompute(request):
    if request.method == "GET":
        return page(request, "web/recompute.html", {"form": RecomputeForm()})
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        return page(request, "web/recompute.html", {"form": form}, status=422)
    try:
        job = do_start_recompute(form.cleaned_data["since"])
    except Conflict:
        form.add_error(None, gettext("No ruleset is active, so there is nothing to rescore with. Activate one in the rules workbench first."))
        return page(request, "web/recompute.html", {"form": form}, status=409)
    return redirect("web:recompute_status", job.id)


@require_safe
@admin_only
def recompute_job(request, job_id: str):
    try:
        job = recompute_status(job_id)
    except NotFound:
        return not_found(request, gettext('There is no recompute job %(job)s; results are kept for 7 days.') % {"job": job_id})
    running = job["status"] in ("queued", "started")
    refreshing = running and request.GET.get("refresh") != "off"
    percent = round(100 * job["done"] / job["total"]) if job["total"] else (100 if job["status"] == "finished" else 0)
    return page(request, "web/recompute_status.html", {"job": job, "running": running, "refreshing": refreshing,
                                                       "percent": percent, "refresh": REFRESH_SECONDS})
