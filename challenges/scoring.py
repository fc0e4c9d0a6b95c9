"""The challenges step of a scoring batch: progress, reached goals, winners and rewards (contract section 8).

The rules step calls this step's observer right after each event is evaluated, so a reward (points
under `challenge:<id>`, a badge) joins that event's outcome before the next event is evaluated: the
ledger, badges, boards and notifications steps then write it like any award. What the observer
changed (standings, the counts an undo takes back) is written in the batch's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count as CountOf

from base.batch import BatchPerson, Step
from base.dbtimes import time_adapter
from base.models import Event, Person, stored_time
from rules.core import Event as CoreEvent
from rules.core.challenges import EVERYONE, ChallengeProgress, Count, Standing
from rules.core.compiled import CompiledChallenge

from .models import ChallengeCount, ChallengeStanding, ChallengeState


class ChallengesStep(Step):
    progress: ChallengeProgress | None = None

    def start(self) -> None:
        if self.batch.ruleset.challenges:
            # The source reads nothing until an event asks: a batch without events costs no query.
            self.progress = ChallengeProgress(self.batch.ruleset, DatabaseSource(self.batch, _warm_standings(self.batch)))
            self.batch.observers.append(self.progress.observe)

    def prepare(self) -> None:
        # The rules step has observed every event. Letting go of the observer breaks the cycle batch ->
        # observer -> progress -> source -> batch, which otherwise keeps the whole batch (its events,
        # outcomes and awards) alive until a garbage collection: that cost more than the step's own work.
        if self.progress is not None:
            self.batch.observers.remove(self.progress.observe)

    def write(self) -> None:
        if self.progress is not None:
            write_progress(self.progress, self.batch.people)

    def finish(self) -> None:
        if self.progress is not None:
            progress, number, version = self.progress, self.batch.number, self.batch.version
            transaction.on_commit(lambda: _keep_warm(progress, number, version))


# The standings and winner counts as the last batch this process committed left them. The next
# batch reuses them when it directly follows (no other scorer, recompute or rollback in between)
# under the same ruleset version, and reads the database for the participants it has not seen;
# otherwise it starts cold. Bounded, so memory stays flat.
#
# The standings are kept by challenge id, then participant, each as its progress alone while no goal
# is reached (else a tuple, as DatabaseSource.read holds them): strings and numbers are objects the
# garbage collector does not track. A batch that left a few thousand new tuple keys and Standing
# objects set off a collection after every batch, and now and then one of the whole process.
_warm: dict = {}
WARM_STANDINGS_LIMIT = 500_000
READ_ALL_LIMIT = 50_000  # a cold start reads every standing while the challenges have at most this many


def _warm_standings(batch) -> dict | None:
    follows = _warm.get("batch") == batch.number - 1 and _warm.get("version") == batch.version
    if not follows:
        _warm.clear()
        return None
    return _warm


def _keep_warm(progress: ChallengeProgress, number: int, version: int) -> None:
    if not (_warm.get("batch") == number - 1 and _warm.get("version") == version):
        _warm.clear()
        _warm.update(standings={}, winners={}, known=set(), size=0)
    source: DatabaseSource = progress.source
    standings: dict[str, dict[str, int | tuple]] = _warm["standings"]
    size = _warm["size"]
    # What the batch read from the database, then what it changed on top.
    kept = [(key, _kept(*value)) for key, value in (source.read or {}).items()]
    kept += [(key, _kept(s.progress, s.reached_at, s.reached_seq, s.winner))
             for key, s in ((key, progress.standings[key]) for key in progress.changed)]
    for (challenge_id, participant), value in kept:
        by_participant = standings.get(challenge_id)
        if by_participant is None:
            by_participant = standings[challenge_id] = {}
        size += participant not in by_participant
        by_participant[participant] = value
    _warm["known"].update(source.read_participants)
    _warm["complete"] = source.complete
    _warm["winners"].update(progress.winner_counts())
    if size > WARM_STANDINGS_LIMIT:
        _warm.clear()
        return
    _warm.update(batch=number, version=version, size=size)


def _kept(progress: int, reached_at, reached_seq, winner) -> int | tuple:
    if reached_at is None and reached_seq is None and winner is None:
        return progress
    return (progress, reached_at, reached_seq, winner)


def forget_warm_standings() -> None:
    """The next batch reads the standings from the database (after a recompute or an emptied database)."""
    _warm.clear()


def write_progress(progress: ChallengeProgress, people) -> None:
    """The standings the run changed, its counts, and the stored counts an undo took back.
    people: person id -> anything with the person's database `id`.

    Plain SQL, one executemany each, as the ledger writes awards (base/ledger.py): building a model
    instance per row cost most of the step's time."""
    stamp = time_adapter()
    individual = {c.id for c in progress.ruleset.challenges if c.spec.kind == "individual"}
    with connection.cursor() as cursor:
        if progress.changed:
            rows = []
            for challenge_id, participant in progress.changed:
                s = progress.standings[(challenge_id, participant)]
                person = people.get(participant) if challenge_id in individual else None
                rows.append((challenge_id, participant, person.id if person else None, s.progress,
                             stamp(s.reached_at) if s.reached_at else None, s.reached_seq, s.winner))
            cursor.executemany(
                f"INSERT INTO {ChallengeStanding._meta.db_table} (challenge_id, participant, person_id, progress, reached_at, "
                "reached_seq, winner) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (challenge_id, participant) DO UPDATE "
                "SET person_id = excluded.person_id, progress = excluded.progress, reached_at = excluded.reached_at, "
                "reached_seq = excluded.reached_seq, winner = excluded.winner", rows)
        if progress.counts:
            packed: dict[str, list[list]] = {}
            for challenge_id, participant, person, _event_id, seq, amount, taken_back in progress.counts:
                entries = packed.get(challenge_id)
                if entries is None:
                    entries = packed[challenge_id] = []
                # An individual challenge's participant is the person: null, not their id again (ChallengeCount).
                entries.append([seq, None if challenge_id in individual else participant, people[person].id, amount,
                                taken_back])
            cursor.executemany(
                f"INSERT INTO {ChallengeCount._meta.db_table} (challenge_id, first_seq, last_seq, counts) "
                "VALUES (%s, %s, %s, %s)",
                [(challenge_id, min(e[0] for e in entries), max(e[0] for e in entries), ChallengeCount.pack(entries))
                 for challenge_id, entries in packed.items()])
    if progress.taken_back:
        marked: dict[int, list[int]] = {}
        for c in progress.taken_back:
            row, index = c.row
            marked.setdefault(row, []).append(index)
        rows = ChallengeCount.objects.in_bulk(list(marked))
        for row_id, indexes in marked.items():
            entries = rows[row_id].entries()
            for index in indexes:
                entries[index][4] = 1
            ChallengeCount.objects.filter(pk=row_id).update(counts=ChallengeCount.pack(entries))


