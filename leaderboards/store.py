"""Every write to the boards in Redis (board_reads.py reads them).

A board is a sorted set per (board, period, scope value) of public people, plus a twin
set of the people who opted out, so they still learn where they would rank. Scores
encode points and the tie-break (see placement.encode). Boards are derived data: the
ledger can always rebuild them.

Every write is atomic per board: a board's keys share one hash tag (keys.py), so its
entries and its state (the batch it reached) change in one MULTI, also on Redis Cluster.
On a single Redis all boards go in one MULTI; on Cluster, one per board, and a crash
between two leaves each board whole, at its own batch (rebuild.sync_boards catches up
each from its own state). Callers pass the main Redis; connection.py picks the boards'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple

import redis

from rules.core.placement import SEQ_SPACE, Placement, encode

from . import keys
from .connection import boards_redis, is_cluster
from .sent_write import SentWrite


class BoardDelta(NamedTuple):
    """A tuple, not a dataclass: a scoring batch makes one per award and board."""

    placement: Placement
    person: str
    points: int
    seq: int


@dataclass(frozen=True)
class BoardState:
    batch: int | None
    layout: str | None


def _key(p: Placement) -> str:
    return keys.board_key(p.board_id, p.period, p.scope_value)


Hidden = Callable[[str, str], bool]  # (board id, member) -> kept off the public board


def nobody_hidden(board_id: str, member: str) -> bool:
    return False
Commands = dict[str, list[tuple]]  # board id -> (method name, *args) to run on a pipeline


def _commit(main: redis.Redis, r, by_board: Commands, summary: list[tuple]) -> None:
    """Each board's commands atomically, then `summary` on the main Redis.

    One MULTI for everything on a single Redis (the summary included); on Cluster, one MULTI
    per board (its keys share a slot), then the summary.
    """
    if not is_cluster(r):
        write = r.pipeline(transaction=True)
        for commands in by_board.values():
            _queue(write, commands)
        if main is r:
            _queue(write, summary)
        write.execute()
    else:
        for commands in by_board.values():
            write = r.pipeline(transaction=True)
            _queue(write, commands)
            write.execute()
    if main is not r and summary:
        write = main.pipeline(transaction=False)
        _queue(write, summary)
        write.execute()


def _queue(pipe, commands: list[tuple]) -> None:
    for name, *args in commands:
        if name in ("rename", "eval"):  # redis-py's cluster pipeline refuses them by name; their keys share a slot here
            pipe.execute_command(name.upper(), *args)
        else:
            getattr(pipe, name)(*args)


# {placement: {member: [points added, seq of the last change]}}: a batch's points, summed per board member.
BoardChanges = dict[Placement, dict[str, list[int]]]


def apply_deltas(r: redis.Redis, deltas: Iterable[BoardDelta], hidden: Hidden, *, batch: int,
                 board_ids: Iterable[str] | None = None) -> int:
    """apply_changes() for deltas one by one (catch-up reads them so from the ledger)."""
    changes: BoardChanges = {}
    for placement, person, points, seq in deltas:
        if points:
            entry = changes.setdefault(placement, {}).setdefault(person, [0, 0])
            entry[0] += points
            entry[1] = seq
    return apply_changes(r, changes, hidden, batch=batch, board_ids=board_ids)


def apply_changes(r: redis.Redis, changes: BoardChanges, hidden: Hidden, *, batch: int,
                  board_ids: Iterable[str] | None = None) -> int:
    """send_changes(), then wait for Redis's answer. Returns the (board key, member) entries changed."""
    return send_changes(r, changes, hidden, batch=batch, board_ids=board_ids).finish()


