from __future__ import annotations

from ninja import Query, Router, Schema

from base import auth
from base.errors import Conflict, NotFound
from base.redis import get_redis
from rulesets.active import active_ruleset

from . import board_reads
from .reads import board_page, ranks_people, refuse_individual_ranking, resolve_period

router = Router(tags=["leaderboards"])


class BoardOut(Schema):
    id: str
    name: str
    period: str
    scope: str | None
    rules: list[str] | None
    aggregate: str | None
    rank_by: str
    exclude_roles: list[str] | None
    current_period: str
    scopes: list[str]
    # false in works-council mode (privacy.individual_ranking: false) on boards of people: reading it answers 403.
    available: bool


class EntryOut(Schema):
    rank: int
    person: str
    name: str
    points: int


class TeamEntryOut(EntryOut):
    """On boards of teams (`aggregate: team`): `person` and `name` are the team's."""

    members: int
    per_member: float


class MeOut(EntryOut):
    public: bool


class BoardPageOut(Schema):
    board: str
    name: str
    period: str
    scope: str | None
    total: int
    offset: int
    limit: int
    entries: list[TeamEntryOut | EntryOut]
    me: MeOut | None


def _ruleset():
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset first")
    return ruleset


@router.get("/leaderboards", auth=auth.reader, response=list[BoardOut])
def list_boards(request):
    ruleset = _ruleset()
    r = get_redis()
    boards = []
    for board in ruleset.leaderboards:
        period = resolve_period(board, ruleset, None)
        boards.append({"id": board.id, "name": board.name or board.id, "period": board.period, "scope": board.scope,
                       "rules": board.rules, "aggregate": board.aggregate, "rank_by": board.rank_by,
                       "exclude_roles": board.exclude_roles, "current_period": period,
                       "scopes": board_reads.scopes(r, board.id, period) if board.scope else [],
                       "available": ruleset.ranks_people or not ranks_people(board)})
    return boards


@router.get("/leaderboards/{board_id}", auth=auth.reader, response=BoardPageOut)
def get_board(request, board_id: str, scope: str | None = None, period: str | None = None,
              limit: int = Query(10, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000), around: str | None = None):
    ruleset = _ruleset()
    board = ruleset.leaderboard(board_id)
    if board is None:
        known = ", ".join(b.id for b in ruleset.leaderboards) or "none"
        raise NotFound(f"no leaderboard {board_id!r}; the active ruleset has: {known}")
    refuse_individual_ranking(ruleset, board, around)
    return board_page(get_redis(), ruleset, board, period=period, scope=scope, limit=limit, offset=offset, around=around)
