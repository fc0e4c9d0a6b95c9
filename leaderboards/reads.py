"""Reading boards for the API: pages, around-me, a person's standings."""

from __future__ import annotations

from datetime import datetime

import redis
from django.db.models import Count
from django.utils import timezone

from base.errors import Forbidden, Invalid, NotFound
from base.models import Person
from base.names import names_for
from rules.core import Ruleset, period_key
from rules.core.periods import parse_period_key
from rules.core.schema import Leaderboard

from rules.core.placement import expiry

from . import board_reads
from .rebuild import ensure_past_period, grace


def resolve_period(board: Leaderboard, ruleset: Ruleset, requested: str | None, now: datetime | None = None) -> str:
    """`current` (default) or a label in the board's period format: 2026-11-28, 2026-W48, 2026-11."""
    if board.period == "all":
        if requested not in (None, "", "current", "all"):
            raise Invalid("invalid_period", f"board {board.id!r} counts all time; use period=current or leave it out")
        return "all"
    if board.period == "season":
        return _season(board, ruleset, requested, now or timezone.now())
    if requested in (None, "", "current"):
        return period_key(board.period, now or timezone.now(), ruleset.tz)
    try:
        parse_period_key(board.period, requested)
    except ValueError as exc:
        raise Invalid("invalid_period", f"board {board.id!r} is per {board.period}: {exc}") from None
    return requested


def _season(board: Leaderboard, ruleset: Ruleset, requested: str | None, now: datetime) -> str:
    """`current`: the season under way, else the last one that ended, else the next to come."""
    seasons = ruleset.seasons
    if requested not in (None, "", "current"):
        if requested not in {s.id for s in seasons}:
            raise Invalid("invalid_period", f"board {board.id!r} is per season; seasons are: "
                          f"{', '.join(s.id for s in seasons)}")
        return requested
    under_way = [s for s in seasons if s.start <= now < s.end]
    ended = sorted((s for s in seasons if s.end <= now), key=lambda s: s.end)
    upcoming = sorted((s for s in seasons if s.start > now), key=lambda s: s.start)
    return (under_way or ended[-1:] or upcoming)[0].id


def resolve_scope(r: redis.Redis, board: Leaderboard, period: str, scope: str | None) -> str | None:
    if not board.scope:
        if scope:
            raise Invalid("invalid_scope", f"board {board.id!r} has no scope; leave `scope` out")
        return None
    if not scope:
        known = board_reads.scopes(r, board.id, period)
        hint = f" (this period has: {', '.join(known[:20])})" if known else ""
        raise Invalid("scope_required", f"board {board.id!r} has one board per {board.scope}; pass ?scope=<{board.scope}>{hint}")
    return scope


def ranks_people(board: Leaderboard) -> bool:
    """Whether the board's rows are people: every board but those of teams."""
    return board.aggregate != "team"


def team_boards(ruleset: Ruleset) -> list[Leaderboard]:
    return [b for b in ruleset.leaderboards if not ranks_people(b)]


def individual_ranking_off(ruleset: Ruleset) -> Forbidden:
    teams = ", ".join(b.id for b in team_boards(ruleset))
    remain = f"boards of teams remain: {teams}" if teams else "this ruleset has no boards of teams (aggregate: team)"
    return Forbidden("individual_ranking_off",
                     "this company shows no individual rankings (works-council mode: the ruleset's "
                     f"privacy.individual_ranking is false), so boards of people and `around` are not answered; {remain}")


def refuse_individual_ranking(ruleset: Ruleset, board: Leaderboard, around: str | None = None) -> None:
    """Raise `individual_ranking_off` when the answer would rank named people and the ruleset forbids it."""
    if not ruleset.ranks_people and (around or ranks_people(board)):
        raise individual_ranking_off(ruleset)