def send_changes(r: redis.Redis, changes: BoardChanges, hidden: Hidden, *, batch: int,
                 board_ids: Iterable[str] | None = None) -> SentWrite:
    """Add a scoring batch's points to the boards and record the batch on each, atomically per board.

    Redis adds them (_ADD_SCRIPT, one call per board): a read of the members' totals, a trip
    back and a write would cost the scorer more than Redis's own work. The script also records
    the batch in the board's state, so a board has the whole batch or none of it. Every board of
    the layout (`board_ids`, by default the ones the last rebuild recorded) is marked, touched or
    not, so none falls behind.

    On a single Redis the write is sent and its answer read later (SentWrite.finish): the scorer
    writes its ledger meanwhile, while Redis works. Redis runs the write whether or not the answer
    is read; on Cluster it is done before this returns.
    """
    main, r = r, boards_redis(r)
    board_ids = set(board_ids) if board_ids is not None else {b.decode() for b in r.smembers(keys.BOARD_IDS)}
    calls: dict[str, tuple[list[str], list]] = {}
    changed = 0
    for placement, members in changes.items():
        board_id = placement.board_id
        call = calls.get(board_id)
        if call is None:
            call = calls[board_id] = ([keys.board_state(board_id), keys.registry_key(board_id)], [batch])
        key = _key(placement)
        call[0].extend((key, keys.hidden_key(key)))
        args = call[1]
        args.extend((keys.registry_field(placement.period, placement.scope_value), placement.expires_at or "",
                     len(members)))
        for person, (points, seq) in members.items():
            args.extend((person, points, seq))
        hidden_here = [] if hidden is nobody_hidden else [person for person in members if hidden(board_id, person)]
        args.append(len(hidden_here))
        args.extend(hidden_here)
        changed += len(members)
    by_board: Commands = {board_id: [("hset", keys.board_state(board_id), "batch", batch)]
                          for board_id in board_ids - calls.keys()}
    for board_id, (script_keys, args) in calls.items():
        by_board[board_id] = [("eval", _ADD_SCRIPT, len(script_keys), *script_keys, *args)]
    summary = [("set", keys.APPLIED_BATCH, batch)]
    if is_cluster(r) or main is not r:
        _commit(main, r, by_board, summary)
        return SentWrite(None, [], changed)
    commands = [command for board_commands in by_board.values() for command in board_commands] + summary
    return SentWrite(r, [(name.upper(), *args) for name, *args in commands], changed)


# Adds a batch's points to one board's keys and records the batch in its state. Scores encode
# points and the tie-break (placement.encode); the arithmetic is exact in Lua's doubles below 2^53,
# as in Redis's own scores. A member goes to the hidden twin when named hidden, and leaves the
# other set if it was there. EVAL, not EVALSHA: inside a MULTI a missing script would fail alone.
# KEYS: the state hash, the registry hash, then per board key: the key, its hidden twin.
# ARGV: batch; then per board key: registry field, expiry ('' for none), n, n x (member, points,
# seq), h, h x hidden member.
_ADD_SCRIPT = """
local SEQ, CHUNK = %d, 1000
local a = 2
local function add_all(key, entries)
  for i = 1, #entries, 2 * CHUNK do
    redis.call('ZADD', key, unpack(entries, i, math.min(#entries, i + 2 * CHUNK - 1)))
  end
end
local function remove_all(key, members)
  for i = 1, #members, CHUNK do
    redis.call('ZREM', key, unpack(members, i, math.min(#members, i + CHUNK - 1)))
  end
end
for k = 3, #KEYS, 2 do
  local board, twin = KEYS[k], KEYS[k + 1]
  local field, expires, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local first = a + 3
  local h = tonumber(ARGV[first + 3 * n])
  local hidden = {}
  for i = 1, h do hidden[ARGV[first + 3 * n + i]] = true end
  a = first + 3 * n + h + 1
  local any_kept = redis.call('EXISTS', twin) == 1  -- few opt out: most boards have no twin
  local shown_entries, hidden_entries, off_board, off_twin = {}, {}, {}, {}
  for start = 0, n - 1, CHUNK do
    local members = {}
    for i = start, math.min(n, start + CHUNK) - 1 do members[#members + 1] = ARGV[first + 3 * i] end
    local shown = redis.call('ZMSCORE', board, unpack(members))
    local kept = any_kept and redis.call('ZMSCORE', twin, unpack(members)) or {}
    local at = first + 3 * start
    for j = 1, #members do
      local member, score = members[j], shown[j] or kept[j]
      local total = tonumber(ARGV[at + 1])
      if score then total = total - math.floor(tonumber(score) / SEQ) end
      -- a number, not a string: Redis passes it on with 17 digits, exact below 2^53
      local encoded = -total * SEQ + tonumber(ARGV[at + 2])
      if hidden[member] then
        hidden_entries[#hidden_entries + 1] = encoded
        hidden_entries[#hidden_entries + 1] = member
        if shown[j] then off_board[#off_board + 1] = member end
      else
        shown_entries[#shown_entries + 1] = encoded
        shown_entries[#shown_entries + 1] = member
        if kept[j] then off_twin[#off_twin + 1] = member end
      end
      at = at + 3
    end
  end
  add_all(board, shown_entries)
  add_all(twin, hidden_entries)
  remove_all(board, off_board)
  remove_all(twin, off_twin)
  if expires ~= '' then
    if #shown_entries > 0 then redis.call('EXPIREAT', board, expires) end
    if #hidden_entries > 0 then redis.call('EXPIREAT', twin, expires) end
  end
  redis.call('HSET', KEYS[2], field, board)
end
redis.call('HSET', KEYS[1], 'batch', ARGV[1])
return 1
""" % SEQ_SPACE


