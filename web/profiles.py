"""A person's page: points, level, badge wall, recent awards with the reason, ranks; and the opt-out switch."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext
from django.db.models import Q
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from badges.progress import badge_progress
from badges.titles import title_of
from base.levels import level_progress
from base.models import Award, Person
from base.redis import get_redis
from engine.people import do_update_person
from engine.privacy import export_person, is_erased, record_export, without_erased
from leaderboards.reads import person_standings, with_where
from rulesets.active import active_ruleset
from rulesets.texts import board_name, localized

from .access import signed_in
from .badge_pages import with_evidence, with_images
from .forms import SearchForm
from .kudos_pages import give_form_context, profile_kudos
from .pages import forbidden, not_found, one_page, page, viewer
from .progress import progress_context
from .reasons import award_reasons

RECENT_AWARDS = 15
HISTORY_PAGE = 50  # awards a page of the full history
MAX_PAGE = 1_000_000
SEARCH_RESULTS = 25


def may_change(request, person: Person) -> bool:
    me = viewer(request)
    return request.user.is_staff or (me is not None and me.pk == person.pk)


def awards_of(person: Person):
    """The person's awards, newest first by when they happened (an import of old events files them in the
    past), with what the reasons name."""
    return (Award.objects.filter(recipient=person)
            .select_related("event__actor", "event__target_author", "reverses_event__actor", "reverses_event__target_author")
            .order_by("-occurred_at", "-event_id", "-id"))


def award_items(person: Person, rows: list[Award]) -> list[dict]:
    return [{"points": a.points, "capped": a.capped, "undo": a.reverses_event_id is not None, "rule": a.rule_id,
             "reason": reason, "at": a.occurred_at, "type": a.event.type, "channel": a.channel}
            for a, reason in zip(rows, award_reasons(person, rows))]


def recent_awards(person: Person) -> list[dict]:
    return award_items(person, list(awards_of(person)[:RECENT_AWARDS]))


@require_safe
@signed_in
def me(request):
    person = viewer(request)
    if person is None:
        return page(request, "web/problem.html", {
            "title": gettext('No profile'), "message": gettext('The sign-in %(username)s is not a person on the boards; admins without activity have no profile.') % {"username": f"{request.user.username!r}"}})
    return redirect("web:person", person.key)


@require_safe
@signed_in
def person_page(request, key: str):
    person = Person.objects.filter(key=key).first()
    # An erased person's anonymous row keeps the numbers for the totals and is no one's profile.
    if person is None or is_erased(person):
        return not_found(request, gettext('There is no one with the id %(key)s. Search for people by name instead.') % {"key": f"{key!r}"})
    ruleset, _ = active_ruleset()
    own = may_change(request, person)
    # Someone who opted out keeps their numbers to themselves (and admins): points, level, badges,
    # recent awards and ranks would together give away where they stand on the public boards.
    shown = person.public or own
    give = give_form_context(request, receiver=person)  # anyone may be thanked, whether on the boards or not
    if not shown:
        return page(request, "web/person.html", {"person": person, "own": own, "shown": False, "show_ranks": False,
                                                 "give": give})
    level = ruleset.level_for(person.points) if ruleset else None
    upcoming = ruleset.next_level(person.points) if ruleset else None
    r = get_redis()
    ranks = with_where(r, person_standings(r, ruleset, person)) if ruleset else []
    names = {b.id: board_name(ruleset, b) for b in ruleset.leaderboards} if ruleset else {}
    badges = with_evidence(person, with_images(ruleset, badge_progress(ruleset, person))) if ruleset else []
    return page(request, "web/person.html", {
        "person": person, "own": own, "shown": True, "level": level, "next_level": upcoming,
        "level_name": localized(ruleset, level), "next_level_name": localized(ruleset, upcoming),
        "progress": level_progress(person.points, level, upcoming) if upcoming else 1.0,
        "ranks": ranks, "show_ranks": True, "names": names, "ranking_off": bool(ruleset) and not ruleset.ranks_people,
        "earned": [b for b in badges if b["earned"]],
        # within reach: started, not yet earned (a wall of every badge at 0 is no one's reach)
        "available": [b for b in badges if not b["earned"] and not b["complete"] and b["have"] > 0],
        "awards": recent_awards(person), "kudos": profile_kudos(person), "give": give, "title": title_of(person),
        **progress_context(person),
    })


def _shown_person(request, key: str):
    """The person whose numbers the viewer may see, else the page that says why not."""
    person = Person.objects.filter(key=key).first()
    if person is None or is_erased(person):
        return None, not_found(request, gettext('There is no one with the id %(key)s. Search for people by name instead.') % {"key": f"{key!r}"})
    if not (person.public or may_change(request, person)):
        return None, forbidden(request, gettext('%(name)s keeps their points, badges and recent awards private.') % {"name": person.display_name})
    return person, None


@require_safe
@signed_in
def my_history(request):
    person = viewer(request)
    if person is None:
        return me(request)
    return redirect("web:history", person.key)


@require_safe
@signed_in
def history(request, key: str):
    """Every award of a person, newest first, 50 a page, each with its reason in their words."""
    person, refusal = _shown_person(request, key)
    if refusal is not None:
        return refusal
    try:
        number = max(1, min(int(request.GET.get("page") or 1), MAX_PAGE))
    except ValueError:
        number = 1
    shown = one_page(request, awards_of(person), number, HISTORY_PAGE)
    return page(request, "web/history.html", {"person": person, "own": may_change(request, person),
                                              "history": {**shown, "rows": award_items(person, shown["rows"])}})


@require_POST
@signed_in
def set_visibility(request, key: str):
    person = Person.objects.filter(key=key).first()
    if person is None:
        return not_found(request, gettext('There is no one with the id %(key)s.') % {"key": f"{key!r}"})
    if not may_change(request, person):
        return forbidden(request, gettext('Only the person themselves (or an admin) can change whether they appear on boards.'))
    choice = request.POST.get("public")
    if choice not in ("yes", "no"):
        messages.error(request, "Choose whether to appear on public boards.")
        return redirect("web:person", person.key)
    do_update_person(person, public=choice == "yes")
    messages.success(request, gettext('You appear on public boards again.') if choice == "yes" else
                     gettext('You left every public board. Your points and badges are kept, and you still see where you stand.'))
    return redirect("web:person", person.key)


@require_safe
@signed_in
def people(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip()
        matches = Person.objects.filter(Q(name__icontains=q) | Q(key__icontains=q) | Q(team__icontains=q))
        results = list(without_erased(matches).order_by("name", "key")[:SEARCH_RESULTS])
    # Points show for people on the public boards; an opted-out person's only to them and admins.
    with_points = {p.pk for p in results or [] if p.public or may_change(request, p)}
    return page(request, "web/people.html", {"form": form, "results": results, "limit": SEARCH_RESULTS,
                                             "with_points": with_points},
                status=422 if form.errors else 200)


@require_safe
@signed_in
def export_own_data(request):
    """Everything Plaudit holds about the signed-in person, as a JSON download (audited)."""
    import json

    from django.http import HttpResponse

    person = viewer(request)
    if person is None:
        return not_found(request, gettext('This sign-in is not a person on the boards, so there is no data to export.'))
    record_export(person, requested_by=f"web:{request.user.username}"[:100])
    response = HttpResponse(json.dumps(export_person(person), indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="plaudit-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