def board_page(r: redis.Redis, ruleset: Ruleset, board: Leaderboard, *, period: str | None, scope: str | None,
               limit: int, offset: int, around: str | None) -> dict:
    refuse_individual_ranking(ruleset, board, around)
    period_label = resolve_period(board, ruleset, period)
    if board.period in ("day", "week", "month") and expiry(board.period, period_label, ruleset.tz, grace()) <= timezone.now().timestamp():
        ensure_past_period(r, ruleset, board.id, period_label)
    scope_value = resolve_scope(r, board, period_label, scope)
    if board.aggregate == "team":
        entries, total = _team_entries(r, board, period_label, scope_value, offset, limit, ruleset.min_group_size)
        return {"board": board.id, "name": board.name or board.id, "period": period_label, "scope": scope_value,
                "total": total, "offset": offset, "limit": limit, "entries": entries, "me": None}
    # One round trip for the standing, the page (centred on `around`), the size and the cached names.
    view = board_reads.view(r, board.id, period_label, scope_value, offset, limit, around)
    if around and view.me is None and not Person.objects.filter(key=around).exists():
        raise NotFound(f"no person with id {around!r}")
    names = view.names
    wanted = [p for p, _ in view.rows] + ([around] if view.me else [])
    if any(p not in names for p in wanted):
        names = {**names, **names_for(r, [p for p in wanted if p not in names])}
    entries = [{"rank": view.offset + i + 1, "person": p, "name": names.get(p) or p, "points": pts}
               for i, (p, pts) in enumerate(view.rows)]
    me = None
    if view.me:
        me = {"rank": view.me.rank, "person": around, "name": names.get(around) or around, "points": view.me.points,
              "public": view.me.public}
    return {
        "board": board.id, "name": board.name or board.id, "period": period_label, "scope": scope_value,
        "total": view.total, "offset": view.offset, "limit": limit, "entries": entries, "me": me,
    }


MAX_TEAMS = 10_000


def _team_entries(r: redis.Redis, board: Leaderboard, period: str, scope_value: str | None,
                  offset: int, limit: int, min_group_size: int = 1) -> tuple[list[dict], int]:
    """Teams by total, or by points per member so a small team can win (ties: who got there first); and how
    many teams there are. Teams of fewer than `min_group_size` people in the directory are left out: a
    team of two ranked by its points is as good as two people ranked."""
    teams = board_reads.page(r, board.id, period, scope_value, 0, MAX_TEAMS)
    members = dict(Person.objects.filter(team__in=[t for t, _ in teams]).values("team")
                   .annotate(n=Count("id")).values_list("team", "n"))
    rows = [{"person": team, "name": team, "points": points, "members": members.get(team, 0),
             "per_member": round(points / members[team], 2) if members.get(team) else float(points)}
            for team, points in teams if members.get(team, 0) >= min_group_size]
    if board.rank_by == "per_member":
        rows.sort(key=lambda row: -row["per_member"])  # stable: equal shares keep the tie order
    page = rows[offset:offset + limit]
    for i, row in enumerate(page):
        row["rank"] = offset + i + 1
    return page, (len(rows) if min_group_size > 1 else board_reads.size(r, board.id, period, scope_value))


def person_standings(r: redis.Redis, ruleset: Ruleset, person: Person) -> list[dict]:
    """The person's rank on every board's current period (their team's board for team scope); none at
    all when the ruleset ranks no individuals (works-council mode)."""
    if not ruleset.ranks_people:
        return []
    now = timezone.now()
    boards = [(board, resolve_period(board, ruleset, None, now)) for board in ruleset.leaderboards
              if not board.aggregate]  # teams are ranked on aggregate boards, not people
    scoped = [(board.id, period_label) for board, period_label in boards if board.scope and board.scope != "team"]
    scope_values = dict(zip(scoped, board_reads.scopes_many(r, scoped)))
    asked = []
    for board, period_label in boards:
        if board.scope == "team":
            values = [person.team] if person.team else []
        elif board.scope:
            values = scope_values[(board.id, period_label)]
        else:
            values = [None]
        asked.extend((board.id, period_label, scope_value) for scope_value in values)
    return [{"board": board_id, "period": period_label, "scope": scope_value,
             "rank": standing.rank, "points": standing.points, "public": standing.public}
            for (board_id, period_label, scope_value), standing in zip(asked, board_reads.standings(r, asked, person.key))
            if standing]



