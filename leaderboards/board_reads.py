"""Reading boards in Redis: a page, a person's standing, a board's size and scopes.

The read side of store.py: the same keys (keys.py), on the boards' Redis (connection.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import redis

from base import keys as base_keys
from rules.core.placement import SEQ_SPACE, decode

from . import keys
from .connection import boards_redis


@dataclass(frozen=True)
class Standing:
    rank: int
    points: int
    public: bool


def page(r: redis.Redis, board_id: str, period: str, scope_value: str | None, offset: int, limit: int) -> list[tuple[str, int]]:
    r = boards_redis(r)
    key = keys.board_key(board_id, period, scope_value)
    rows = r.zrange(key, offset, offset + limit - 1, withscores=True)
    return [(member.decode(), decode(score)) for member, score in rows]


# A board page in one round trip: the person's standing (public, or where they would stand if
# hidden), the page (centred on them when asked), the board's size and the page's display names.
# KEYS: the board, its hidden twin, and the names hash when it is on the same Redis (not on Cluster).
# ARGV: offset, limit, person ('' for none). Ranks come back 0-based, -1 when the person is on neither set.
_VIEW_SCRIPT = """
local offset, limit, person = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local rank, score, public = -1, '', 0
if person ~= '' then
  local found = redis.call('ZRANK', KEYS[1], person)
  if found then
    rank, score, public = found, redis.call('ZSCORE', KEYS[1], person), 1
  else
    local kept = redis.call('ZSCORE', KEYS[2], person)
    if kept then
      rank, score = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. kept), kept
    end
  end
  if rank >= 0 then offset = math.max(0, rank - math.floor(limit / 2)) end
