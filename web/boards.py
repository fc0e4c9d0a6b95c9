"""Leaderboard pages: the board, its period and scope, the viewer's row and where they stand."""

from __future__ import annotations

from django.views.decorators.http import require_safe
from django.utils.translation import gettext, gettext_noop

from badges.titles import title_of, titles_for
from base.errors import Invalid
from base.redis import get_redis
from leaderboards import board_reads
from leaderboards.reads import (board_page, points_to_enter, ranks_people, resolve_period, standings_everywhere, team_boards,
                                where_you_stand, with_where)
from rulesets.active import active_ruleset
from rulesets.texts import board_name, localized

from .access import signed_in
from .kudos_pages import give_form_context
from .movement import movement, previous_ranks, recent_periods
from .pages import no_ruleset, not_found, page, viewer

PAGE_SIZE = 25
# Period and scope words the pages translate by value (_(board.period), _(board.scope)).
WORDS = (gettext_noop("day"), gettext_noop("week"), gettext_noop("month"), gettext_noop("season"),
         gettext_noop("channel"), gettext_noop("team"), gettext_noop("program"))
AROUND = 5  # rows shown around the viewer when they are not on the page


def board_choices(ruleset) -> list[dict]:
    """The boards to offer; in works-council mode (no individual rankings) only the boards of teams."""
    return [{"id": b.id, "name": board_name(ruleset, b), "period": b.period, "scope": b.scope, "teams": bool(b.aggregate)}
            for b in ruleset.leaderboards if ruleset.ranks_people or not ranks_people(b)]


def privacy_context(ruleset) -> dict:
    """What the pages say about works-council mode: rankings of people off, small teams hidden."""
    return {"ranking_off": not ruleset.ranks_people, "min_group_size": ruleset.min_group_size}


@require_safe
@signed_in
def home(request):
    """The viewer's standing on every board, and the boards to open."""
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    person = viewer(request)
    r = get_redis()
    standings = with_where(r, standings_everywhere(r, ruleset, person)) if person else []
    names = {b.id: board_name(ruleset, b) for b in ruleset.leaderboards}
    level = ruleset.level_for(person.points) if person else None
    return page(request, "web/home.html", {"boards": board_choices(ruleset), "standings": standings, "names": names,
                                           "person": person, "level": level, "level_name": localized(ruleset, level), "give": give_form_context(request),
                                           "title": title_of(person) if person else "", **privacy_context(ruleset)})


@require_safe
@signed_in
def board(request, board_id: str):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    spec = ruleset.leaderboard(board_id)
    if spec is None:
        return not_found(request, gettext('There is no board %(board_id)s. The boards are listed on the home page.') % {"board_id": f"{board_id!r}"})
    if not ruleset.ranks_people and ranks_people(spec):
        # Works-council mode: the page says why instead of ranking people, and offers the boards of teams.
        return page(request, "web/no_ranking.html", {"board": spec, "board_title": board_name(ruleset, spec), "team_boards": team_boards(ruleset),
                                                     **privacy_context(ruleset)}, status=403)
    r = get_redis()
    errors: dict[str, str] = {}
    asked_period = (request.GET.get("period") or "current")[:40]
    period = _period(spec, ruleset, asked_period, errors)
    scopes = board_reads.scopes(r, spec.id, period) if spec.scope else []
    me_person = viewer(request)
    scope = _scope(request, spec, period, scopes, me_person, errors)
    data = None
    if not spec.scope or scope:
        data = board_page(r, ruleset, spec, period=period, scope=scope, limit=PAGE_SIZE, offset=_offset(request), around=None)
    me, around, enter = None, [], None
    if data and me_person and not spec.aggregate:
        me, around = _viewer_rows(r, ruleset, spec, period, scope, me_person, data)
    if me is None and me_person and not spec.aggregate and (data or not spec.scope) \
            and period == resolve_period(spec, ruleset, "current"):
        enter = points_to_enter(r, spec, period, scope)  # not on it yet: what it takes
    if data:
        _mark_movement(r, ruleset, spec, period, scope, data["entries"] + around)
    # How many people per points bracket; boards of teams rank no people, so they have none.
    histogram = board_reads.histogram(r, spec.id, period, scope) if data and data["entries"] and not spec.aggregate else []
    return page(request, "web/board.html", {
        "boards": board_choices(ruleset), "board": spec, "board_title": board_name(ruleset, spec), "period": period, "asked_period": asked_period,
        "periods": _periods(spec, ruleset, period), "period_names": _period_names(ruleset, spec), "histogram": histogram,
        "most": max((b["people"] for b in histogram), default=0),
        "scopes": scopes, "scope": scope, "data": data, "me": me, "around": around, "enter": enter, "errors": errors,
        "page_size": PAGE_SIZE, **privacy_context(ruleset),
        "titles": titles_for(e["person"] for e in data["entries"] + around) if data and not spec.aggregate else {},
    }, status=422 if errors else 200)


