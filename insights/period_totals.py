"""Per-period, per-group figures kept up to date as insights/rollup.py reads the log.

For each interval (local day, ISO week, month), dimension (all, channel, programme), group and
period, PeriodGroup holds the event counts and the distinct people of the period: a person adds one
to `active` when their PeriodMember row goes from zero events to some, and takes it back when undos
bring it to zero again (likewise contributors, reactors and posters). FirstSeen holds each
person's first activity and first contribution in each group; when either moves (a first event,
or an undo of it) `newly_active` and `new_contributors` move with it, from the period of the old
day to the period of the new one. So a dashboard reads one row per period and group, whatever the
number of people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import Min, Q

from .figures import INTERVALS, period_start
from .models import ActivityDay, COUNT_COLUMNS, FirstSeen, PeriodGroup, PeriodMember, SUM_COLUMNS
from .upsert import add_counts, add_counts_returning, put

MEMBER_KEY = ("interval", "start", "dimension", "value", "person_id")
GROUP_KEY = ("interval", "start", "dimension", "value")
FIRST_KEY = ("dimension", "value", "person_id")
# PeriodGroup's distinct counts and the PeriodMember column whose crossing of zero moves each
PEOPLE = (("active", "total"), ("contributors", "contributions"), ("reactors", "reacting"), ("posters", "posts"))
CHUNK = 900  # people per lookup: well under any database's limit on query parameters


class PeriodTotals:
    """The deltas of one batch of events."""

    def __init__(self):
        self.members: dict[tuple, Counter] = defaultdict(Counter)  # MEMBER_KEY -> column deltas
        self.groups: dict[tuple, Counter] = defaultdict(Counter)   # GROUP_KEY -> column deltas
        self.first_active: dict[tuple, date] = {}        # FIRST_KEY -> the earliest day counted in this batch
        self.first_contribution: dict[tuple, date] = {}
        self.recheck: set[tuple] = set()                 # FIRST_KEY that lost an event: recounted from ActivityDay

    def count(self, e: dict, days: dict[str, date], sums: Counter, sign: int) -> None:
        """One event (sign +1) or its undo (-1): `days` maps each interval to the start of its period,
        `sums` holds the event's counted column and sums (total, contributions, reacting)."""
        person = e["actor_id"]
        groups = (("all", ""), ("channel", e["channel"]), ("program", e["program"]))
        for interval, start in days.items():
            for dimension, value in groups:
                self.members[(interval, start, dimension, value, person)].update(sums)
                self.groups[(interval, start, dimension, value)].update(
                    {c: n for c, n in sums.items() if c not in SUM_COLUMNS})
        for dimension, value in groups:
            key = (dimension, value, person)
            if sign < 0:
                self.recheck.add(key)
                continue
            _earliest(self.first_active, key, days["day"])
            if sums.get("contributions"):
                _earliest(self.first_contribution, key, days["day"])

    def flush(self) -> None:
        """Write the batch; ActivityDay must already hold it (undone first events are recounted from it)."""
        self._count_people()
        self._move_firsts()
        add_counts(PeriodGroup, self.groups, GROUP_KEY, COUNT_COLUMNS + tuple(p for p, _ in PEOPLE) +
                   ("new_contributors", "newly_active"))

    def _count_people(self) -> None:
        """Write the members' deltas; a member whose count crosses zero moves its group's distinct count."""
        after = add_counts_returning(PeriodMember, self.members, MEMBER_KEY, COUNT_COLUMNS + SUM_COLUMNS,
                                     tuple(column for _, column in PEOPLE))
        for key, counts in after.items():
            delta = self.members[key]
            group = self.groups[key[:4]]
            for (people, column), now in zip(PEOPLE, counts):
                group[people] += (now > 0) - (now - delta[column] > 0)

    def _move_firsts(self) -> None:
        keys = set(self.first_active) | self.recheck
        if not keys:
            return
        stored: dict[tuple, tuple] = {}
        ids = sorted({k[2] for k in keys})
        for i in range(0, len(ids), CHUNK):
            for dimension, value, person, active, contribution in (
                    FirstSeen.objects.filter(person_id__in=ids[i:i + CHUNK])
                    .values_list("dimension", "value", "person_id", "first_active", "first_contribution")):
                stored[(dimension, value, person)] = (active, contribution)
        recounted = _recount(self.recheck)
        changed = {}
        for key in keys:
            old = stored.get(key, (None, None))
            if key in self.recheck:
                new = recounted.get(key, (None, None))
            else:
                new = (_min(old[0], self.first_active.get(key)), _min(old[1], self.first_contribution.get(key)))
            if new != old:
                changed[key] = new
                self._move("newly_active", key, old[0], new[0])
                self._move("new_contributors", key, old[1], new[1])
        put(FirstSeen, changed, FIRST_KEY, ("first_active", "first_contribution"))

    def _move(self, column: str, key: tuple, old: date | None, new: date | None) -> None:
        dimension, value, _ = key
        for interval in INTERVALS:
            if old is not None:
                self.groups[(interval, period_start(interval, old), dimension, value)][column] -= 1
            if new is not None:
                self.groups[(interval, period_start(interval, new), dimension, value)][column] += 1


def _recount(keys: set[tuple]) -> dict[tuple, tuple]:
    """(first active day, first contribution day) of these (dimension, value, person), from ActivityDay."""
    if not keys:
        return {}
    firsts = {"active": Min("day", filter=Q(total__gt=0)), "contribution": Min("day", filter=Q(contributions__gt=0))}
    ids = sorted({k[2] for k in keys})
    out = {}
    for dimension in ("all", "channel", "program"):
        fields = () if dimension == "all" else (dimension,)
        for i in range(0, len(ids), CHUNK):
            for row in (ActivityDay.objects.filter(person_id__in=ids[i:i + CHUNK]).values("person_id", *fields)
                        .annotate(**firsts)):
                key = (dimension, row[dimension] if fields else "", row["person_id"])
                if key in keys:
                    out[key] = (_as_date(row["active"]), _as_date(row["contribution"]))
    return out


def _earliest(firsts: dict[tuple, date], key: tuple, day: date) -> None:
    if key not in firsts or day < firsts[key]:
        firsts[key] = day


def _min(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
