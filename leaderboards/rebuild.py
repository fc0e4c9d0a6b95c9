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

import redis
from django.conf import settings

from engine.models import Award
from rules.core import Ruleset

from . import keys, store
from .placement import Placement, decode, encode, placements
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


def award_deltas(ruleset: Ruleset, rows, *, now: datetime | None = None) -> list[BoardDelta]:
    """rows: (recipient key, rule id, points, occurred_at, channel, program, team, event seq)."""
    now_ts = (now or datetime.now(timezone.utc)).timestamp()
    boards_of = _placement_cache(ruleset)
    deltas = []
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        if not points:
            continue
        found = boards_of.get((rule_id, int(occurred_at.timestamp()) // BUCKET_S, channel, program, team))
        if found is None:
            found = _placements_at(ruleset, boards_of, rule_id, occurred_at, channel, program, team)
        for placement, member in found:
            if placement.expires_at is None or placement.expires_at > now_ts:
                deltas.append(BoardDelta(placement, member or person, points, seq))
    return deltas


def board_changes(ruleset: Ruleset, rows, *, now: datetime | None = None) -> BoardChanges:
    """What award rows add to the boards, summed: {placement: {member: [points, seq of the last change]}}.

    The scorer's form of award_deltas: a batch of 500 awards on 5 boards is 2,500 (placement,
    member) pairs, summed here in one pass instead of being built as deltas and summed again.
    """
    now_ts = (now or datetime.now(timezone.utc)).timestamp()
    boards_of = _placement_cache(ruleset)
    changes: BoardChanges = {}
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        if not points:
            continue
        found = boards_of.get((rule_id, int(occurred_at.timestamp()) // BUCKET_S, channel, program, team))
        if found is None:
            found = _placements_at(ruleset, boards_of, rule_id, occurred_at, channel, program, team)
        for placement, member in found:
            if placement.expires_at is not None and placement.expires_at <= now_ts:
                continue
            members = changes.get(placement)
            if members is None:
                members = changes[placement] = {}
            entry = members.get(member or person)
            if entry is None:
                members[member or person] = [points, seq]
            else:
                entry[0] += points
                entry[1] = seq
    return changes


# Which boards awards count on, per (rule, quarter hour, channel, program, team): every period a
# board can have (day, week, month, season from midnight to midnight) is a function of the local
# date, and a quarter hour (UTC) lies within one local date in every timezone in use (offsets are
# whole quarter hours; _placements_at checks it), so a batch of thousands of awards needs a few
# dozen placements() calls, not one each. Kept across batches for the same compiled ruleset and
# grace; bounded.
_placements_seen: dict = {"ruleset": None, "grace": None, "found": {}}
PLACEMENT_CACHE_LIMIT = 100_000
BUCKET_S = 900


def _placement_cache(ruleset: Ruleset) -> dict:
    seen, keep = _placements_seen, grace()
    if seen["ruleset"] is not ruleset or seen["grace"] != keep or len(seen["found"]) > PLACEMENT_CACHE_LIMIT:
        seen.update(ruleset=ruleset, grace=keep, found={})
    return seen["found"]


def _placements_at(ruleset: Ruleset, boards_of: dict, rule_id, occurred_at, channel, program, team) -> tuple:
    """The placements of one award, remembered for its quarter hour when that lies within one local date."""
    found = _placements(ruleset, rule_id, occurred_at, channel, program, team)
    bucket = int(occurred_at.timestamp()) // BUCKET_S
    first = datetime.fromtimestamp(bucket * BUCKET_S, ruleset.tz)
    last = datetime.fromtimestamp((bucket + 1) * BUCKET_S - 1, ruleset.tz)
    if first.date() == last.date():  # else an offset that is not whole quarter hours: not remembered
        boards_of[(rule_id, bucket, channel, program, team)] = found
    return found


def _placements(ruleset: Ruleset, rule_id, occurred_at, channel, program, team) -> tuple:
    """(placement, team or None): boards of teams count the award for the team, the others for the person.
    Periods past their grace are left in (with their expiry): the caller drops them against its `now`."""
    team_boards = {b.id for b in ruleset.leaderboards if b.aggregate == "team"}
    return tuple((p, team if p.board_id in team_boards else None)
                 for p in placements(ruleset.leaderboards, ruleset.tz, rule_id=rule_id, occurred_at=occurred_at,
                                     channel=channel, program=program, team=team, grace=grace(),
                                     seasons=ruleset.seasons))


def sync_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> str:
    """Bring boards to `ledger_batch`, the last batch committed to the ledger. Returns what it did."""
    applied = store.applied_batch(r)
    if store.layout(r) != layout_id(ruleset) or applied is None or applied > ledger_batch:
        rebuild_boards(r, ruleset, ledger_batch)
        return "rebuilt"
    if applied < ledger_batch:
        rows = (Award.objects.filter(batch__gt=applied, batch__lte=ledger_batch)
                .order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS))
        store.apply_changes(r, board_changes(ruleset, rows.iterator(chunk_size=5000)), hidden_on_boards(ruleset),
                            batch=ledger_batch)
        return "caught up"
    return "current"


def ledger_totals(ruleset: Ruleset, ledger_batch: int, awards=None) -> dict[tuple[Placement, str], tuple[int, int]]:
    """(placement, person) -> (points, seq of the last change): what the boards must hold.

    Walks the ledger in the order scoring applied it, so ties come out as incremental scoring
    leaves them.
    """
    totals: dict[tuple[Placement, str], tuple[int, int]] = {}
    awards = Award.objects.all() if awards is None else awards
    rows = awards.filter(batch__lte=ledger_batch).exclude(points=0).order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS)
    for delta in award_deltas(ruleset, rows.iterator(chunk_size=5000)):
        key = (delta.placement, delta.person)
        points, _ = totals.get(key, (0, 0))
        totals[key] = (points + delta.points, delta.seq)
    return totals


def rebuild_boards(r: redis.Redis, ruleset: Ruleset, ledger_batch: int) -> int:
    """Every live board from the ledger alone, swapped in at once. Returns the entries written."""
    totals = ledger_totals(ruleset, ledger_batch)
    store.replace_all(r, totals, hidden_on_boards(ruleset), batch=ledger_batch, layout_id=layout_id(ruleset))
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
    report = DriftReport()
    expected: dict[str, dict[str, tuple[int, int]]] = {}
    hidden = hidden_on_boards(ruleset)
    for (placement, person), value in ledger_totals(ruleset, ledger_batch).items():
        key = keys.board_key(placement.board_id, placement.period, placement.scope_value)
        expected.setdefault(keys.hidden_key(key) if hidden(placement.board_id, person) else key, {})[person] = value
    names = [k.decode() for k in r.scan_iter(match=keys.board_pattern(), count=1000)]
    # Past periods built on demand are outside the live window the ledger totals cover.
    on_demand = tuple(n[: -len(":built")] + ":" for n in names if n.endswith(":built"))
    live_keys = {n for n in names if not n.endswith((":registry", ":built")) and not (n + ":").startswith(on_demand or ("\0",))}
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
    if store.applied_batch(r) != ledger_batch:
        report.note(f"boards were applied up to batch {store.applied_batch(r)}, the ledger is at {ledger_batch}")
    r.set(keys.DRIFT, json.dumps({"drift": report.drift, "members": report.members,
                                  "checked_at": datetime.now(timezone.utc).timestamp()}))
    return report


ON_DEMAND_TTL = 3600


def ensure_past_period(r: redis.Redis, ruleset: Ruleset, board_id: str, period: str) -> None:
    """Build one past period's boards (every scope) from the ledger, kept for an hour."""
    marker = keys.built_marker(board_id, period)
    if r.exists(marker):
        return
    from rules.core import period_bounds

    board = ruleset.leaderboard(board_id)
    start, end = period_bounds(board.period, period, ruleset.tz)
    totals: dict[tuple[Placement, str], tuple[int, int]] = {}
    rows = (Award.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(points=0)
            .order_by("batch", "event_id", "id").values_list(*AWARD_FIELDS))
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows.iterator(chunk_size=5000):
        for placement in placements([board], ruleset.tz, rule_id=rule_id, occurred_at=occurred_at,
                                    channel=channel, program=program, team=team):
            key = (placement, team if board.aggregate == "team" else person)
            total, _ = totals.get(key, (0, 0))
            totals[key] = (total + points, seq)
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