def _period(spec, ruleset, asked: str, errors: dict[str, str]) -> str:
    """The period asked for; the current one, with the reason in `errors`, when it is not one of the board's."""
    try:
        return resolve_period(spec, ruleset, asked)
    except Invalid as exc:
        errors["period"] = exc.message
        return resolve_period(spec, ruleset, "current")


def _scope(request, spec, period: str, scopes: list[str], me_person, errors: dict[str, str]) -> str | None:
    """The scope asked for; by default the viewer's team on a team-scoped board, else the first with points."""
    scope = (request.GET.get("scope") or "")[:200] or None
    if spec.scope and scope is None:
        scope = me_person.team if spec.scope == "team" and me_person and me_person.team in scopes else (scopes[0] if scopes else None)
    if scope is not None and spec.scope and scope not in scopes:
        errors["scope"] = gettext('No one has points for %(scope)s %(scope2)s in %(period)s; choose one from the list.') % {"scope": spec.scope, "scope2": f"{scope!r}", "period": period}
    return scope


def _offset(request) -> int:
    try:
        return max(0, min(int(request.GET.get("offset") or 0), 10_000_000))
    except ValueError:
        return 0


def _viewer_rows(r, ruleset, spec, period: str, scope: str | None, me_person, data: dict) -> tuple[dict | None, list[dict]]:
    """The viewer's standing, and the rows around them when they are public but not on the page shown."""
    standing = board_reads.standing(r, spec.id, period, scope, me_person.key)
    if not standing:
        return None, []
    me = {"rank": standing.rank, "points": standing.points, "public": standing.public,
          **where_you_stand(r, spec.id, period, scope, standing)}
    shown = {e["person"] for e in data["entries"]}
    if not standing.public or me_person.key in shown:
        return me, []
    around = board_page(r, ruleset, spec, period=period, scope=scope, limit=AROUND, offset=0, around=me_person.key)["entries"]
    return me, around


def _mark_movement(r, ruleset, spec, period: str, scope: str | None, entries: list[dict]) -> None:
    """Each entry's move since the previous period (None on every entry when there is nothing to compare)."""
    before = previous_ranks(r, ruleset, spec, period, scope, [e["person"] for e in entries])
    for entry in entries:
        entry["movement"] = movement(entry["rank"], before.get(entry["person"])) if before is not None else None


def _periods(spec, ruleset, shown: str) -> list[str]:
    """The current period and those before it, and the one shown if it is older."""
    if spec.period == "all":
        return []
    periods = recent_periods(spec, ruleset, resolve_period(spec, ruleset, "current"))
    return periods if shown in periods else periods + [shown]


def _period_names(ruleset, spec) -> dict[str, str]:
    """What the period selector says for a period: a season by its name, other periods by their label."""
    if spec.period != "season":
        return {}
    return {s.id: localized(ruleset, s) or s.id for s in ruleset.doc.seasons}
