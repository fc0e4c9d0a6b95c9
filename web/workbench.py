"""The rules workbench: edit the YAML, check it, run its tests, simulate it on past events, activate it;
and the versions, with diffs and roll back. The same service functions as the API (rules/).

The text being edited is the admin's draft, kept on the server (rulesets/drafts.py): saved by
**Save draft** and by every Check, Run tests and Simulate, shown again on return, dropped on
activation or by **Discard draft**."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.utils.translation import gettext
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from base.errors import ApiError, DomainError
from base.models import Person
from rulesets.active import diff_versions, do_activate_ruleset, do_roll_back_ruleset
from rules.core import RulesetError, load_ruleset
from rules.core.jsonschema import ruleset_json_schema
from rules.core.ruletests import run_tests
from rules.core.periods import period_bounds
from rulesets.drafts import do_discard_draft, do_save_draft, draft_of
from rulesets.models import RulesetVersion
from rulesets.schedule import do_cancel_scheduled_activation, do_schedule_activation, pending_activations
from rulesets.simulate import run_simulation
from rulesets.texts import badge_text, board_name, localized

from .access import admin_only
from .forms import RollBackForm, WorkbenchForm
from .jinja import period as period_label
from .pages import not_found, page

VERSIONS_SHOWN = 100
MOMENT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


class ScheduleWorkbenchForm(WorkbenchForm):
    """The workbench's form with **Schedule activation**: the draft becomes active at a date and time
    read in the ruleset's own timezone (the moment is checked against the ruleset in the view)."""

    action = forms.ChoiceField(choices=WorkbenchForm.ACTIONS + [("schedule", _("Schedule activation"))], initial="validate")
    activate_at = forms.CharField(label=_("Activate at (date and time)"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        if data.get("action") != "schedule":
            return data
        if not (data.get("note") or "").strip():
            self.add_error("note", gettext("Say in a few words what this change does; the note stays with the version."))
        raw = (data.get("activate_at") or "").strip()
        moment = None
        for fmt in MOMENT_FORMATS:
            try:
                moment = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        if moment is None and "activate_at" not in self.errors:
            self.add_error("activate_at", gettext("Write a date and time like 2026-12-24 09:00.") if raw
                           else gettext("Choose the date and time the ruleset becomes active."))
        data["moment"] = moment
        return data


def moment_in(value: datetime, tz_name: str) -> str:
    """A scheduled moment as the ruleset's timezone reads it: "2026-12-24 09:00 (Europe/Berlin)"."""
    return f"{value.astimezone(ZoneInfo(tz_name)):%Y-%m-%d %H:%M} ({tz_name})"


def _active_text() -> str:
    version = RulesetVersion.objects.filter(active=True).only("text").first()
    return version.text if version else ""


EDITOR_BUNDLE = "web/build/editor.js"


def editor_context() -> dict:
    """What the rule editor needs: the bundle, when the build made it (without it the textarea is the
    editor), and the ruleset's JSON Schema for its completion."""
    if not finders.find(EDITOR_BUNDLE):
        return {"editor_bundle": None}
    return {"editor_bundle": EDITOR_BUNDLE, "ruleset_schema": ruleset_json_schema()}


def _workbench_page(request, context: dict, status: int = 200):
    return page(request, "web/workbench.html", {**context, **editor_context()}, status=status)


def issues_view(exc: RulesetError, text: str) -> tuple[list[dict], set[int]]:
    """Each problem with the line it points at, and the set of lines to mark beside the text."""
    lines = text.splitlines()
    issues = []
    for issue in exc.issues:
        excerpt = lines[issue.line - 1] if 0 < issue.line <= len(lines) else ""
        issues.append({"line": issue.line, "column": issue.column, "path": issue.path, "message": issue.message,
                       "excerpt": excerpt})
    return issues, {i["line"] for i in issues if i["line"]}


def _simulation_range(form: WorkbenchForm, tz) -> tuple:
    """(since, until) dates for run_simulation: the last N days up to today, or the chosen dates."""
    data = form.cleaned_data
    if data.get("range") == "custom":
        return data["since"], data["until"]
    days = int(data.get("range") or 30)
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    return tomorrow - timedelta(days=days), tomorrow


def _board_labels(ruleset, report: dict) -> dict[str, str]:
    """Each board row of a simulation as a person reads it: the board's name and its period with dates
    ("This week, Week 49 (Nov 30 – Dec 6)"), a season by its name; keyed by board id and period."""
    labels = {}
    for row in report["boards"]:
        board = next((b for b in ruleset.leaderboards if b.id == row["board"]), None)
        name = board_name(ruleset, board) if board is not None else row["board"]
        period = row["period"]
        shown = ""
        if board is not None and board.period in ("day", "week", "month"):
            try:
                first, end = (d.date() for d in period_bounds(board.period, period, ruleset.tz))
                shown = period_label({"from": first.isoformat(), "until": end.isoformat()})
            except (ValueError, TypeError):
                shown = period
        elif board is not None and board.period == "season":
            season = next((x for x in ruleset.doc.seasons or () if x.id == period), None)
            shown = (localized(ruleset, season, "name") or season.id) if season is not None else period
        labels[f"{row['board']}|{period}"] = f"{name}, {shown}" if shown else name
    return labels


def _badge_names(ruleset, report: dict) -> dict[str, str]:
    return {b["badge"]: badge_text(ruleset, b["badge"], fallback=b["badge"]) for b in report["badges"]}


def _names(report: dict) -> dict[str, str]:
    """Display names of the people a simulation report mentions (the report itself carries ids)."""
    keys = {m["person"] for m in report["top_movers"]}
    keys |= {p for b in report["badges"] for p in b["gained_by"] + b["lost_by"]}
    keys |= {m["person"] for b in report["boards"] for m in b["top"]}
    return {k: n or k for k, n in Person.objects.filter(key__in=keys).values_list("key", "name")}


@require_http_methods(["GET", "POST"])
@admin_only
def workbench(request):
    if request.method == "GET":
        draft = draft_of(request.user)
        text = draft.text if draft else _active_text()
        form = ScheduleWorkbenchForm(initial={"ruleset": text, "range": "30"})
        return _workbench_page(request, {"form": form, "lines": text.splitlines() or [""],
                                                    "bad_lines": set(), "draft": draft})
    if request.POST.get("action") == "discard":
        if do_discard_draft(request.user):
            messages.success(request, gettext("The draft is discarded; the editor shows the active ruleset."))
        return redirect("web:rules")
    form = ScheduleWorkbenchForm(request.POST)
    text = (request.POST.get("ruleset") or "").replace("\r\n", "\n")
    context: dict = {"form": form, "lines": text.splitlines() or [""], "bad_lines": set(), "issues": []}
    valid = form.is_valid()
    # What was typed is kept, whatever the action and however it ends (an activation that succeeds drops it).
    context["draft"] = do_save_draft(request.user, text) if "ruleset" not in form.errors else draft_of(request.user)
    if not valid:
        return _workbench_page(request, context, status=422)
    action = form.cleaned_data["action"]
    if action == "save":
        context["saved"] = True
        return _workbench_page(request, context)
    try:
        ruleset = load_ruleset(text, source="draft")
    except RulesetError as exc:
        context["issues"], context["bad_lines"] = issues_view(exc, text)
        return _workbench_page(request, context, status=422)
    context["summary"] = {"name": ruleset.name, "rules": len(ruleset.rules), "badges": len(ruleset.badges),
                          "boards": len(ruleset.leaderboards), "tests": len(ruleset.doc.tests)}
    if action == "test":
        context["tests"] = run_tests(ruleset)
    elif action == "simulate":
        since, until = _simulation_range(form, ruleset.tz)
        try:
            context["simulation"] = run_simulation(ruleset, since, until)
            context["names"] = _names(context["simulation"])
            context["board_labels"] = _board_labels(ruleset, context["simulation"])
            context["badge_names"] = _badge_names(ruleset, context["simulation"])
        except ApiError as exc:
            form.add_error("until", exc.message)
            return _workbench_page(request, context, status=422)
    elif action == "activate":
        version = do_activate_ruleset(text, activated_by=request.user.username, note=form.cleaned_data["note"].strip(),
                                      source="draft")
        do_discard_draft(request.user)  # it is the active text now
        messages.success(request, gettext('Version %(id)s is active for events scored from now on.') % {"id": version.id})
        return redirect("web:version", version.id)
    elif action == "schedule":
        moment = form.cleaned_data["moment"].replace(tzinfo=ruleset.tz)
        if moment <= timezone.now():
            form.add_error("activate_at", gettext("%(moment)s has passed; choose a moment in the future.")
                           % {"moment": moment_in(moment, str(ruleset.tz))})
            return _workbench_page(request, context, status=422)
        try:
            schedule = do_schedule_activation(text, moment, now=timezone.now(), scheduled_by=request.user.username,
                                              note=form.cleaned_data["note"].strip(), source="draft")
        except DomainError as exc:
            form.add_error("activate_at", exc.message)
            return _workbench_page(request, context, status=422)
        messages.success(request, gettext("This draft becomes active at %(moment)s. Until then you can cancel it here.")
                         % {"moment": moment_in(schedule.activate_at, schedule.timezone)})
        return redirect("web:versions")
    return _workbench_page(request, context)


@require_http_methods(["GET", "POST"])
@admin_only
def versions(request):
    if request.method == "POST":
        schedule_id = request.POST.get("cancel", "")
        try:
            if not schedule_id.isdigit():
                raise DomainError("not_found", gettext("Choose a scheduled activation to cancel."))
            cancelled = do_cancel_scheduled_activation(int(schedule_id), cancelled_by=request.user.username)
            messages.success(request, gettext("The activation at %(moment)s is cancelled.")
                             % {"moment": moment_in(cancelled.activate_at, cancelled.timezone)})
        except DomainError:
            messages.error(request, gettext("That activation is no longer scheduled: it was activated or cancelled already."))
        return redirect("web:versions")
    rows = list(RulesetVersion.objects.order_by("-id").only("id", "name", "active", "activated_by", "note", "created_at")[:VERSIONS_SHOWN])
    scheduled = [{"id": s.id, "name": s.name, "moment": moment_in(s.activate_at, s.timezone), "by": s.scheduled_by,
                  "note": s.note} for s in pending_activations()]
    return page(request, "web/versions.html", {"versions": rows, "scheduled": scheduled})


def _diff_lines(diff: str) -> list[tuple[str, str]]:
    kinds = []
    for line in diff.splitlines():
        kind = "meta" if line.startswith(("---", "+++", "@@")) else "add" if line.startswith("+") else \
            "del" if line.startswith("-") else "same"
        kinds.append((kind, line))
    return kinds


@require_safe
@admin_only
def version(request, version_id: int):
    return _version_page(request, version_id, RollBackForm())


def _version_page(request, version_id: int, form: RollBackForm, status: int = 200):
    current = RulesetVersion.objects.filter(pk=version_id).first()
    if current is None:
        return not_found(request, gettext('There is no ruleset version %(version_id)s.') % {"version_id": version_id})
    against_id = request.GET.get("against")
    against = None
    if against_id and against_id.isdigit():
        against = RulesetVersion.objects.filter(pk=int(against_id)).first()
    if against is None:
        against = RulesetVersion.objects.filter(pk__lt=current.pk).order_by("-pk").first()
    diff = _diff_lines(diff_versions(against, current)) if against else []
    return page(request, "web/version.html", {
        "version": current, "against": against, "diff": diff, "form": form,
        "others": RulesetVersion.objects.exclude(pk=current.pk).order_by("-id").values_list("id", flat=True)[:VERSIONS_SHOWN],
    }, status=status)


@require_POST
@admin_only
def roll_back(request, version_id: int):
    earlier = RulesetVersion.objects.filter(pk=version_id).first()
    if earlier is None:
        return not_found(request, gettext('There is no ruleset version %(version_id)s.') % {"version_id": version_id})
    form = RollBackForm(request.POST)
    if not form.is_valid():
        return _version_page(request, version_id, form, status=422)
    try:
        new = do_roll_back_ruleset(earlier.id, activated_by=request.user.username, note=form.cleaned_data["note"].strip())
    except RulesetError as exc:
        form.add_error("note", gettext('Version %(id)s no longer passes validation: %(issues)s') % {"id": earlier.id, "issues": exc.issues[0].message if exc.issues else exc})
        return _version_page(request, version_id, form, status=422)
    messages.success(request, gettext('Rolled back: version %(id)s has the text of version %(id2)s and is active now.') % {"id": new.id, "id2": earlier.id})
    return redirect("web:version", new.id)