class DatabaseSource:
    """rules.core.challenges.ChallengeSource over the database, each kind read once per batch."""

    def __init__(self, batch, warm: dict | None = None):
        """`warm`: the standings and winner counts the last batch committed (_warm), when this one follows it.
        standing() hands out a new Standing of them each time."""
        self.batch = batch
        self._warm_standings = warm["standings"] if warm else {}
        self._warm_winners = warm["winners"] if warm else {}
        # Participants all of whose standings the warm ones hold (no row: no progress yet).
        self._known: set[str] = warm["known"] if warm else set()
        # The warm standings hold every row of the ruleset's challenges: a participant not among them has none.
        self.complete: bool = bool(warm and warm.get("complete"))
        # Read from the database in this batch: (progress, reached_at, reached_seq, winner) by (challenge, participant).
        self.read: dict[tuple[str, str], tuple] | None = None
        self.read_participants: set[str] = set()
        self._winners: dict[str, int] | None = None
        self._closed: dict[str, datetime] | None = None
        self._received: dict[int, datetime] | None = None

    def standing(self, challenge_id, participant):
        by_participant = self._warm_standings.get(challenge_id)
        found = by_participant.get(participant) if by_participant is not None else None
        if found is None and not self.complete and participant not in self._known:
            if self.read is None:
                self.read = self._read_standings()
            if not self.complete and participant not in self.read_participants:
                # Not among the batch's people and teams: the team an undone event counted for, which its
                # actor has since left.
                self.read.update(self._read([participant]))
                self.read_participants.add(participant)
        if found is None and self.read is not None:
            found = self.read.get((challenge_id, participant))
        if found is None:
            return Standing()
        return Standing(found) if type(found) is int else Standing(*found)

    def _read_standings(self) -> dict[tuple[str, str], tuple]:
        """The standings of the batch's people and their teams (and everyone's), in one query. Plain SQL:
        the ORM prepares each of the IN list's values one by one (as BatchPerson.read says).

        A cold start reads every standing of the challenges instead while they have at most
        READ_ALL_LIMIT: then no later batch of this process reads standings at all (`complete`)."""
        if not self._known and self._stored_standings(READ_ALL_LIMIT + 1) <= READ_ALL_LIMIT:
            self.complete = True
            return self._read_rows("", [])
        people = self.batch.people
        # Those the warm standings know need no reading (set operations: most batches know nearly everyone).
        participants = (people.keys() | {p.team for p in people.values()} | {EVERYONE}) - self._known
        self.read_participants = participants
        return self._read(list(participants))

    def _read(self, participants: list[str]) -> dict[tuple[str, str], tuple]:
        if not participants:
            return {}
        return self._read_rows(f" AND participant IN ({', '.join(['%s'] * len(participants))})", participants)

    def _read_rows(self, where: str, params: list) -> dict[tuple[str, str], tuple]:
        ids = [c.id for c in self.batch.ruleset.challenges]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT challenge_id, participant, progress, reached_at, reached_seq, winner "
                f"FROM {ChallengeStanding._meta.db_table} WHERE challenge_id IN ({', '.join(['%s'] * len(ids))})"
                + where, ids + params)
            return {(c, p): (progress, stored_time(at) if at is not None else None, seq, winner)
                    for c, p, progress, at, seq, winner in cursor.fetchall()}

    def _stored_standings(self, up_to: int) -> int:
        """How many standings the challenges have, counted up to `up_to` (the index alone, no row read)."""
        ids = [c.id for c in self.batch.ruleset.challenges]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {ChallengeStanding._meta.db_table} "
                f"WHERE challenge_id IN ({', '.join(['%s'] * len(ids))}) LIMIT %s) AS found", ids + [up_to])
            return cursor.fetchone()[0]

    def members(self, challenge_id, participant):
        totals: dict[int, int] = {}
        for counts in ChallengeCount.objects.filter(challenge_id=challenge_id).values_list("counts", flat=True):
            for _seq, counted_for, person, amount, taken_back in json.loads(counts):
                if counted_for == participant and not taken_back:
                    totals[person] = totals.get(person, 0) + amount
        keys = dict(Person.objects.filter(id__in=list(totals)).values_list("id", "key"))
        return {keys[person]: total for person, total in totals.items() if person in keys}

    def winners(self, challenge_id):
        if challenge_id in self._warm_winners:
            return self._warm_winners[challenge_id]
        if self._winners is None:
            ids = [c.id for c in self.batch.ruleset.challenges]
            self._winners = dict(ChallengeStanding.objects.filter(challenge_id__in=ids, winner__isnull=False)
                                 .values("challenge_id").annotate(n=CountOf("id")).values_list("challenge_id", "n"))
        return self._winners.get(challenge_id, 0)

    def counts_of(self, event_id):
        seq = Event.objects.filter(source_id=event_id).values_list("seq", flat=True).first()
        if seq is None:
            return []
        found = []
        for row in ChallengeCount.objects.filter(last_seq__gte=seq, first_seq__lte=seq):
            for index, (counted_seq, participant, person, amount, taken_back) in enumerate(row.entries()):
                if counted_seq == seq and not taken_back:
                    found.append((row.pk, index, row.challenge_id, participant, person, amount))
        keys = dict(Person.objects.filter(id__in=[f[4] for f in found]).values_list("id", "key"))
        counts = []
        for row_id, index, challenge_id, participant, person, amount in found:
            if participant is None:  # an individual challenge's: the person's own standing
                if person not in keys:
                    continue  # the person's row is gone, and their standings with it
                participant = keys[person]
            # A team's or everyone's count whose person row is gone still comes off its participant's progress.
            count = StoredCount(challenge_id, participant, keys.get(person, ""), event_id, seq, amount)
            count.row = (row_id, index)
            counts.append(count)
        return counts

    def closed(self) -> dict[str, datetime]:
        if self._closed is None:
            self._closed = dict(ChallengeState.objects.filter(closed_at__isnull=False)
                                .values_list("challenge_id", "closed_at"))
        return self._closed

    def takes(self, challenge: CompiledChallenge, event: CoreEvent) -> bool:
        closed = self.closed().get(challenge.id)
        if closed is None:
            return True
        if self._received is None:  # only when a closed challenge meets an event: late events and undos
            seqs = [e.seq for e in self.batch.events]
            self._received = {seq: stored_time(at) for seq, at in Event.objects.filter(seq__in=seqs).values_list("seq", "received_at")}
        return self._received[event.seq] < closed

    def team(self, person):
        found = self.batch.people.get(person)
        return found.team if found else ""

    def include(self, people, facts):
        missing = [key for key in people if key not in self.batch.people]
        if missing:
            found = BatchPerson.read(missing)
            self.batch.people.update(found)
            facts.source.add_people(found)


class StoredCount(Count):
    """A count read from the database: `row` is (its ChallengeCount's primary key, its entry's index),
    for marking it taken back."""

    __slots__ = ("row",)
