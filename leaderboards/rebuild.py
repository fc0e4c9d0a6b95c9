"""Keep Redis boards in step with the ledger: catch up missed batches, rebuild, check for drift.

Boards of periods that ended more than LEADERBOARD_GRACE_DAYS ago are not kept live: no
update writes them and a rebuild leaves them out; a read builds them from the ledger on
demand (see reads.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

import redis
from django.conf import settings

from base.gc_pause import gc_paused
from base.models import Award
from rules.core import Ruleset, period_bounds
from rules.core.placement import Placement, PlacementCache, bucket_of, decode, encode
from rules.core.schema import Leaderboard

from . import keys, ledger_sums, store
from .connection import boards_redis
from .store import BoardChanges, BoardDelta
from .visibility import Visibility

AWARD_FIELDS = ("recipient__key", "rule_id", "points", "occurred_at", "channel", "program", "team", "event_id")


def grace() -> timedelta:
    return timedelta(days=settings.LEADERBOARD_GRACE_DAYS)


def layout_id(ruleset: Ruleset) -> str:
    """Boards must be rebuilt when their definitions or the timezone change."""
    spec = {"tz": ruleset.doc.timezone, "boards": [b.model_dump() for b in ruleset.leaderboards]}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def hidden_on_boards(ruleset: Ruleset):
    return Visibility.from_database(ruleset).hidden


def award_deltas(ruleset: Ruleset, rows, *, now: datetime | None = None,
                 boards: list[Leaderboard] | None = None) -> list[BoardDelta]:
    """rows: (recipient key, rule id, points, occurred_at, channel, program, team, event seq).
    `boards`: only these of the ruleset's boards (default: all)."""
    now = now or datetime.now(timezone.utc)
    boards = ruleset.leaderboards if boards is None else boards
    team_boards = {b.id for b in boards if b.aggregate == "team"}
    cache = PlacementCache(boards, ruleset.tz, grace=grace(), now=now, seasons=ruleset.seasons)
    deltas = []
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        if not points:
            continue
        for placement in cache.at(occurred_at, rule_id, channel, program, team):
            member = team if placement.board_id in team_boards else person
            deltas.append(BoardDelta(placement, member, points, seq))
    return deltas


def board_changes(ruleset: Ruleset, rows, *, now: datetime | None = None,
                  past: set[tuple[str, str]] | None = None) -> BoardChanges:
    """What award rows add to the boards, summed: {placement: {member: [points, seq of the last change]}}.
    `past` collects the (board id, period) of placements past their grace, which are not kept live.

    The scorer's form of award_deltas: a batch of 500 awards on 5 boards is 2,500 (placement,
    member) pairs, summed here in one pass instead of being built as deltas and summed again;
    and the placements are remembered from batch to batch (_scoring_placements).
    """
    now_ts = (now or datetime.now(timezone.utc)).timestamp()
    cache = _scoring_placements(ruleset)
    team_boards = {b.id for b in ruleset.leaderboards if b.aggregate == "team"}
    changes: BoardChanges = {}
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        if not points:
            continue
        for placement in cache.at(occurred_at, rule_id, channel, program, team):
            if placement.expires_at is not None and placement.expires_at <= now_ts:
                if past is not None:
                    past.add((placement.board_id, placement.period))
                continue  # a period past its grace: not kept live
            member = team if placement.board_id in team_boards else person
            members = changes.get(placement)
            if members is None:
                members = changes[placement] = {}
            entry = members.get(member)
            if entry is None:
                members[member] = [points, seq]
            else:
                entry[0] += points
                entry[1] = seq
    return changes


# The scorer's placements, kept from batch to batch of the same compiled ruleset and grace: a
# batch of 500 awards meets most of its (rule, bucket, channel, program, team) for the first
# time, the next batches meet them again. Without `now`, so expiries are checked per batch.
_scoring_cache: dict = {"ruleset": None, "grace": None, "cache": None}
SCORING_CACHE_LIMIT = 20_000  # entries of some 500 bytes; a batch meets a few thousand


def _scoring_placements(ruleset: Ruleset) -> PlacementCache:
    kept, keep = _scoring_cache, grace()
    if kept["ruleset"] is not ruleset or kept["grace"] != keep or kept["cache"].size() > SCORING_CACHE_LIMIT:
        kept.update(ruleset=ruleset, grace=keep,
                    cache=PlacementCache(ruleset.leaderboards, ruleset.tz, grace=keep, seasons=ruleset.seasons))
    return kept["cache"]


