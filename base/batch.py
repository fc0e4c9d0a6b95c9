"""A scoring batch as its steps see it, and the hooks a step has.

The scorer (engine/scoring.py) runs a batch through a list of steps, each owned by the app that
writes what it writes: the rules, the ledger, badges, boards, notifications. It makes one step of
each kind per batch and calls one hook at a time on every step, in the order of the list:

    start     the batch's number and ruleset are known; its events are not read yet
    prepare   events, people and facts are known: work out what to write, read what is about to change
    send      writes outside the database begin (Redis), so they proceed while the database is written
    write     the database rows, inside the batch's transaction
    finish    everything is written, before commit: read back what was sent, act on the state after
    abandon   send, write or finish failed and the batch rolls back: let go of what was sent

A step does nothing in a hook it does not define. Steps hand each other what they made through
the batch (outcomes, awards, board changes), never by calling each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, NamedTuple

from django.db import connection

from rules.core import Event, FactsCache, Outcome, Ruleset

from .models import Award, Event, Person, ScoringEvent

if TYPE_CHECKING:
    from redis import Redis

    from .ledger import LedgerRow


@dataclass(eq=False)
class Batch:
    """Filled in as the batch goes: the pipeline sets events, people and facts before `prepare`;
    the rules step sets outcomes, the ledger step awards, the boards step board_changes."""

    number: int
    version: int
    ruleset: Ruleset
    r: Redis
    events: list[ScoringEvent] = field(default_factory=list)
    people: dict[str, BatchPerson] = field(default_factory=dict)
    facts: FactsCache | None = None
    outcomes: list[Outcome] = field(default_factory=list)  # one per event, in the events' order
    awards: list[LedgerRow] = field(default_factory=list)
    # {placement: {member: [points, seq]}} (leaderboards.store.BoardChanges) when the boards are sent; else None.
    board_changes: dict | None = None
    # Called by the rules step with (event, outcome, facts) right after each event is evaluated, before the
    # next one: what an observer adds to the outcome (a challenge's reward) is as if the rules had given it.
    observers: list[Callable[[Event, Outcome, FactsCache], None]] = field(default_factory=list)


class Step:
    """One app's part of a scoring batch; see the module's docstring for when each hook runs."""

    def __init__(self, batch: Batch):
        self.batch = batch

    def start(self) -> None:
        pass

    def prepare(self) -> None:
        pass

    def send(self) -> None:
        pass

    def write(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def abandon(self) -> None:
        pass


class BatchPerson(NamedTuple):
    """What a batch needs of a person, read as one tuple per row (model instances cost several times more)."""

    id: int
    key: str
    points: int
    team: str
    public: bool  # shown on the public boards: opted in and not deprovisioned (Person.active)
    role: str

    @classmethod
    def read(cls, keys) -> dict[str, BatchPerson]:
        keys = list(keys)
        if not keys:
            return {}
        # Plain SQL: the ORM prepares each of the few hundred keys of the IN list one by one.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, key, points, team, public, role, active FROM {Person._meta.db_table} "
                           f"WHERE key IN ({', '.join(['%s'] * len(keys))})", keys)
            return {row[1]: cls(row[0], row[1], row[2], row[3], bool(row[4]) and bool(row[6]), row[5])
                    for row in cursor.fetchall()}


def people_for(events: list[ScoringEvent]) -> dict[str, BatchPerson]:
    """Everyone the events name (actors, authors, mentions, the actors of undone events and the recipients
    of their awards), created where missing."""
    keys = set()
    for e in events:
        keys.add(e.actor_key)
        if e.target_author_key:
            keys.add(e.target_author_key)
        keys.update(e.mentions)
    undo_targets = [e.target_id for e in events if e.type == "undo"]
    if undo_targets:
        keys.update(Award.objects.filter(event__source_id__in=undo_targets).values_list("recipient__key", flat=True))
        # And their actors: what an undone event counted towards a challenge's `event` goal is its actor's.
        keys.update(Event.objects.filter(source_id__in=undo_targets).values_list("actor__key", flat=True))
    people = BatchPerson.read(keys)
    missing = [Person(key=k) for k in keys if k not in people]
    if missing:  # mentions stored before people were created at ingest
        Person.objects.bulk_create(missing, ignore_conflicts=True)
        people.update(BatchPerson.read([p.key for p in missing]))
    return people
