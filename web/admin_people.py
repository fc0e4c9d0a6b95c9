"""Admin actions on people: grant and revoke badges, merge two people, export and erase one.

Each page calls the action the API calls (badges/grants.py, engine/merge.py, engine/privacy.py),
so a page and an API call change the same things and leave the same audit trail. Destructive steps
(revoke, merge, erase) ask first on a page of their own; erasing wants the person's id typed."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from badges.grants import do_grant_badge, do_revoke_badge
from badges.models import BadgeGrant
from base.errors import DomainError, NotFound
from base.models import Person
from engine.merge import do_merge_people, merge_preview
from engine.privacy import do_erase_person, do_export_person, is_erased
from rulesets.active import active_ruleset
from rulesets.texts import badge_text, tier_name

from .access import admin_only
from .pages import not_found, page

PERSON_ID = {"required": _("Enter a person's id (their email, usually)."),
             "max_length": _("A person id has at most 200 characters.")}
REASON = {"required": _("Give a reason; it is kept in the audit trail."),
          "max_length": _("Keep the reason under 500 characters.")}


def _by(request) -> str:
    """Who did it, in the audit trail: the admin's sign-in, marked as coming from the pages."""
    return f"web:{request.user.username}"[:100]


def find_person(key: str | None) -> Person | None:
    """A person an admin can act on: erased people's anonymous rows are no one."""
    person = Person.objects.filter(key=key).first() if key else None
    return None if person is None or is_erased(person) else person


def _no_one(key: str) -> str:
    return gettext('There is no one with the id %(key)s.') % {"key": f"{key!r}"}


def _with_person(name: str, key: str) -> str:
    return f"{reverse(name)}?{urlencode({'person': key})}"


# --- the hub ------------------------------------------------------------------------------------------

class FindForm(forms.Form):
    person = forms.CharField(label=_("Person id"), max_length=200, error_messages=PERSON_ID)


@require_safe
@admin_only
def people_admin(request):
    """Pick a person, then what to do with them; merging starts here too."""
    form = FindForm(request.GET or None)
    person = None
    if form.is_bound and form.is_valid():
        person = find_person(form.cleaned_data["person"].strip())
        if person is None:
            form.add_error("person", _no_one(form.cleaned_data["person"].strip()))
    return page(request, "web/admin_people.html", {"form": form, "person": person},
                status=422 if form.errors else 200)


# --- badges: grant and revoke -----------------------------------------------------------------------

def badge_choices(ruleset) -> list[tuple[str, str]]:
    """One choice per badge, or per tier of a tiered badge: "commenter/Silver". Badge ids have no slash."""
    choices = [("", gettext("Choose a badge"))]
    for badge in ruleset.badges if ruleset else []:
        name = badge_text(ruleset, badge.id, fallback=badge.spec.name)
        tiers = [t.name for t in badge.thresholds if t.name]
        if not tiers:
            choices.append((badge.id, name))
        for tier in tiers:
            choices.append((f"{badge.id}/{tier}", f"{name} · {tier_name(ruleset, badge.id, tier)}"))
    return choices


class GrantForm(forms.Form):
    person = forms.CharField(label=_("Person id"), max_length=200, error_messages=PERSON_ID)
    badge = forms.ChoiceField(label=_("Badge (and tier)"), error_messages={
        "required": _("Choose the badge to grant."), "invalid_choice": _("Choose one of the badges listed.")})
    reason = forms.CharField(label=_("Reason"), max_length=500, error_messages=REASON)

    def __init__(self, *args, ruleset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["badge"].choices = badge_choices(ruleset)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, error_messages=REASON)


def _held(ruleset, person: Person) -> list[dict]:
    rows = (BadgeGrant.objects.filter(person=person, revoked_at__isnull=True).select_related("event")
            .order_by("badge_id", "step"))
    return [{"id": g.badge_id, "tier": g.tier_name or None, "manual": g.manual, "at": g.earned_at,
             "name": badge_text(ruleset, g.badge_id, fallback=g.badge_name) if ruleset else g.badge_name,
             "tier_shown": (tier_name(ruleset, g.badge_id, g.tier_name) if ruleset else g.tier_name) if g.tier_name else None}
            for g in rows]


