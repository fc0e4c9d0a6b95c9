"""The only code that reads or writes boards in Redis.

A board is a sorted set per (board, period, scope value) of public people, plus a twin
set of the people who opted out, so they still learn where they would rank. Scores
encode points and the tie-break (see placement.encode). Boards are derived data: the
ledger can always rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple

import redis

from . import keys
from .placement import Placement, decode, encode


class BoardDelta(NamedTuple):
    """Points for a member of a board (a tuple: a scoring batch makes one per award and board)."""

    placement: Placement
    person: str
    points: int
    seq: int


@dataclass(frozen=True)
class Standing:
    rank: int
    points: int
    public: bool


def _key(p: Placement) -> str:
    return keys.board_key(p.board_id, p.period, p.scope_value)


Hidden = Callable[[str, str], bool]  # (board id, member) -> kept off the public board


# {placement: {member: [points added, seq of the last change]}}: a batch's points, summed per board member.
BoardChanges = dict[Placement, dict[str, list[int]]]


def apply_changes(r: redis.Redis, summed: BoardChanges, hidden: Hidden, *, batch: int) -> int:
    """Add a scoring batch's points to the boards and record the batch, atomically.

    Totals are read first and written back as absolute scores in one MULTI, together with
    the applied-batch marker: either the whole batch is on the boards or none of it is.
    Reads and writes are grouped per board key (ZMSCORE, one ZADD and one ZREM per key):
    a batch touches a few dozen keys but thousands of (key, member) pairs, and the commands,
    not Redis's work, are what a batch pays for.
    """
    board_keys = {placement: _key(placement) for placement in summed}
    current = []
    if summed:
        read = r.pipeline(transaction=False)
        for placement, members in summed.items():
            read.zmscore(board_keys[placement], list(members))
            read.zmscore(keys.hidden_key(board_keys[placement]), list(members))
        current = read.execute()
    adds: dict[str, dict[str, int]] = {}
    removes: dict[str, list[str]] = {}
    registry: dict[tuple[str, str], str] = {}
    expiries: dict[str, int] = {}
    changed = 0
    for i, (placement, members) in enumerate(summed.items()):
        key = board_keys[placement]
        hidden_key = keys.hidden_key(key)
        board_id = placement.board_id
        for (person, (points, seq)), shown, kept in zip(members.items(), current[2 * i], current[2 * i + 1]):
            score = shown if shown is not None else kept
            total = points + (decode(score) if score is not None else 0)
            if hidden(board_id, person):
                to = hidden_key
                if shown is not None:  # moved off the public board since it was last written
                    removes.setdefault(key, []).append(person)
            else:
                to = key
                if kept is not None:
                    removes.setdefault(hidden_key, []).append(person)
            adds.setdefault(to, {})[person] = encode(total, seq)
            if placement.expires_at:
                expiries[to] = placement.expires_at
        changed += len(members)
        registry.setdefault((board_id, keys.registry_field(placement.period, placement.scope_value)), key)
    write = r.pipeline(transaction=True)
    for key, scores in adds.items():
        write.zadd(key, scores)
    for key, people in removes.items():
        write.zrem(key, *people)
    for (board_id, field), key in registry.items():
        write.hset(keys.registry_key(board_id), field, key)
    for key, at in expiries.items():
        write.expireat(key, at)
    write.set(keys.APPLIED_BATCH, batch)
    write.execute()
    return changed


def applied_batch(r: redis.Redis) -> int | None:
    value = r.get(keys.APPLIED_BATCH)
    return int(value) if value is not None else None


def layout(r: redis.Redis) -> str | None:
    value = r.get(keys.LAYOUT)
    return value.decode() if value is not None else None


def replace_all(r: redis.Redis, totals: dict[tuple[Placement, str], tuple[int, int]], hidden: Hidden,
                *, batch: int, layout_id: str) -> None:
    """Replace every board with rebuilt totals, (placement, person) -> (points, seq).

    The new boards are written under staging names, then swapped in with one MULTI that
    also sets the batch marker: readers see the old boards until the swap, never half of one.
    """
    _delete_matching(r, keys.board_pattern(staged=True))  # left over from an interrupted rebuild
    pipe = r.pipeline(transaction=False)
    for n, ((placement, person), (points, seq)) in enumerate(totals.items(), 1):
        live_key = _key(placement)
        staged_key = keys.board_key(placement.board_id, placement.period, placement.scope_value, staged=True)
        target = keys.hidden_key(staged_key) if hidden(placement.board_id, person) else staged_key
        pipe.zadd(target, {person: encode(points, seq)})
        pipe.hset(keys.registry_key(placement.board_id, staged=True),
                  keys.registry_field(placement.period, placement.scope_value), live_key)
        if placement.expires_at:
            pipe.expireat(target, placement.expires_at)  # RENAME keeps the expiry
        if n % 5000 == 0:
            pipe.execute()
    pipe.execute()
    old = list(r.scan_iter(match=keys.board_pattern(), count=1000))
    staged = list(r.scan_iter(match=keys.board_pattern(staged=True), count=1000))
    swap = r.pipeline(transaction=True)
    if old:
        swap.delete(*old)
    for key in staged:
        swap.rename(key, keys.live_name(key.decode()))
    swap.set(keys.LAYOUT, layout_id)
    swap.set(keys.APPLIED_BATCH, batch)
    swap.execute()


def replace_people(r: redis.Redis, people: list[str], totals: dict[tuple[Placement, str], tuple[int, int]],
                   hidden: Hidden) -> int:
    """Take `people` off every live board, then write their rebuilt totals (after a merge of two
    people, say). In one MULTI, so a reader never sees one of them missing. Returns entries written."""
    board_keys = [k for k in r.scan_iter(match=keys.board_pattern(), count=1000) if r.type(k) == b"zset"]
    write = r.pipeline(transaction=True)
    for key in board_keys:
        write.zrem(key, *people)
    for (placement, person), (points, seq) in totals.items():
        live_key = _key(placement)
        target = keys.hidden_key(live_key) if hidden(placement.board_id, person) else live_key
        write.zadd(target, {person: encode(points, seq)})
        write.hset(keys.registry_key(placement.board_id), keys.registry_field(placement.period, placement.scope_value), live_key)
        if placement.expires_at:
            write.expireat(target, placement.expires_at)
    write.execute()
    return len(totals)


def _delete_matching(r: redis.Redis, pattern: str) -> None:
    batch = []
    for key in r.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            r.delete(*batch)
            batch.clear()
    if batch:
        r.delete(*batch)


# -- reads ---------------------------------------------------------------------------


def page(r: redis.Redis, board_id: str, period: str, scope_value: str | None, offset: int, limit: int) -> list[tuple[str, int]]:
    key = keys.board_key(board_id, period, scope_value)
    rows = r.zrange(key, offset, offset + limit - 1, withscores=True)
    return [(member.decode(), decode(score)) for member, score in rows]


def page_and_size(r: redis.Redis, board_id: str, period: str, scope_value: str | None, offset: int,
                  limit: int) -> tuple[list[tuple[str, int]], int]:
    """A page and the board's size in one round trip."""
    key = keys.board_key(board_id, period, scope_value)
    pipe = r.pipeline(transaction=False)
    pipe.zrange(key, offset, offset + limit - 1, withscores=True)
    pipe.zcard(key)
    rows, total = pipe.execute()
    return [(member.decode(), decode(score)) for member, score in rows], total


