"""Accepting events: validate, normalise, store idempotently. Scoring happens later, in order.

Batches of 1,000 events are the common case, and the path is built for them: pydantic validates
the whole batch in one call, the content hash is written without intermediate dicts, people are
read in one query and created by one executemany, events are stored by another, and no query
runs per event (`python -m bench.profile ingest` shows where the time goes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import redis
from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from pydantic import TypeAdapter, ValidationError

from rules.core.eventschema import EventDoc
from rules.core.textparse import parse_hashtags, parse_mentions

from .contenthash import content_hash
from .dbtimes import time_adapter
from .errors import ApiError, issues_from_pydantic
from .models import Event, Person
from .names import forget as forget_names
from .redis import get_redis
from .scoring_queue import enqueue_scoring

log = logging.getLogger(__name__)

MAX_BATCH = 1000
# Distinct people one request may name (actors, target authors, mentions given or found in the
# text): each one unknown is created, and a request must not fill the directory by itself.
MAX_PEOPLE = 10_000
# The event format is the rules core's, so rule tests accept exactly what ingest accepts.
EventIn = EventDoc
_batch_of_events = TypeAdapter(list[EventIn])


@dataclass(slots=True)
class Normalized:
    data: EventIn
    hashtags: list[str]
    mentions: list[str]
    content_hash: str
    occurred_utc: datetime  # data.occurred_at in UTC: cheaper to read than in pydantic's own zone type
    index: int | None = None  # position in the request's array, for error paths; None for a lone event


def normalize(item: EventIn, index: int | None = None) -> Normalized:
    text = item.text or ""
    # Most texts name nobody and tag nothing; the regular expressions cost more than the look.
    if item.hashtags is not None:
        hashtags = [t.lstrip("#") for t in item.hashtags]
    else:
        hashtags = parse_hashtags(text) if "#" in text else []
    if item.mentions is not None:
        mentions = [m.lstrip("@") for m in item.mentions]
    else:
        mentions = parse_mentions(text) if "@" in text else []
    occurred_utc = item.occurred_at.astimezone(timezone.utc)
    return Normalized(item, hashtags, mentions, content_hash(item, hashtags, mentions, occurred_utc), occurred_utc, index)


@dataclass
class IngestResult:
    items: list[dict] = field(default_factory=list)  # {"id", "status": accepted|duplicate}

    @property
    def accepted(self) -> int:
        return sum(1 for i in self.items if i["status"] == "accepted")

    @property
    def duplicates(self) -> int:
        return sum(1 for i in self.items if i["status"] == "duplicate")


def validate_events(raw: Any) -> list[Normalized]:
    """Every item checked; one ApiError lists all problems with the item's index and field."""
    events, single = check_events(raw)
    if single:
        return [normalize(events[0])]
    return [normalize(event, index) for index, event in enumerate(events)]


def check_events(raw: Any) -> tuple[list[EventIn], bool]:
    """What every request's events must pass before anything is stored or kept: the events as
    validated, and whether the body was one object rather than an array."""
    single = isinstance(raw, dict)
    items = [raw] if single else raw
    if not isinstance(items, list):
        raise ApiError(422, "invalid_body", "send one event object or a JSON array of events")
    if not items:
        raise ApiError(422, "invalid_body", "the array holds no events")
    if len(items) > MAX_BATCH:
        raise ApiError(422, "batch_too_large", f"a request carries at most {MAX_BATCH} events; this one has {len(items)}")
    try:
        # One call into pydantic for the whole batch; a per-item loop cost half as much again.
        events = _batch_of_events.validate_python(items)
    except ValidationError:
        _raise_problems(items, single)
        raise
    if any(event.type == "undo" and not event.target for event in events):
        _raise_problems(items, single)
    _check_people_named(events)
    return events, single


def _check_people_named(events: list[EventIn]) -> None:
    # Counting at most every name a request could hold is cheap, and far under the limit for
    # the batches senders send; only a request that could be over it has its texts parsed.
    most = 0
    for e in events:
        most += 2 if e.target and e.target.author else 1
        most += len(e.mentions) if e.mentions is not None else (e.text.count("@") if e.text else 0)
    if most <= MAX_PEOPLE:
        return
    named: set[str] = set()
    for e in events:
        named.add(e.actor.id)
        if e.target and e.target.author:
            named.add(e.target.author.id)
        if e.mentions is not None:
            named.update(m.lstrip("@") for m in e.mentions)
        elif e.text and "@" in e.text:
            named.update(parse_mentions(e.text))
    if len(named) > MAX_PEOPLE:
        raise ApiError(422, "too_many_people", f"a request names at most {MAX_PEOPLE:,} distinct people (actors, target "
                       f"authors and mentions, given or found in the text); this one names {len(named):,}: send the "
                       "events in smaller batches")