TOP = 10  # "in the top 10": the place the start page holds out to someone not on a board yet


def points_to_enter(r: redis.Redis, board: Leaderboard, period: str, scope_value: str | None) -> dict:
    """What it takes to get onto a board you are not on: {"place": "first"} on an empty board, else the points
    that put you ahead of #10 ({"place": "top", "points": N}) or, on a shorter board, ahead of the last
    ({"place": "on", "points": N}). Ties go to who got there first, hence one point more."""
    total = board_reads.size(r, board.id, period, scope_value)
    if total == 0:
        return {"place": "first", "points": 1}
    at = min(total, TOP) - 1
    row = board_reads.page(r, board.id, period, scope_value, at, 1)
    points = max(1, (row[0][1] if row else 0) + 1)
    return {"place": "top" if total >= TOP else "on", "points": points, "top": TOP}


def standings_everywhere(r: redis.Redis, ruleset: Ruleset, person: Person) -> list[dict]:
    """The person's rank on every board of people (their current periods), and on each board they are not on
    yet, a row with `rank` None and `enter` (points_to_enter). A board per team with the person in no team,
    and a board per channel or program where they have no points, carry `enter` {"place": "scope"}.
    Empty in works-council mode, like person_standings."""
    if not ruleset.ranks_people:
        return []
    ranked: dict[str, list[dict]] = {}
    for row in person_standings(r, ruleset, person):
        ranked.setdefault(row["board"], []).append(row)
    results = []
    now = timezone.now()
    for board in ruleset.leaderboards:
        if board.aggregate:
            continue
        if board.id in ranked:
            results.extend(ranked[board.id])
            continue
        period_label = resolve_period(board, ruleset, None, now)
        row = {"board": board.id, "period": period_label, "scope": None, "rank": None, "points": 0, "public": person.public}
        if board.scope == "team" and person.team:
            row["scope"] = person.team
            row["enter"] = points_to_enter(r, board, period_label, person.team)
        elif board.scope:
            row["enter"] = {"place": "scope", "scope": board.scope}
        else:
            row["enter"] = points_to_enter(r, board, period_label, None)
        results.append(row)
    return results


TOP_SHARE_SHOWN = 50  # "top X%" is said up to the top half; below that the rank and size say it


def where_you_stand(r: redis.Redis, board_id: str, period: str, scope_value: str | None,
                    standing: board_reads.Standing) -> dict:
    """What a person reads beside their rank: the board's size, "top X%" (rank over size, rounded up, when in
    the top half), the points that pass the person right above (ties go to who got there first, hence one
    more), or at #1 the lead over #2."""
    return _where(board_reads.neighbours(r, board_id, period, scope_value, standing), standing)


def _where(near: board_reads.Neighbours, standing: board_reads.Standing) -> dict:
    total = near.total + (0 if standing.public else 1)  # an opted-out person among those they would rank with
    share = -(-standing.rank * 100 // total)
    return {"total": total, "top": share if share <= TOP_SHARE_SHOWN else None,
            "to_pass": near.above - standing.points + 1 if near.above is not None else None,
            "lead": standing.points - near.below if near.above is None and near.below is not None else None}


def with_where(r: redis.Redis, rows: list[dict]) -> list[dict]:
    """Rows of person_standings or standings_everywhere, each ranked one with where_you_stand's figures (all
    boards' neighbours in one round trip)."""
    ranked = [(row, board_reads.Standing(row["rank"], row["points"], row["public"])) for row in rows if row.get("rank")]
    near = board_reads.neighbours_many(r, [(row["board"], row["period"], row["scope"], standing)
                                           for row, standing in ranked])
    for (row, standing), found in zip(ranked, near):
        row.update(_where(found, standing))
    return rows