def applied_batch(r: redis.Redis) -> int | None:
    """The batch every board has reached, from the summary on the main Redis."""
    value = r.get(keys.APPLIED_BATCH)
    return int(value) if value is not None else None


def board_states(r: redis.Redis, board_ids: list[str]) -> dict[str, BoardState]:
    r = boards_redis(r)
    read = r.pipeline(transaction=False)
    for board_id in board_ids:
        read.hmget(keys.board_state(board_id), ["batch", "layout"])
    states = {}
    for board_id, (batch, layout) in zip(board_ids, read.execute()):
        states[board_id] = BoardState(int(batch) if batch is not None else None, layout.decode() if layout else None)
    return states


def recorded_board_ids(r: redis.Redis) -> set[str]:
    """The board ids the last full rebuild recorded."""
    return {b.decode() for b in boards_redis(r).smembers(keys.BOARD_IDS)}


STAGING_CHUNK = 10_000  # entries per ZADD while staging a rebuild


def replace_boards(r: redis.Redis, board_ids: list[str], totals: dict[tuple[Placement, str], tuple[int, int]],
                   hidden: Hidden, *, batch: int, layout_id: str, every_board: bool) -> None:
    """Replace the boards `board_ids` with rebuilt totals, (placement, person) -> (points, seq).

    The new boards are written under staging names, then each board is swapped in with one
    MULTI that also sets its state: readers see the old board until the swap, never half of
    one. `every_board`: these are all the layout's boards; boards of other ids are deleted.
    """
    main, r = r, boards_redis(r)
    wanted = set(board_ids)
    # Left over from an interrupted rebuild.
    _delete(r, [k for k in _scan(r, keys.board_pattern(staged=True)) if every_board or keys.board_of(k) in wanted])
    # Grouped per key first: a few large ZADDs cost far less than one command per entry.
    by_key: dict[str, dict[str, int]] = {}
    registry: dict[str, dict[str, str]] = {}
    expiries: dict[str, int] = {}
    key_of: dict[Placement, tuple[str, str]] = {}
    for (placement, person), (points, seq) in totals.items():
        pair = key_of.get(placement)
        if pair is None:
            staged_key = keys.board_key(placement.board_id, placement.period, placement.scope_value, staged=True)
            pair = key_of[placement] = (staged_key, keys.hidden_key(staged_key))
            registry.setdefault(keys.registry_key(placement.board_id, staged=True), {})[
                keys.registry_field(placement.period, placement.scope_value)] = _key(placement)
        target = pair[1] if hidden(placement.board_id, person) else pair[0]
        entries = by_key.get(target)
        if entries is None:
            entries = by_key[target] = {}
            if placement.expires_at:
                expiries[target] = placement.expires_at  # RENAME keeps the expiry
        entries[person] = -points * SEQ_SPACE + seq  # placement.encode, inlined: once per entry
    pipe = r.pipeline(transaction=False)
    for key, entries in by_key.items():
        items = list(entries.items())
        for start in range(0, len(items), STAGING_CHUNK):
            pipe.zadd(key, dict(items[start:start + STAGING_CHUNK]))
            if len(pipe) >= 8:
                pipe.execute()
    for key, fields in registry.items():
        pipe.hset(key, mapping=fields)
    for key, at in expiries.items():
        pipe.expireat(key, at)
    pipe.execute()
    by_board: Commands = {board_id: [] for board_id in board_ids}
    old = [k for k in _scan(r, keys.board_pattern()) if every_board or keys.board_of(k) in wanted]
    for key in old:
        by_board.setdefault(keys.board_of(key), []).append(("delete", key))  # boards of other ids: just deleted
    for key in _scan(r, keys.board_pattern(staged=True)):
        if keys.board_of(key) in wanted:
            by_board[keys.board_of(key)].append(("rename", key, keys.live_name(key)))
    for board_id in board_ids:
        by_board[board_id].append(("hset", keys.board_state(board_id), "batch", batch))
        by_board[board_id].append(("hset", keys.board_state(board_id), "layout", layout_id))
    summary = []
    if every_board:
        r.delete(keys.BOARD_IDS)
        if board_ids:
            r.sadd(keys.BOARD_IDS, *board_ids)
        summary.append(("set", keys.APPLIED_BATCH, batch))
    _commit(main, r, by_board, summary)


