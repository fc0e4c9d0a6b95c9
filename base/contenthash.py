"""The content hash that tells a duplicate (same id, same content) from a conflict (same id, other content).

Equal content gives equal hashes however it was written: an actor as `"ana"` or `{"id": "ana"}`,
fields left out or sent as null, the same instant with another offset, hashtags with or without
`#`, hashtags and mentions listed or parsed from the text, attributes in any key order.

The hash is SHA-256 over the event's canonical JSON: the event as pydantic dumps it in JSON mode
without nulls, `occurred_at` as a Unix timestamp, the normalised hashtags and mentions, keys
sorted at every level, no spaces, ASCII only. Stored rows carry hashes of exactly that text, so
it must never change. The text is written field by field, in the sorted key order, with the same
string and number encoders `json.dumps` uses: the same text `model_dump` and
`json.dumps(sort_keys=True)` give, at about half the cost. Only `attributes` (free-form) goes
through a dump and `json.dumps`. tests/test_ingest_hash.py checks that the two ways agree.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from pydantic import TypeAdapter

from rules.core.eventschema import EventDoc, PersonDoc

_attributes_json = TypeAdapter(dict[str, Any]).dump_python  # the model's own JSON-mode dump of the field
_sorted_json = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def content_hash(event: EventDoc, hashtags: list[str], mentions: list[str], occurred_at: datetime | None = None) -> str:
    """`occurred_at`: the event's instant in any zone, if the caller holds it in UTC already (a
    datetime in pydantic's own zone type costs twice as much to read)."""
    # Keys in sorted order: actor, attributes, channel, hashtags, id, mentions, occurred_at,
    # program, target, text, type.
    parts = ['{"actor":', _person(event.actor)]
    if event.attributes is not None:
        parts += [',"attributes":', _sorted_json(_attributes_json(event.attributes, mode="json"))]
    if event.channel is not None:
        parts += [',"channel":', _quote(event.channel)]
    parts += [',"hashtags":', _strings(hashtags), ',"id":', _quote(event.id), ',"mentions":', _strings(mentions),
              ',"occurred_at":', float.__repr__((occurred_at or event.occurred_at).timestamp())]
    if event.program is not None:
        parts += [',"program":', _quote(event.program)]
    target = event.target
    if target is not None:
        parts += [',"target":{"author":', _person(target.author), ',"id":'] if target.author is not None else [',"target":{"id":']
        parts += [_quote(target.id), "}"]
    if event.text is not None:
        parts += [',"text":', _quote(event.text)]
    parts += [',"type":', _quote(event.type), "}"]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def _person(person: PersonDoc) -> str:
    text = '{"id":' + _quote(person.id)
    if person.name is not None:
        text += ',"name":' + _quote(person.name)
    if person.team is not None:
        text += ',"team":' + _quote(person.team)
    return text + "}"


def _strings(values: list[str]) -> str:
    return "[" + ",".join(map(_quote, values)) + "]" if values else "[]"
