"""Accepting events: validate, normalise, store idempotently. Scoring happens later, in order."""

from __future__ import annotations

import hashlib
import logging
import json
from dataclasses import dataclass, field
from typing import Any

import redis
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from pydantic import ValidationError

from rules.core.eventschema import EventDoc, PersonDoc
from rules.core.textparse import HASHTAG, MENTION, parse_hashtags, parse_mentions  # noqa: F401  (shared with rule tests)

from leaderboards.names import forget as forget_names

from .errors import ApiError, issues_from_pydantic
from .models import Event, Person
from .redis import get_redis

log = logging.getLogger(__name__)

MAX_BATCH = 1000
# The event format is the rules core's, so rule tests accept exactly what ingest accepts.
EventIn, PersonIn = EventDoc, PersonDoc


@dataclass
class Normalized:
    data: EventIn
    hashtags: list[str]
    mentions: list[str]
    content_hash: str
    index: int | None = None  # position in the request's array, for error paths; None for a lone event


def normalize(item: EventIn, index: int | None = None) -> Normalized:
    text = item.text or ""
    hashtags = [t.lstrip("#") for t in item.hashtags] if item.hashtags is not None else parse_hashtags(text)
    mentions = [m.lstrip("@") for m in item.mentions] if item.mentions is not None else parse_mentions(text)
    canonical = item.model_dump(mode="json", exclude_none=True)
    canonical["occurred_at"] = item.occurred_at.timestamp()
    canonical["hashtags"], canonical["mentions"] = hashtags, mentions
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return Normalized(item, hashtags, mentions, digest, index)


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
    single = isinstance(raw, dict)
    items = [raw] if single else raw
    if not isinstance(items, list):
        raise ApiError(422, "invalid_body", "send one event object or a JSON array of events")
    if not items:
        raise ApiError(422, "invalid_body", "the array holds no events")
    if len(items) > MAX_BATCH:
        raise ApiError(422, "batch_too_large", f"a request carries at most {MAX_BATCH} events; this one has {len(items)}")
    problems, normalized = [], []
    for index, item in enumerate(items):
        prefix = () if single else (index,)
        try:
            if not isinstance(item, dict):
                raise ApiError(422, "invalid_body", "")
            event = EventIn.model_validate(item)
        except ValidationError as exc:
            problems.extend(issues_from_pydantic(exc, prefix=("events", *prefix) if not single else ()))
            continue
        except ApiError:
            problems.append({"path": f"events[{index}]", "message": "each event is a JSON object"})
            continue
        if event.type == "undo" and not event.target:
            where = "target" if single else f"events[{index}].target"
            problems.append({"path": where, "message": "an undo names the event it reverses: target.id"})
            continue
        normalized.append(normalize(event, None if single else index))
    if problems:
        raise ApiError(422, "validation_error", f"{len(problems)} problem(s) in the events; nothing was stored", problems)
    return normalized


def do_accept_events(raw: Any) -> IngestResult:
    """Validate and store a batch atomically; duplicates are acknowledged, conflicts refuse the batch."""
    events = validate_events(raw)
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
    ids = [e.data.id for e in events]
    stored = {e.source_id: e for e in Event.objects.filter(source_id__in=ids).only("source_id", "content_hash", "type")}
    result, conflicts, fresh = IngestResult(), [], []
    seen_in_batch: dict[str, Normalized] = {}
    for event in events:
        source_id = event.data.id
        earlier = stored.get(source_id) or seen_in_batch.get(source_id)
        if earlier is None:
            seen_in_batch[source_id] = event
            fresh.append(event)
            result.items.append({"id": source_id, "status": "accepted"})
        elif earlier.content_hash == event.content_hash:
            result.items.append({"id": source_id, "status": "duplicate"})
        else:
            conflicts.append({"path": _path(event, "id"), "message": f"{source_id!r} was accepted before with other content"})
    if conflicts:
        raise ApiError(409, "conflict", "some events conflict with accepted ones; nothing was stored", conflicts)
    undo_problems = _check_undo_targets(fresh)
    if undo_problems:
        raise ApiError(422, "invalid_undo", "some undo events name no event they could reverse; nothing was stored", undo_problems)
    if not fresh:
        return result
    people = upsert_people(fresh)
    _insert_events(fresh, people)
    transaction.on_commit(_enqueue_scoring)
    return result


def _insert_events(fresh: list[Normalized], people: dict[str, Person]) -> None:
    """One executemany of one INSERT, in acceptance order: bulk_create built and prepared a model
    instance per event, most of a batch's time. Values are prepared by the fields themselves, so
    JSON and times are stored exactly as the ORM stores them on every database."""
    field = Event._meta.get_field
    columns = ["source_id", "type", "occurred_at", "actor_id", "channel", "program", "target_id", "target_author_id",
               "text", "hashtags", "mentions", "attributes", "content_hash", "received_at", "scoring_note"]
    stamp, as_json = field("occurred_at"), field("hashtags")
    received = stamp.get_db_prep_save(timezone.now(), connection)
    rows = []
    for e in fresh:
        d = e.data
        author = d.target.author if d.target else None
        rows.append((d.id, d.type, stamp.get_db_prep_save(d.occurred_at, connection), people[d.actor.id].id,
                     d.channel or "", d.program or "", d.target.id if d.target else "",
                     people[author.id].id if author else None, d.text or "",
                     as_json.get_db_prep_save(e.hashtags, connection), as_json.get_db_prep_save(e.mentions, connection),
                     as_json.get_db_prep_save(d.attributes or {}, connection), e.content_hash, received, ""))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {Event._meta.db_table} ({', '.join(columns)}) "
                           f"VALUES ({', '.join(['%s'] * len(columns))})", rows)


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


def upsert_people(events: list[Normalized]) -> dict[str, Person]:
    """Create the people these events name; refresh names and teams that were given."""
    given: dict[str, PersonIn] = {}
    for e in events:
        refs = [e.data.actor] + ([e.data.target.author] if e.data.target and e.data.target.author else [])
        for ref in refs:
            if ref.name is not None or ref.team is not None or ref.id not in given:
                given[ref.id] = ref
        for key in e.mentions:
            given.setdefault(key, PersonIn(id=key))
    existing = {p.key: p for p in Person.objects.filter(key__in=list(given))}
    missing = [Person(key=k, name=ref.name or "", team=ref.team or "") for k, ref in given.items() if k not in existing]
    if missing:
        Person.objects.bulk_create(missing, ignore_conflicts=True, batch_size=500)
        existing.update({p.key: p for p in Person.objects.filter(key__in=[p.key for p in missing])})
    changed = []
    for key, ref in given.items():
        person = existing[key]
        updated = False
        if ref.name is not None and ref.name != person.name:
            person.name, updated = ref.name, True
        if ref.team is not None and ref.team != person.team:
            person.team, updated = ref.team, True
        if updated:
            changed.append(person)
    if changed:
        Person.objects.bulk_update(changed, ["name", "team"], batch_size=500)
    renamed = [p.key for p in changed] + [p.key for p in missing]
    if renamed:
        transaction.on_commit(lambda: _after_commit("drop cached names", lambda: forget_names(get_redis(), renamed)))
    return existing


def _enqueue_scoring() -> None:
    from .jobs import enqueue_scoring

    enqueue_scoring()


def _after_commit(what: str, action) -> None:
    """Redis work after the events are committed must not turn their acceptance into an error:
    the events are stored, and a worker starting or the serve relay scores pending events anyway."""
    try:
        action()
    except redis.RedisError as exc:
        log.warning("accepted events, but could not %s: %s", what, exc)
