"""Kudos on the pages: the give form (on a colleague's profile, on the start page, and on its own page
when a refusal is shown), the feed with its filters and paging, and undoing a kudos one gave.

The giver is always the signed-in person, never a field of the form. Giving and undoing go through
kudos/actions.py; a refusal is shown beside the field it is about, and the form keeps what was typed.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from babel.dates import format_date, format_timedelta
from babel.lists import format_list
from django.contrib import messages
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from base.errors import DomainError
from base.models import Person, events_mentioning
from engine.privacy import without_erased
from kudos.actions import KudosRefused, do_give_kudos, do_undo_kudos
from kudos.allowance import Allowance, allowance_for, kudos_ruleset, live_kudos
from kudos.feed import feed

from .access import signed_in
from .forms import KudosFeedForm, KudosForm
from .jinja import babel_locale
from .pages import forbidden, not_found, page, viewer

MAX_TYPED = 20       # colleagues looked up from one form; a kudos goes to at most 10 and the action says so
DID_YOU_MEAN = 8     # colleagues offered for a name that matches several
FEED_PAGE = 20
LATEST_ON_PROFILE = 5
# Which field a refusal is about; the others are about the whole kudos.
FIELD_OF = {"self_kudos": "to", "too_many_receivers": "to", "per_receiver_limit": "to", "allowance_exhausted": "to",
            "unknown_value": "values", "value_required": "values"}


# What the give form needs -------------------------------------------------------------------------

def allowance_words(allowance: Allowance | None, tz) -> str:
    """"7 of 10 kudos left this month, resets 1 January" (the day in the ruleset's timezone)."""
    if allowance is None:
        return ""
    local = allowance.resets_at.astimezone(tz)
    words = {"day": gettext("%(left)s of %(amount)s kudos left today, resets %(day)s"),
             "week": gettext("%(left)s of %(amount)s kudos left this week, resets %(day)s"),
             "month": gettext("%(left)s of %(amount)s kudos left this month, resets %(day)s")}
    template = words.get(allowance.per, gettext("%(left)s of %(amount)s kudos left now, resets %(day)s"))
    return template % {"left": allowance.left, "amount": allowance.amount,
                       "day": format_date(local.date(), "d MMMM", locale=babel_locale())}


def _value_choices(ruleset) -> list[tuple[str, str]]:
    known = ruleset.kudos_values or {}
    return list(known.items())


def _typed(values: list[str]) -> list[str]:
    """What was typed into the To field(s): each value split at commas, semicolons and line ends, blanks and
    repeats dropped, in order."""
    found: list[str] = []
    for value in values:
        for part in re.split(r"[,;\n]", value):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def _label(key: str, name: str, team: str) -> str:
    return f"{name or key}{f' ({team})' if team else ''}"


def find_colleagues(me: Person, typed: list[str]) -> tuple[list[str], list[str], list[dict]]:
    """(keys found, entries that match no one, entries that match several with whom they may mean) for what was
    typed: an id (with or without @) finds its person, else a whole name, else a part of a name or id that only
    one active colleague has; a match of several offers up to 8 of them, the viewer and deprovisioned people
    never among them."""
    people = without_erased(Person.objects.all())
    colleagues = people.exclude(pk=me.pk).filter(active=True).order_by("name", "key")
    keys, unknown, ambiguous = [], [], []
    for entry in typed:
        term = entry.lstrip("@")
        rows = list(people.filter(key__in={term, term.lower()}).values_list("key", "name", "team")[:1])
        if not rows:
            rows = list(colleagues.filter(name__iexact=term).values_list("key", "name", "team")[:DID_YOU_MEAN + 1])
        if not rows:
            rows = list(colleagues.filter(Q(name__icontains=term) | Q(key__icontains=term))
                        .values_list("key", "name", "team")[:DID_YOU_MEAN + 1])
        if len(rows) == 1:
            keys.append(rows[0][0])
        elif not rows:
            unknown.append(entry)
        else:
            ambiguous.append({"typed": entry, "more": len(rows) > DID_YOU_MEAN,
                              "people": [(k, _label(k, n, t)) for k, n, t in rows[:DID_YOU_MEAN]]})
    return list(dict.fromkeys(keys)), unknown, ambiguous


def give_form_context(request, *, receiver: Person | None = None, form: KudosForm | None = None,
                      typed: str | None = None, ambiguous: list[dict] = ()) -> dict | None:
    """The give form and the viewer's allowance, or None when there is no form to show: kudos are
    not enabled, the viewer is not a person on the boards, or the receiver is the viewer. `typed` is what
    the To field shows (else what the form holds), `ambiguous` the names that match several colleagues."""
    me = viewer(request)
    ruleset = kudos_ruleset()
    if me is None or ruleset is None or (receiver is not None and receiver.pk == me.pk):
        return None
    if form is None:
        form = KudosForm(initial={"to": [receiver.key] if receiver else []}, values=_value_choices(ruleset))
    if typed is None:
        typed = ", ".join(_typed(form["to"].value() or []))
    return {"form": form, "typed": typed, "ambiguous": list(ambiguous), "receiver": receiver, "allowance": allowance_words(allowance_for(me.key), ruleset.tz),
            "require_value": ruleset.kudos.require_value, "has_values": bool(ruleset.kudos_values),
            "next": request.get_full_path()}


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _refusal_into(form: KudosForm, refused: KudosRefused) -> None:
    field = FIELD_OF.get(refused.code)
    if refused.code == "validation_error" and refused.details:
        path = str(refused.details[0].get("path", ""))
        field = next((f for f in ("to", "message", "values") if path == f or path.startswith(f + "[")), None)
    message = refused.message[0].upper() + refused.message[1:] if refused.message else gettext('The kudos was not given.')
    form.add_error(field, message)


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def give(request):
    """GET: the give form on its own page (?to=ID chooses the colleague). POST: give the kudos."""
    me = viewer(request)
    if me is None:
        return forbidden(request, gettext('Only a person on the boards can give kudos; this sign-in is not one.'))
    ruleset = kudos_ruleset()
    if ruleset is None:
        return page(request, "web/problem.html", {
            "title": gettext('Kudos are not enabled'),
            "message": gettext('The active ruleset has no kudos section, so no one can give kudos yet. An admin can add one.')},
            status=409)
    if request.method != "POST":
        chosen = [k for k in request.GET.getlist("to") if k][:10]
        return _give_page(request, KudosForm(initial={"to": chosen}, values=_value_choices(ruleset)))
    # Only the fields of the form are read: a `from` in the request is ignored, the giver is the sign-in.
    data = QueryDict(mutable=True)
    for name in ("to", "values"):
        data.setlist(name, [v for v in request.POST.getlist(name) if v.strip()])
    data["message"] = request.POST.get("message", "")
    form = KudosForm(data, values=_value_choices(ruleset))
    typed = _typed(data.getlist("to"))
    ambiguous = []
    if form.is_valid():
        # More than a kudos may name: the action refuses them by their count, nothing to look up.
        keys, unknown, ambiguous = find_colleagues(me, typed) if len(typed) <= MAX_TYPED else (typed, [], [])
        if unknown:
            form.add_error("to", ngettext("%(people)s is not someone Plaudit knows; check the name or id.",
                                          "%(people)s are not someone Plaudit knows; check the names or ids.",
                                          len(unknown)) % {"people": ", ".join(unknown)})
        if ambiguous:
            form.add_error("to", ngettext("%(names)s matches several colleagues: choose below who you mean.",
                                          "%(names)s match several colleagues each: choose below who you mean.",
                                          len(ambiguous)) % {"names": _and(f"“{a['typed']}”" for a in ambiguous)})
        if not unknown and not ambiguous:
            try:
                given = do_give_kudos(giver=me.key, receivers=keys, message=form.cleaned_data["message"],
                                      values=form.cleaned_data["values"])
            except KudosRefused as refused:
                _refusal_into(form, refused)
            else:
                names = _names(given.receivers)
                messages.success(request, gettext('Kudos sent to %(people)s. %(allowance_words)s.') % {"people": _and(names[k] for k in given.receivers), "allowance_words": allowance_words(given.allowance, ruleset.tz)})
                return redirect(_safe_next(request, reverse("web:kudos")))
    # The To field keeps what was typed but the names that match several: those are offered to choose from.
    unclear = {a["typed"] for a in ambiguous}
    return _give_page(request, form, status=422, typed=", ".join(t for t in typed if t not in unclear),
                      ambiguous=ambiguous)


def _give_page(request, form: KudosForm, status: int = 200, **to):
    context = give_form_context(request, form=form, **to)
    context["next"] = request.POST.get("next") or request.GET.get("next") or ""
    return page(request, "web/give_kudos.html", {"give": context}, status=status)


def _names(keys) -> dict[str, str]:
    keys = set(keys)
    found = {p.key: p.display_name for p in Person.objects.filter(key__in=keys).only("key", "name")}
    return {k: found.get(k, k) for k in keys}


def _and(words) -> str:
    """a, b and c; a, b und c: in the reader's language (Babel)."""
    return format_list(list(words), locale=babel_locale())


# The feed ------------------------------------------------------------------------------------------

def relative(moment: datetime, now: datetime) -> str:
    """3 hours ago, vor 3 Stunden: in the reader's language (Babel)."""
    if (now - moment).total_seconds() < 60:
        return gettext("just now")
    return format_timedelta(moment - now, add_direction=True, threshold=1, locale=babel_locale())


def with_people(items: list[dict], me: Person | None) -> list[dict]:
    """Feed items with the display names of their people, when they happened in words, and whether the viewer gave them."""
    names = _names({i["from"] for i in items} | {k for i in items for k in i["to"]})
    now = datetime.now(timezone.utc)
    return [{**i, "from_name": names[i["from"]], "to_names": [(k, names[k]) for k in i["to"]],
             "ago": relative(i["occurred_at"], now), "mine": me is not None and i["from"] == me.key} for i in items]


@require_safe
@signed_in
def kudos_feed(request):
    form = KudosFeedForm(request.GET)
    if not form.is_valid():
        return page(request, "web/kudos.html", {"form": form, "items": [], "older": None}, status=422)
    data = form.cleaned_data
    try:
        items, cursor = feed(to=data["to"] or None, from_=data["from_"] or None, value=data["value"] or None,
                             limit=FEED_PAGE, cursor=data["cursor"] or None)
    except DomainError as exc:
        form.add_error(None, exc.message[0].upper() + exc.message[1:] + ".")
        return page(request, "web/kudos.html", {"form": form, "items": [], "older": None}, status=422)
    older = None
    if cursor:
        query = request.GET.copy()
        query["cursor"] = cursor
        older = "?" + query.urlencode()
    newest = None
    if data["cursor"]:
        query = request.GET.copy()
        query.pop("cursor", None)
        newest = "?" + query.urlencode()
    ruleset = kudos_ruleset()
    return page(request, "web/kudos.html", {
        "form": form, "items": with_people(items, viewer(request)), "older": older, "newest": newest,
        "filtered": any(data[k] for k in ("to", "from_", "value")),
        "values": list((ruleset.kudos_values or {}).values()) if ruleset else [],
        "give": give_form_context(request)})


# Undo ----------------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def undo(request):
    """GET: ask to confirm; POST: undo the kudos (only its giver), and give the allowance back."""
    me = viewer(request)
    event_id = (request.POST.get("event") if request.method == "POST" else request.GET.get("event")) or ""
    kudos = live_kudos().filter(source_id=event_id[:200]).select_related("actor").first() if event_id else None
    if kudos is None:
        return not_found(request, gettext('There is no such kudos, or it was undone already. The feed lists the kudos given.'))
    if me is None or kudos.actor_id != me.pk:
        return forbidden(request, gettext('Only the person who gave a kudos can undo it.'))
    if request.method != "POST":
        item = with_people([{"event": kudos.source_id, "from": me.key, "to": list(kudos.mentions or []),
                             "message": kudos.text, "values": list(kudos.hashtags or []), "channel": kudos.channel,
                             "occurred_at": kudos.occurred_at}], me)[0]
        return page(request, "web/undo_kudos.html", {"item": item})
    try:
        do_undo_kudos(event_id=kudos.source_id, by=me.key)
    except KudosRefused as refused:
        return forbidden(request, refused.message)
    ruleset = kudos_ruleset()
    words = allowance_words(allowance_for(me.key), ruleset.tz) if ruleset else ""
    messages.success(request, gettext('Kudos undone; it is out of the feed and its points are taken back.') +
                     (f" {words}." if words else ""))
    return redirect("web:kudos")


# On a profile ----------------------------------------------------------------------------------------

def profile_kudos(person: Person) -> dict:
    """Kudos received and given (not undone), and the latest received, for a profile."""
    live = live_kudos()
    received = events_mentioning(person.key, live).count()
    latest, _ = feed(to=person.key, limit=LATEST_ON_PROFILE)
    return {"received": received, "given": live.filter(actor=person).count(), "latest": with_people(latest, None)}