def _raise_problems(items: list, single: bool) -> None:
    """The careful path, for a batch known to hold a problem: each item on its own, so every
    problem is named with its index and field in words a sender can act on."""
    problems = []
    for index, item in enumerate(items):
        prefix = () if single else (index,)
        if not isinstance(item, dict):
            problems.append({"path": f"events[{index}]", "message": "each event is a JSON object"})
            continue
        try:
            event = EventIn.model_validate(item)
        except ValidationError as exc:
            problems.extend(issues_from_pydantic(exc, prefix=("events", *prefix) if not single else ()))
            continue
        if event.type == "undo" and not event.target:
            where = "target" if single else f"events[{index}].target"
            problems.append({"path": where, "message": "an undo names the event it reverses: target.id"})
    if problems:
        raise ApiError(422, "validation_error", f"{len(problems)} problem(s) in the events; nothing was stored", problems)


def store_events(events: list[Normalized]) -> IngestResult:
    """Store validated events in one transaction (a savepoint inside another one), or refuse them all."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _store(events)
        except IntegrityError:
            # Another request stored one of these ids meanwhile: look again, it is now a duplicate.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(events: list[Normalized]) -> IngestResult:
    rows = _select_in(Event, ("source_id", "content_hash", "scored_at"), [e.data.id for e in events])
    stored = {source_id: content_hash for source_id, content_hash, _ in rows}
    result, conflicts, fresh = IngestResult(), [], []
    seen_in_batch: dict[str, str] = {}
    for event in events:
        source_id = event.data.id
        earlier = stored.get(source_id, seen_in_batch.get(source_id))  # the content hash it was accepted with
        if earlier is None:
            seen_in_batch[source_id] = event.content_hash
            fresh.append(event)
            result.items.append({"id": source_id, "status": "accepted"})
        elif earlier == event.content_hash:
            result.items.append({"id": source_id, "status": "duplicate"})
        else:
            conflicts.append({"path": _path(event, "id"), "message": f"{source_id!r} was accepted before with other content"})
    if conflicts:
        raise ApiError(409, "conflict", "some events conflict with accepted ones; nothing was stored", conflicts)
    undo_problems = _check_undo_targets(fresh)
    if undo_problems:
        raise ApiError(422, "invalid_undo", "some undo events name no event they could reverse; nothing was stored", undo_problems)
    if not fresh:
        if any(scored_at is None for _, _, scored_at in rows):
            # A resend after a lost answer: the first request's commit may have landed without its
            # nudge to score (the connection broke after COMMIT), and nothing else would queue scoring.
            transaction.on_commit(enqueue_scoring)
        return result
    people = upsert_people(fresh)
    _insert_events(fresh, people)
    transaction.on_commit(enqueue_scoring)
    return result


def _insert_events(fresh: list[Normalized], people: dict[str, int]) -> None:
    """One executemany, in acceptance order: bulk_create built and prepared a model instance per
    event, most of a batch's time. Values are adapted by the database backend's own adapters, the
    ones the model's fields call, so JSON and times are stored exactly as the ORM stores them on
    every database; the fields' own checks around them are for values of any kind, and these are
    known already."""
    columns = ["source_id", "type", "occurred_at", "actor_id", "channel", "program", "target_id", "target_author_id",
               "text", "hashtags", "mentions", "attributes", "content_hash", "received_at", "scoring_note"]
    adapt_time, adapt_json = time_adapter(), connection.ops.adapt_json_value
    received = adapt_time(datetime.now(timezone.utc))
    # Most events carry no hashtags, mentions or attributes: adapt the empty values once.
    no_list, no_attributes = adapt_json([], None), adapt_json({}, None)
    rows = []
    for e in fresh:
        d = e.data
        target = d.target
        author = target.author if target else None
        rows.append((d.id, d.type, adapt_time(e.occurred_utc), people[d.actor.id], d.channel or "", d.program or "",
                     target.id if target else "", people[author.id] if author else None, d.text or "",
                     adapt_json(e.hashtags, None) if e.hashtags else no_list,
                     adapt_json(e.mentions, None) if e.mentions else no_list,
                     adapt_json(d.attributes, None) if d.attributes else no_attributes,
                     e.content_hash, received, ""))
    _insert_rows(Event, columns, rows)


# Values per IN list: far under SQLite's 32,766 and PostgreSQL's 65,535 query parameters, although
# a batch may name 100,000 people (1,000 events of 100 mentions each).
LOOKUP_CHUNK = 5000


def _insert_rows(model, columns: list[str], rows: list[tuple], conflict: OnConflict | None = None) -> None:
    """One executemany of a one-row INSERT. Not multi-row INSERTs: SQLite itself runs them a sixth
    faster, but Django's SQLite cursor rewrites every placeholder of the long statement with a
    regular expression, which costs the gain back. `conflict=OnConflict.IGNORE`
    skips rows whose unique key is taken."""
    ops = connection.ops
    suffix = ops.on_conflict_suffix_sql([], conflict, None, None) if conflict else ""
    sql = (f"{ops.insert_statement(on_conflict=conflict)} {ops.quote_name(model._meta.db_table)} "
           f"({', '.join(ops.quote_name(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
           + (" " + suffix if suffix else ""))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _select_in(model, columns: tuple[str, ...], keys: list) -> list[tuple]:
    """Rows of `model` whose first column is one of `keys`, as tuples of `columns`. Plain SQL: the
    ORM prepares each value of an IN list through the field, and takes about twice as long for 1,000
    keys (whole model instances five to ten times as long)."""
    ops = connection.ops
    names = [ops.quote_name(model._meta.get_field(c).column) for c in columns]
    head = f"SELECT {', '.join(names)} FROM {ops.quote_name(model._meta.db_table)} WHERE {names[0]} IN "
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", chunk)
            rows.extend(cursor.fetchall())
    return rows


def _path(event: Normalized, field_path: str) -> str:
    return field_path if event.index is None else f"events[{event.index}].{field_path}"


def _check_undo_targets(fresh: list[Normalized]) -> list[dict]:
    """An undo reverses an event accepted before it: stored already, or earlier in this batch."""
    undo_targets = [e.data.target.id for e in fresh if e.data.type == "undo"]
    if not undo_targets:
        return []
    known = dict(Event.objects.filter(source_id__in=undo_targets).values_list("source_id", "type"))
    problems = []
    for e in fresh:
        if e.data.type == "undo":
            target = e.data.target.id
            if target not in known:
                problems.append({"path": _path(e, "target.id"),
                                 "message": f"undo of {target!r}: no event with that id was accepted before this one"})
            elif known[target] == "undo":
                problems.append({"path": _path(e, "target.id"), "message": f"undo of {target!r}: an undo cannot be undone"})
        known.setdefault(e.data.id, e.data.type)
    return problems


def upsert_people(events: list[Normalized]) -> dict[str, int]:
    """Create the people these events name; refresh names and teams that were given (the last one
    given in the batch wins, each on its own). One query reads them all, one executemany creates
    the new ones. Returns each person's row id by key."""
    given: dict[str, tuple[str | None, str | None]] = {}  # key -> (name, team) given, None where none was
    for e in events:
        d = e.data
        refs = (d.actor, d.target.author) if d.target and d.target.author else (d.actor,)
        for ref in refs:
            if ref.name is None and ref.team is None:
                given.setdefault(ref.id, (None, None))
            else:
                name, team = given.get(ref.id, (None, None))
                given[ref.id] = (name if ref.name is None else ref.name, team if ref.team is None else ref.team)
        for key in e.mentions:
            given.setdefault(key, (None, None))
    columns = ("key", "id", "name", "team")
    found = {key: (pk, name, team) for key, pk, name, team in _select_in(Person, columns, list(given))}
    missing = [key for key in given if key not in found]
    if missing:
        _insert_people([(key, *given[key]) for key in missing])
        found.update((key, (pk, name, team)) for key, pk, name, team in _select_in(Person, columns, missing))
    changed = []
    for key, (given_name, given_team) in given.items():
        pk, name, team = found[key]
        new_name = name if given_name is None else given_name
        new_team = team if given_team is None else given_team
        if new_name != name or new_team != team:
            changed.append(Person(pk=pk, key=key, name=new_name, team=new_team))
    if changed:
        Person.objects.bulk_update(changed, ["name", "team"], batch_size=500)
    renamed = [p.key for p in changed] + missing
    if renamed:
        transaction.on_commit(lambda: _after_commit("drop cached names", lambda: forget_names(get_redis(), renamed)))
    return {key: row[0] for key, row in found.items()}