def sync_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> str:
    """Bring every board to `ledger_batch`, the last batch committed to the ledger, each from its
    own state: a board ahead of the ledger (a batch that never committed), built for another
    layout or missing is rebuilt; one behind catches up on the batches it missed. Returns what
    it did."""
    layout = layout_id(ruleset)
    states = store.board_states(r, [b.id for b in ruleset.leaderboards])
    stale = [b for b in ruleset.leaderboards
             if states[b.id].layout != layout or states[b.id].batch is None or states[b.id].batch > ledger_batch]
    stale_ids = {b.id for b in stale}
    if not ruleset.leaderboards and store.recorded_board_ids(r):
        rebuild_boards(r, ruleset, ledger_batch)  # the last board left the ruleset: its keys go
        return "rebuilt"
    if stale:
        rebuild_boards(r, ruleset, ledger_batch, boards=None if len(stale) == len(ruleset.leaderboards) else stale)
    behind: dict[int, list[Leaderboard]] = {}
    for board in ruleset.leaderboards:
        if board.id not in stale_ids and states[board.id].batch < ledger_batch:
            behind.setdefault(states[board.id].batch, []).append(board)
    for applied, boards in sorted(behind.items()):
        rows = (Award.objects.filter(batch__gt=applied, batch__lte=ledger_batch)
                .order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS))
        store.apply_deltas(r, award_deltas(ruleset, rows.iterator(chunk_size=5000), boards=boards),
                           hidden_on_boards(ruleset), batch=ledger_batch, board_ids=[b.id for b in boards])
    return "rebuilt" if stale else "caught up" if behind else "current"


def ledger_totals(ruleset: Ruleset, ledger_batch: int, awards=None) -> dict[tuple[Placement, str], tuple[int, int]]:
    """(placement, person) -> (points, seq of the last change): what the boards must hold.

    The same totals and tie order as applying the ledger one row at a time in the order
    scoring did, (batch, event, id), summed by the database (see ledger_sums.py).
    """
    awards = Award.objects.all() if awards is None else awards
    return board_sums(ruleset.leaderboards, ruleset, awards, max_batch=ledger_batch, grace=grace(),
                      now=datetime.now(timezone.utc))


def board_sums(boards: list[Leaderboard], ruleset: Ruleset, awards, *, max_batch: int | None = None,
               grace: timedelta | None = None, now: datetime | None = None) -> dict[tuple[Placement, str], tuple[int, int]]:
    """Totals of `awards` on `boards`: (placement, member) -> (points, seq of the last change)."""
    team_boards = {b.id for b in boards if b.aggregate == "team"}
    cache = PlacementCache(boards, ruleset.tz, grace=grace, now=now, seasons=ruleset.seasons)
    sums: dict[tuple[Placement, str], list[int]] = {}

    def add(placement: Placement, member: str, points: int, last: int) -> None:
        total = sums.get((placement, member))
        if total is None:
            sums[(placement, member)] = [points, last]
        else:
            total[0] += points
            if last > total[1]:
                total[1] = last

    straddling: set[int] = set()
    timeless = bucket_of(datetime(2000, 1, 1, tzinfo=timezone.utc))  # every board counts all time
    groups = ledger_sums.grouped(awards, ledger_sums.Grouping.for_boards(boards), max_batch=max_batch)
    for person, rule_id, channel, program, team, bucket, points, last in groups:
        found = cache.in_bucket(timeless if bucket is None else bucket, rule_id, channel, program, team)
        if found is None:
            straddling.add(bucket)
            continue
        for placement in found:  # add() inlined: this loop runs once per group, 100,000s of times
            key = (placement, team if placement.board_id in team_boards else person)
            total = sums.get(key)
            if total is None:
                sums[key] = [points, last]
            else:
                total[0] += points
                if last > total[1]:
                    total[1] = last
    for bucket in sorted(straddling):  # rare: row by row, each at its own time
        rows = ledger_sums.rows_in_bucket(awards, bucket, max_batch).values_list(*AWARD_FIELDS, "batch")
        for person, rule_id, points, occurred_at, channel, program, team, seq, batch in rows.iterator(chunk_size=5000):
            for placement in cache.at(occurred_at, rule_id, channel, program, team):
                add(placement, team if placement.board_id in team_boards else person, points,
                    batch * ledger_sums.SEQ_SPACE + seq)
    return {key: (points, last % ledger_sums.SEQ_SPACE) for key, (points, last) in sums.items()}


def rebuild_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int, *, boards: list[Leaderboard] | None = None) -> int:
    """Boards from the ledger alone, each swapped in at once: all of them (and boards of ids no
    longer in the ruleset deleted), or just `boards`. Returns the entries written."""
    chosen = ruleset.leaderboards if boards is None else boards
    # Hundreds of thousands of entries that live until the swap: collections in between would only
    # walk them again and again.
    with gc_paused():
        totals = board_sums(chosen, ruleset, Award.objects.all(), max_batch=ledger_batch, grace=grace(),
                            now=datetime.now(timezone.utc))
        store.replace_boards(r, [b.id for b in chosen], totals, hidden_on_boards(ruleset), batch=ledger_batch,
                             layout_id=layout_id(ruleset), every_board=boards is None)
    return len(totals)


@dataclass
class DriftReport:
    boards: int = 0
    members: int = 0
    drift: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.drift += 1
        if len(self.examples) < 20:
            self.examples.append(text)