def replace_people(r: redis.Redis, people: list[str], totals: dict[tuple[Placement, str], tuple[int, int]],
                   hidden: Hidden) -> int:
    """Take `people` off every live board, then write their rebuilt totals (after a merge of two
    people, say). Per board in one MULTI, so a reader never sees one of them missing. Returns
    entries written."""
    main, r = r, boards_redis(r)
    by_board: Commands = {}
    for key in _scan(r, keys.board_pattern()):
        if r.type(key) == b"zset":
            by_board.setdefault(keys.board_of(key), []).append(("zrem", key, *people))
    for (placement, person), (points, seq) in totals.items():
        live_key = _key(placement)
        target = keys.hidden_key(live_key) if hidden(placement.board_id, person) else live_key
        commands = by_board.setdefault(placement.board_id, [])
        commands.append(("zadd", target, {person: encode(points, seq)}))
        commands.append(("hset", keys.registry_key(placement.board_id),
                         keys.registry_field(placement.period, placement.scope_value), live_key))
        if placement.expires_at:
            commands.append(("expireat", target, placement.expires_at))
    _commit(main, r, by_board, [])
    return len(totals)


def _scan(r, pattern: str) -> list[str]:
    return [k.decode() for k in r.scan_iter(match=pattern, count=1000)]


def _delete(r, names: list[str]) -> None:
    """Deleted one slot's worth at a time: a DEL of keys from several slots fails on Cluster."""
    by_board: dict[str, list[str]] = {}
    for name in names:
        by_board.setdefault(keys.board_of(name), []).append(name)
    for board_keys in by_board.values():
        for start in range(0, len(board_keys), 1000):
            r.delete(*board_keys[start:start + 1000])


def set_visibility(r: redis.Redis, board_ids: Iterable[str], person: str, public: bool) -> int:
    """Move a person between the public and hidden sets of every board; returns boards moved."""
    r = boards_redis(r)
    moved = 0
    for board_id in board_ids:
        board_keys = [k.decode() for k in r.hvals(keys.registry_key(board_id))]
        if not board_keys:
            continue
        read = r.pipeline(transaction=False)
        for key in board_keys:
            read.zscore(keys.hidden_key(key) if public else key, person)
        scores = read.execute()
        write = r.pipeline(transaction=True)
        for key, score in zip(board_keys, scores):
            if score is None:
                continue
            source, target = (keys.hidden_key(key), key) if public else (key, keys.hidden_key(key))
            write.zadd(target, {person: score})
            write.zrem(source, person)
            moved += 1
        write.execute()
    return moved


def hide_member_as(r: redis.Redis, old_member: str, new_member: str) -> int:
    """Move every board entry of `old_member` to `new_member` on the board's hidden side, score and
    tie order kept, so the boards go on agreeing with the ledger (an erased person's anonymous id).
    One MULTI per entry; returns how many entries moved."""
    r = boards_redis(r)  # the boards' own Redis Cluster when one is configured
    moved = 0
    for key in r.scan_iter(match=keys.board_pattern(), count=1000):
        key = key.decode()
        if r.type(key) != b"zset":
            continue
        score = r.zscore(key, old_member)
        if score is None:
            continue
        hidden = key if key.endswith(":hidden") else keys.hidden_key(key)
        with r.pipeline(transaction=True) as move:
            move.zrem(key, old_member).zadd(hidden, {new_member: score}).execute()
        moved += 1
    return moved