def _grant_refusal(exc: DomainError) -> tuple[str, str]:
    """(field, message) for a refusal of do_grant_badge, in the reader's language where it is a known one."""
    words = {
        "already_held": gettext("This person holds that badge already."),
        "tier_out_of_order": gettext("Tiers are granted in order: grant the tier before this one first."),
        "not_available": gettext("This badge can be earned only in its dates; it cannot be granted now."),
        "tier_required": gettext("This badge has tiers; choose one."),
        "reason_required": gettext("Give a reason; it is kept in the audit trail."),
    }
    field = "reason" if exc.code == "reason_required" else "badge"
    return field, words.get(exc.code, exc.message[0].upper() + exc.message[1:] + ".")


@require_http_methods(["GET", "POST"])
@admin_only
def badges_admin(request):
    """A person's badges, each with a Revoke link, and the form that grants one by hand."""
    ruleset, _ = active_ruleset()
    if request.method == "GET":
        key = (request.GET.get("person") or "").strip()
        form = GrantForm(initial={"person": key}, ruleset=ruleset)
        return _badges_page(request, form, ruleset, find_person(key))
    form = GrantForm(request.POST, ruleset=ruleset)
    person = None
    if form.is_valid():
        key = form.cleaned_data["person"].strip()
        person = find_person(key)
        if person is None:
            form.add_error("person", _no_one(key))
        else:
            badge_id, _slash, tier = form.cleaned_data["badge"].partition("/")
            try:
                grant = do_grant_badge(person_key=person.key, badge_id=badge_id, tier=tier or None,
                                       reason=form.cleaned_data["reason"], by=_by(request))
            except DomainError as exc:
                form.add_error(*_grant_refusal(exc))
            else:
                messages.success(request, gettext('Granted %(badge)s to %(name)s.') % {
                    "badge": dict(form.fields["badge"].choices)[form.cleaned_data["badge"]], "name": person.display_name})
                return redirect(_with_person("web:admin_badges", grant.person.key))
    else:
        person = find_person((request.POST.get("person") or "").strip())
    return _badges_page(request, form, ruleset, person, status=422)


def _badges_page(request, form: GrantForm, ruleset, person: Person | None, status: int = 200):
    return page(request, "web/admin_badges.html", {
        "form": form, "person": person, "held": _held(ruleset, person) if person else [], "no_ruleset": ruleset is None},
        status=status)


@require_http_methods(["GET", "POST"])
@admin_only
def revoke_badge(request):
    """GET asks first (what is lost, and a reason); the POST revokes through the API's action."""
    source = request.GET if request.method == "GET" else request.POST
    key, badge_id, tier = (source.get(f) or "" for f in ("person", "badge", "tier"))
    person = find_person(key)
    if person is None:
        return not_found(request, _no_one(key))
    grant = BadgeGrant.objects.filter(person=person, badge_id=badge_id, tier_name=tier, revoked_at__isnull=True).first()
    if grant is None:
        return not_found(request, gettext('%(name)s holds no badge %(badge)s.') % {
            "name": person.display_name, "badge": badge_id + (f" ({tier})" if tier else "")})
    ruleset, _ = active_ruleset()
    held = next(h for h in _held(ruleset, person) if h["id"] == badge_id and (h["tier"] or "") == tier)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            do_revoke_badge(person_key=person.key, badge_id=badge_id, tier=tier or None,
                            reason=form.cleaned_data["reason"], by=_by(request))
        except NotFound as exc:
            return not_found(request, exc.message)
        except DomainError as exc:
            form.add_error("reason", exc.message[0].upper() + exc.message[1:] + ".")
        else:
            messages.success(request, gettext('Revoked %(badge)s from %(name)s.') % {
                "badge": held["name"] + (f" · {held['tier_shown']}" if held["tier_shown"] else ""), "name": person.display_name})
            return redirect(_with_person("web:admin_badges", person.key))
    return page(request, "web/confirm_revoke_badge.html", {"form": form, "person": person, "held": held, "tier": tier},
                status=422 if form.errors else 200)


