"""Leaderboard pages: the board, its period and scope, the viewer's row and where they stand."""

from __future__ import annotations

from django.views.decorators.http import require_safe

from base.errors import ApiError
from base.redis import get_redis
from leaderboards import store
from leaderboards.reads import board_page, person_standings, resolve_period
from rulesets.active import active_ruleset

from .access import signed_in
from .movement import movement, previous_ranks, recent_periods
from .pages import no_ruleset, not_found, page, viewer

PAGE_SIZE = 25
AROUND = 5  # rows shown around the viewer when they are not on the page


def board_choices(ruleset) -> list[dict]:
    return [{"id": b.id, "name": b.name or b.id, "period": b.period, "scope": b.scope, "teams": bool(b.aggregate)}
            for b in ruleset.leaderboards]


@require_safe
@signed_in
def home(request):
    """The viewer's standing on every board, and the boards to open."""
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    person = viewer(request)
    standings = person_standings(get_redis(), ruleset, person) if person else []
    names = {b.id: b.name or b.id for b in ruleset.leaderboards}
    level = ruleset.level_for(person.points) if person else None
    return page(request, "web/home.html", {"boards": board_choices(ruleset), "standings": standings, "names": names,
                                           "person": person, "level": level})


@require_safe
@signed_in
def board(request, board_id: str):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    spec = ruleset.leaderboard(board_id)
    if spec is None:
        return not_found(request, f"There is no board {board_id!r}. The boards are listed on the home page.")
    r = get_redis()
    errors: dict[str, str] = {}
    asked_period = (request.GET.get("period") or "current")[:40]
    try:
        period = resolve_period(spec, ruleset, asked_period)
    except ApiError as exc:
        errors["period"] = exc.message
        period = resolve_period(spec, ruleset, "current")
    scopes = store.scopes(r, spec.id, period) if spec.scope else []
    me_person = viewer(request)
    scope = (request.GET.get("scope") or "")[:200] or None
    if spec.scope and scope is None:
        scope = me_person.team if spec.scope == "team" and me_person and me_person.team in scopes else (scopes[0] if scopes else None)
    if scope is not None and spec.scope and scope not in scopes:
        errors["scope"] = f"No one has points for {spec.scope} {scope!r} in {period}; choose one from the list."
    try:
        offset = max(0, min(int(request.GET.get("offset") or 0), 10_000_000))
    except ValueError:
        offset = 0
    data = None
    if not spec.scope or scope:
        data = board_page(r, ruleset, spec, period=period, scope=scope, limit=PAGE_SIZE, offset=offset, around=None)
    me, around = None, []
    if data and me_person and not spec.aggregate:
        standing = store.standing(r, spec.id, period, scope, me_person.key)
        if standing:
            me = {"rank": standing.rank, "points": standing.points, "public": standing.public}
            shown = {e["person"] for e in data["entries"]}
            if standing.public and me_person.key not in shown:
                around = board_page(r, ruleset, spec, period=period, scope=scope, limit=AROUND, offset=0,
                                    around=me_person.key)["entries"]
    if data:
        people = [e["person"] for e in data["entries"] + around]
        before = previous_ranks(r, ruleset, spec, period, scope, people)
        for entry in data["entries"] + around:
            entry["movement"] = movement(entry["rank"], before.get(entry["person"])) if before is not None else None
    return page(request, "web/board.html", {
        "boards": board_choices(ruleset), "board": spec, "period": period, "asked_period": asked_period,
        "periods": _periods(spec, ruleset, period),
        "scopes": scopes, "scope": scope, "data": data, "me": me, "around": around, "errors": errors,
        "page_size": PAGE_SIZE,
    }, status=422 if errors else 200)


def _periods(spec, ruleset, shown: str) -> list[str]:
    """The current period and those before it, and the one shown if it is older."""
    if spec.period == "all":
        return []
    periods = recent_periods(spec, ruleset, resolve_period(spec, ruleset, "current"))
    return periods if shown in periods else periods + [shown]