end
local rows = redis.call('ZRANGE', KEYS[1], offset, offset + limit - 1, 'WITHSCORES')
local names = {}
if KEYS[3] then
  local members = {}
  for i = 1, #rows, 2 do members[#members + 1] = rows[i] end
  if person ~= '' then members[#members + 1] = person end
  if #members > 0 then names = redis.call('HMGET', KEYS[3], unpack(members)) end
end
return {offset, redis.call('ZCARD', KEYS[1]), rows, names, rank, score, public}
"""
_VIEW_SHA = hashlib.sha1(_VIEW_SCRIPT.encode()).hexdigest()


def _run_view(r: redis.Redis, script_keys: list[str], args: list) -> list:
    try:
        return r.evalsha(_VIEW_SHA, len(script_keys), *script_keys, *args)
    except redis.exceptions.NoScriptError:  # a new or restarted server: load it once
        r.script_load(_VIEW_SCRIPT)
        return r.evalsha(_VIEW_SHA, len(script_keys), *script_keys, *args)


@dataclass
class BoardView:
    offset: int
    total: int
    rows: list[tuple[str, int]]
    names: dict[str, str]  # display names found in the cache; the rest are looked up by the caller
    me: Standing | None


def view(r: redis.Redis, board_id: str, period: str, scope_value: str | None, offset: int, limit: int,
         person: str | None = None) -> BoardView:
    """A page (centred on `person` when given), the board's size, and `person`'s standing: one call.

    With the boards on their own Redis (Cluster), the names hash is not with them: the names
    are left to the caller.
    """
    names_with_boards = boards_redis(r) is r
    r = boards_redis(r)
    key = keys.board_key(board_id, period, scope_value)
    script_keys = [key, keys.hidden_key(key), base_keys.NAMES] if names_with_boards else [key, keys.hidden_key(key)]
    offset, total, flat, cached, rank, score, public = _run_view(r, script_keys, [offset, limit, person or ""])
    rows = [(flat[i].decode(), decode(float(flat[i + 1]))) for i in range(0, len(flat), 2)]
    members = [m for m, _ in rows] + ([person] if person else [])
    names = {m: n.decode() for m, n in zip(members, cached) if n is not None}
    me = Standing(rank + 1, decode(float(score)), bool(public)) if rank >= 0 else None
    return BoardView(offset, total, rows, names, me)


def size(r: redis.Redis, board_id: str, period: str, scope_value: str | None) -> int:
    r = boards_redis(r)
    return r.zcard(keys.board_key(board_id, period, scope_value))


def standing(r: redis.Redis, board_id: str, period: str, scope_value: str | None, person: str) -> Standing | None:
    """The person's rank among public people; for someone who opted out, where they would stand."""
    return standings(r, [(board_id, period, scope_value)], person)[0]


def standings(r: redis.Redis, boards: list[tuple[str, str, str | None]], person: str) -> list[Standing | None]:
    """standing() on each (board, period, scope) in one round trip (two for someone who opted out)."""
    r = boards_redis(r)
    board_keys = [keys.board_key(board_id, period, scope_value) for board_id, period, scope_value in boards]
    pipe = r.pipeline(transaction=False)
    for key in board_keys:
        pipe.zrank(key, person)
        pipe.zscore(key, person)
        pipe.zscore(keys.hidden_key(key), person)
    found = pipe.execute()
    results: list[Standing | None] = [None] * len(board_keys)
    hidden = []
    for i in range(len(board_keys)):
        rank, score, hidden_score = found[3 * i:3 * i + 3]
        if rank is not None:
            results[i] = Standing(rank + 1, decode(score), True)
        elif hidden_score is not None:
            hidden.append((i, hidden_score))
    if hidden:
        pipe = r.pipeline(transaction=False)
        for i, hidden_score in hidden:
            pipe.zcount(board_keys[i], "-inf", f"({hidden_score}")
        for (i, hidden_score), ahead in zip(hidden, pipe.execute()):
            results[i] = Standing(ahead + 1, decode(hidden_score), False)
    return results


MAX_COMPARED = 100_000  # members compared for movement; a board larger than this shows none


def earlier_ranks(r: redis.Redis, board_id: str, period: str, earlier: str, scope_value: str | None) -> dict[str, int] | None:
    """Like with like: the rank each person on the board in `period` had in `earlier`, counted among those
    same people (only those who were on the public board then). A person with points in both periods is
    compared with the people they are ranked with now, not with everyone who had points then: on a Monday,
    #1 of three is not "up 159" for having been #160 of 200. None when the board is too large to compare."""
    r = boards_redis(r)
    now_key, then_key = keys.board_key(board_id, period, scope_value), keys.board_key(board_id, earlier, scope_value)
    members = r.zrange(now_key, 0, MAX_COMPARED)
    if len(members) > MAX_COMPARED:
        return None
    if not members:
        return {}
    scores = r.zmscore(then_key, members)
    # The board's own order: ascending score, ties by member (as Redis orders a sorted set).
    then = sorted((score, member) for member, score in zip(members, scores) if score is not None)
    return {member.decode(): i + 1 for i, (_, member) in enumerate(then)}


def scopes(r: redis.Redis, board_id: str, period: str) -> list[str]:
    return scopes_many(r, [(board_id, period)])[0]


def scopes_many(r: redis.Redis, asked: list[tuple[str, str]]) -> list[list[str]]:
    """scopes() of each (board id, period), all in one round trip."""
    r = boards_redis(r)
    pipe = r.pipeline(transaction=False)
    for board_id, _ in asked:
        pipe.hkeys(keys.registry_key(board_id))
    found = []
    for (_, period), fields in zip(asked, pipe.execute() if asked else []):
        prefix = f"{period}{keys.SEP}"
        names = [f.decode() for f in fields]
        found.append(sorted(f[len(prefix):] for f in names if f.startswith(prefix) and f[len(prefix):]))
    return found


@dataclass(frozen=True)
class Neighbours:
    total: int  # people on the public board
    above: int | None  # points of the person right above (None at #1)
    below: int | None  # points of the person right below (None when last)


def neighbours(r: redis.Redis, board_id: str, period: str, scope_value: str | None, standing: Standing) -> Neighbours:
    """The board's size and the points of the people right above and below a standing, in one round trip.
    Someone who opted out is not on the public set: the one below them is the one at their rank."""
    return neighbours_many(r, [(board_id, period, scope_value, standing)])[0]


def neighbours_many(r: redis.Redis, asked: list[tuple[str, str, str | None, Standing]]) -> list[Neighbours]:
    """neighbours() of each (board id, period, scope value, standing), all in one round trip."""
    r = boards_redis(r)
    pipe = r.pipeline(transaction=False)
    for board_id, period, scope_value, standing in asked:
        key = keys.board_key(board_id, period, scope_value)
        index = standing.rank - 1  # 0-based, where they are (public) or would be (hidden)
        below_at = index + 1 if standing.public else index
        pipe.zcard(key)
        pipe.zrange(key, max(index - 1, 0), max(index - 1, 0), withscores=True)
        pipe.zrange(key, below_at, below_at, withscores=True)
    answers = pipe.execute() if asked else []
    found = []
    for i, (_, _, _, standing) in enumerate(asked):
        total, above, below = answers[3 * i:3 * i + 3]
        above_points = decode(above[0][1]) if standing.rank > 1 and above else None
        found.append(Neighbours(total, above_points, decode(below[0][1]) if below else None))
    return found


def histogram(r: redis.Redis, board_id: str, period: str, scope_value: str | None, brackets: int = 8) -> list[dict]:
    """How many people per points bracket, highest first: [{"low", "high", "people"}]; brackets of equal
    width in round numbers from the lowest total to the highest. One ZCOUNT per bracket (a score range of the
    encoded totals), so it stays cheap on any size of board."""
    r = boards_redis(r)
    key = keys.board_key(board_id, period, scope_value)
    pipe = r.pipeline(transaction=False)
    pipe.zrange(key, 0, 0, withscores=True)
    pipe.zrange(key, -1, -1, withscores=True)
    top, bottom = pipe.execute()
    if not top:
        return []
    high, low = decode(top[0][1]), decode(bottom[0][1])
    width = _round_width(max(1, -(-(high - low + 1) // brackets)))
    start = low - low % width
    edges = []
    while start <= high:
        edges.append((start, start + width - 1))
        start += width
    pipe = r.pipeline(transaction=False)
    for lo, hi in edges:
        # Points p are scores from -p * SEQ_SPACE up to (not including) -(p - 1) * SEQ_SPACE.
        pipe.zcount(key, -hi * SEQ_SPACE, f"({-(lo - 1) * SEQ_SPACE}")
    counts = pipe.execute()
    return [{"low": lo, "high": hi, "people": n} for (lo, hi), n in reversed(list(zip(edges, counts)))]


def _round_width(width: int) -> int:
    """The next round bracket width: 1, 2, 5, 10, 20, 50, 100..."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= width:
                return step * m
        step *= 10