def check_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> DriftReport:
    """Compare every member of every live board with the ledger: points and tie order.

    Run it under the scorer's lock (as `manage.py leaderboards check` does) so no batch lands
    between the two reads. The result is kept in Redis for /metrics.
    """
    main, r = r, boards_redis(r)
    report = DriftReport()
    expected: dict[str, dict[str, tuple[int, int]]] = {}
    hidden = hidden_on_boards(ruleset)
    for (placement, person), value in ledger_totals(ruleset, ledger_batch).items():
        key = keys.board_key(placement.board_id, placement.period, placement.scope_value)
        expected.setdefault(keys.hidden_key(key) if hidden(placement.board_id, person) else key, {})[person] = value
    names = [k.decode() for k in r.scan_iter(match=keys.board_pattern(), count=1000)]
    # Past periods built on demand are outside the live window the ledger totals cover.
    on_demand = tuple(n[: -len(":built")] + ":" for n in names if n.endswith(":built"))
    live_keys = {n for n in names if not n.endswith((":registry", ":built", ":state"))
                 and not (n + ":").startswith(on_demand or ("\0",))}
    for key in sorted(live_keys | set(expected)):
        report.boards += 1
        live = {m.decode(): int(s) for m, s in r.zrange(key, 0, -1, withscores=True)} if key in live_keys else {}
        want = expected.get(key, {})
        for person in sorted(set(live) | set(want)):
            report.members += 1
            if person not in live:
                report.note(f"{key}: {person} is missing (ledger: {want[person][0]} points)")
            elif person not in want:
                report.note(f"{key}: {person} should not be there ({decode(live[person])} points)")
            elif (decode(live[person]), live[person] % 2**32) != want[person]:
                report.note(f"{key}: {person} has {decode(live[person])} points, the ledger {want[person][0]}"
                            f" (or the tie order differs)")
    for board_id, state in store.board_states(main, [b.id for b in ruleset.leaderboards]).items():
        if state.batch != ledger_batch:
            report.note(f"board {board_id} was applied up to batch {state.batch}, the ledger is at {ledger_batch}")
    main.set(keys.DRIFT, json.dumps({"drift": report.drift, "members": report.members,
                                     "checked_at": datetime.now(timezone.utc).timestamp()}))
    return report


ON_DEMAND_TTL = 3600


def forget_built_periods(r: redis.Redis, periods: Iterable[tuple[str, str]] | None = None) -> int:
    """Drop the copies of past periods built on a read, so the next read builds them again from
    the ledger: the (board id, period) pairs given, or every one. For a change to the ledger
    that touches a past period (a late award, an undo, a merge). Returns the periods dropped."""
    r = boards_redis(r)
    if periods is None:
        periods = [keys.built_of(k.decode()) for k in r.scan_iter(match=keys.built_pattern(), count=1000)]
    dropped = 0
    for board_id, period in sorted(set(periods)):
        marker = keys.built_marker(board_id, period)
        if not r.exists(marker):
            continue  # never read, or expired: nothing kept to go stale
        registry = keys.registry_key(board_id)
        prefix = keys.registry_field(period, None)
        fields = {f.decode(): v.decode() for f, v in r.hscan_iter(registry, match=f"{prefix}*", count=1000)}
        names = {keys.board_key(board_id, period), *fields.values()}
        # One slot (the board's hash tag): one MULTI, so a reader sees the old copy or none.
        pipe = r.pipeline(transaction=True)
        pipe.delete(marker, *names, *(keys.hidden_key(n) for n in names))
        if fields:
            pipe.hdel(registry, *fields)
        pipe.execute()
        dropped += 1
    return dropped


def ensure_past_period(r: redis.Redis, ruleset: Ruleset, board_id: str, period: str) -> None:
    """Build one past period's boards (every scope) from the ledger, kept for an hour."""
    r = boards_redis(r)
    marker = keys.built_marker(board_id, period)
    if r.exists(marker):
        return

    board = ruleset.leaderboard(board_id)
    start, end = period_bounds(board.period, period, ruleset.tz)
    totals = board_sums([board], ruleset, Award.objects.filter(occurred_at__gte=start, occurred_at__lt=end))
    hidden = hidden_on_boards(ruleset)
    expires_at = int(datetime.now(timezone.utc).timestamp()) + ON_DEMAND_TTL
    pipe = r.pipeline(transaction=True)
    for (placement, person), (points, seq) in totals.items():
        key = keys.board_key(board_id, period, placement.scope_value)
        target = keys.hidden_key(key) if hidden(board_id, person) else key
        pipe.zadd(target, {person: encode(points, seq)})
        pipe.expireat(target, expires_at)
        pipe.hset(keys.registry_key(board_id), keys.registry_field(period, placement.scope_value), key)
    pipe.set(marker, 1, exat=expires_at)
    pipe.execute()