# --- merging two people -------------------------------------------------------------------------------

class MergeForm(forms.Form):
    source = forms.CharField(label=_("Merge this person (removed afterwards)"), max_length=200, error_messages=PERSON_ID)
    target = forms.CharField(label=_("into this person (kept)"), max_length=200, error_messages=PERSON_ID)


@require_http_methods(["GET", "POST"])
@admin_only
def merge(request):
    """The form; a POST shows what would move (the preview), and a POST with `confirm` merges."""
    if request.method == "GET":
        form = MergeForm(initial={"source": request.GET.get("person", "")})
        return page(request, "web/admin_merge.html", {"form": form})
    form = MergeForm(request.POST)
    source = target = None
    if form.is_valid():
        source_key, target_key = form.cleaned_data["source"].strip(), form.cleaned_data["target"].strip()
        source, target = find_person(source_key), find_person(target_key)
        if source is None:
            form.add_error("source", _no_one(source_key))
        if target is None:
            form.add_error("target", _no_one(target_key))
        if source is not None and source == target:
            form.add_error("target", gettext("Choose someone else: a person cannot be merged into themselves."))
    if form.errors:
        return page(request, "web/admin_merge.html", {"form": form}, status=422)
    if request.POST.get("confirm") != "yes":
        return page(request, "web/admin_merge.html", {"form": form, "source": source, "target": target,
                                                      "preview": merge_preview(source, target)})
    source_name = source.display_name
    try:
        do_merge_people(source, target)
    except DomainError as exc:
        form.add_error("target", exc.message[0].upper() + exc.message[1:] + ".")
        return page(request, "web/admin_merge.html", {"form": form}, status=422)
    messages.success(request, gettext('%(source)s is merged into %(target)s: their history is here now.') % {
        "source": source_name, "target": target.display_name})
    return redirect("web:person", target.key)


# --- export and erasure -------------------------------------------------------------------------------

@require_safe
@admin_only
def export(request):
    """Everything held about the person as a JSON download: the API's export, audited the same way."""
    key = request.GET.get("person") or ""
    person = find_person(key)
    if person is None:
        return not_found(request, _no_one(key))
    document = do_export_person(person, requested_by=_by(request))
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False, default=str),
                            content_type="application/json; charset=utf-8")
    safe = "".join(c if c.isalnum() or c in "._-@" else "_" for c in person.key)[:80]
    response["Content-Disposition"] = f'attachment; filename="plaudit-person-{safe}.json"'
    response["Cache-Control"] = "no-store"
    return response


class EraseForm(forms.Form):
    confirm = forms.CharField(label=_("Type the person's id to confirm"), max_length=200,
                              error_messages={"required": _("Type the person's id exactly as shown above.")})


@require_http_methods(["GET", "POST"])
@admin_only
def erase(request):
    """GET asks first, and says what goes and what stays; the POST erases once the id is typed exactly."""
    key = (request.GET if request.method == "GET" else request.POST).get("person") or ""
    person = find_person(key)
    if person is None:
        return not_found(request, _no_one(key))
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"].strip() != person.key:
            form.add_error("confirm", gettext("That is not the id %(key)s; type it exactly to erase this person.") % {"key": person.key})
        else:
            name = person.display_name
            try:
                do_erase_person(person, requested_by=_by(request))
            except DomainError as exc:
                form.add_error("confirm", exc.message[0].upper() + exc.message[1:] + ".")
            else:
                messages.success(request, gettext('%(name)s is erased. Their points stay only in anonymous totals.') % {"name": name})
                return redirect("web:admin_people")
    return page(request, "web/confirm_erase.html", {"form": form, "person": person}, status=422 if form.errors else 200)