def _insert_people(people: list[tuple[str, str | None, str | None]]) -> None:
    """Insert (key, name, team) rows, skipping keys another request created meanwhile (the caller
    reads the ids back). The other columns get their fields' defaults, as bulk_create would
    give them, but prepared once for all rows rather than through a model instance per person."""
    now = datetime.now(timezone.utc)
    fields = [Person._meta.get_field(name) for name in ("key", "name", "team")]
    others = [f for f in Person._meta.concrete_fields if not f.primary_key and f not in fields]

    def default(f):
        value = now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) else f.get_default()
        return f.get_db_prep_save(value, connection)

    # A callable default (a uuid, say) gives each row its own value.
    constant = not any(f.has_default() and callable(f.default) for f in others)
    shared = tuple(default(f) for f in others) if constant else None
    rows = [(key, name or "", team or "", *(shared if constant else (default(f) for f in others)))
            for key, name, team in people]
    _insert_rows(Person, [f.column for f in fields + others], rows, conflict=OnConflict.IGNORE)



def _after_commit(what: str, action) -> None:
    """Redis work after the events are committed must not turn their acceptance into an error:
    the events are stored, and a worker starting or the serve relay scores pending events anyway."""
    try:
        action()
    except redis.RedisError as exc:
        log.warning("accepted events, but could not %s: %s", what, exc)
