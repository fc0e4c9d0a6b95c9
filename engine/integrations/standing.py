"""What the chat apps answer to "where do I stand" and "who leads": plain data, rendered per platform.

Slack renders it as Block Kit, Teams as Adaptive Cards, the Home tab as a view; all read it here so the
answers agree with each other and with the API (`GET /api/v1/people/{id}`, `GET /api/v1/leaderboards/{id}`).
"""

from __future__ import annotations

from django.utils.translation import gettext

from badges.progress import badge_progress
from base.errors import Forbidden, NotFound
from base.models import Person
from base.redis import get_redis
from leaderboards import board_reads
from leaderboards.reads import board_page, ranks_people, resolve_period, team_boards
from rulesets.active import active_ruleset
from rulesets.texts import badge_text, board_name, level_name, tier_name

from ..people import person_summary

NEAR_BADGES = 3
TOP = 5


def me(person_key: str) -> dict:
    """The person's points, level, ranks (with board names) and the unearned badges they are closest to.

    In works-council mode (the ruleset's privacy.individual_ranking: false) `ranks` is empty: the person
    still sees their own points, level and badges.

    A person the engine has not seen yet gets zeros rather than an error: in chat, "you have no points yet"
    is the answer a newcomer expects.
    """
    person = Person.objects.filter(key=person_key).first()
    ruleset, _ = active_ruleset()
    if person is None:
        first = ruleset.levels[0] if ruleset and ruleset.levels else None
        return {"id": person_key, "name": person_key, "points": 0, "known": False,
                "level": {"name": level_name(ruleset, first.name), "min_points": first.min_points} if first else None,
                "next_level": None, "badges": [], "ranks": [], "near_badges": []}
    summary = person_summary(person)
    names = {board.id: board_name(ruleset, board) for board in ruleset.leaderboards} if ruleset else {}
    for rank in summary["ranks"]:
        rank["name"] = names.get(rank["board"], rank["board"])
    # Names in the asker's language (the chat apps answer in it); the stored ones are the default language's.
    for key in ("level", "next_level"):
        if ruleset and summary.get(key):
            summary[key] = {**summary[key], "name": level_name(ruleset, summary[key]["name"])}
    return {**summary, "known": True, "near_badges": near_badges(ruleset, person) if ruleset else []}


def near_badges(ruleset, person: Person, limit: int = NEAR_BADGES) -> list[dict]:
    """Unearned badges (or a held badge's next tier) with the most progress, open now, the closest first."""
    candidates = []
    for badge in badge_progress(ruleset, person):
        window = badge["available"]
        if badge["complete"] or not badge["need"] or (window is not None and not window["open"]):
            continue
        share = min(badge["have"] / badge["need"], 1.0)
        if share <= 0:
            continue
        candidates.append({"id": badge["id"], "name": badge_text(ruleset, badge["id"], fallback=badge["name"]),
                           "tier": tier_name(ruleset, badge["id"], badge["next_tier"]),
                           "have": badge["have"], "need": badge["need"], "progress": share,
                           "words": badge["progress"]})
    candidates.sort(key=lambda b: -b["progress"])  # stable: ties keep the catalog's order
    return candidates[:limit]


def top(board_id: str | None = None, n: int = TOP) -> dict:
    """The top n of a board's current period (the ruleset's first people board when none is named).

    In works-council mode only boards of teams are answered (the first of them when none is named); a board
    of people raises Forbidden `individual_ranking_off`, whose message the chat apps show as it is.

    Boards with one board per channel or programme need a scope the chat command does not carry, so
    they are offered only when named and then answered for their largest scope.
    """
    ruleset, _ = active_ruleset()
    if ruleset is None or not ruleset.leaderboards:
        raise NotFound(gettext("There are no leaderboards yet: an admin activates a ruleset with leaderboards."))
    boards = ruleset.leaderboards
    if board_id:
        wanted = board_id.strip().lower()
        board = next((b for b in boards if b.id == wanted or (b.name or "").lower() == wanted), None)
        if board is None:
            raise NotFound(gettext("There is no board %(board)s; the boards are: %(boards)s.") % {
                "board": repr(board_id), "boards": ", ".join(b.id for b in boards)})
    elif not ruleset.ranks_people:
        board = next(iter(team_boards(ruleset)), boards[0])
    else:
        board = next((b for b in boards if not b.scope and not b.aggregate), boards[0])
    if not ruleset.ranks_people and ranks_people(board):
        teams = team_boards(ruleset)
        hint = (gettext("try /plaudit top %(board)s") % {"board": teams[0].id} if teams
                else gettext("there are no team boards to show either"))
        raise Forbidden("individual_ranking_off", gettext("This workspace shows no individual rankings; %(hint)s") % {"hint": hint})
    scope = None
    r = get_redis()
    if board.scope:
        period = resolve_period(board, ruleset, None)
        scopes = board_reads.scopes(r, board.id, period)
        if not scopes:
            return {"board": board.id, "name": board_name(ruleset, board), "period": period, "scope": None, "entries": []}
        scope = max(scopes, key=lambda s: board_reads.size(r, board.id, period, s))
    page = board_page(r, ruleset, board, period=None, scope=scope, limit=n, offset=0, around=None)
    return {"board": page["board"], "name": board_name(ruleset, board), "period": page["period"], "scope": page["scope"],
            "entries": page["entries"]}


def board_ids() -> list[str]:
    ruleset, _ = active_ruleset()
    return [b.id for b in ruleset.leaderboards] if ruleset else []