def size(r: redis.Redis, board_id: str, period: str, scope_value: str | None) -> int:
    return r.zcard(keys.board_key(board_id, period, scope_value))


def standing(r: redis.Redis, board_id: str, period: str, scope_value: str | None, person: str) -> Standing | None:
    """The person's rank among public people; for someone who opted out, where they would stand."""
    key = keys.board_key(board_id, period, scope_value)
    pipe = r.pipeline(transaction=False)
    pipe.zrank(key, person)
    pipe.zscore(key, person)
    pipe.zscore(keys.hidden_key(key), person)
    rank, score, hidden_score = pipe.execute()
    if rank is not None:
        return Standing(rank + 1, decode(score), True)
    if hidden_score is not None:
        ahead = r.zcount(key, "-inf", f"({hidden_score}")
        return Standing(ahead + 1, decode(hidden_score), False)
    return None


def scopes(r: redis.Redis, board_id: str, period: str) -> list[str]:
    prefix = f"{period}{keys.SEP}"
    fields = [f.decode() for f in r.hkeys(keys.registry_key(board_id))]
    return sorted(f[len(prefix):] for f in fields if f.startswith(prefix) and f[len(prefix):])


def set_visibility(r: redis.Redis, board_ids: Iterable[str], person: str, public: bool) -> int:
    """Move a person between the public and hidden sets of every board; returns boards moved."""
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
