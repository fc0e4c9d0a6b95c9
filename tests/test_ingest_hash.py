"""The content hash must not change: stored events carry it, and a re-sent event is told a duplicate
(same hash) or a conflict (another hash) by comparing with the stored one. It is now written field
by field; these tests hold it to the text it was always made from (model_dump + sorted json.dumps)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from base.contenthash import content_hash
from base.ingest import EventIn, normalize


def hash_as_first_made(item: EventIn, hashtags: list[str], mentions: list[str]) -> str:
    """The definition the stored rows were made with (engine/ingest.py before the batch path)."""
    canonical = item.model_dump(mode="json", exclude_none=True)
    canonical["occurred_at"] = item.occurred_at.timestamp()
    canonical["hashtags"], canonical["mentions"] = hashtags, mentions
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# An event and the digest the code before the change gave it (computed with that code): a
# constant, so that a change of both ways at once is still caught.
STORED_BEFORE = ({"id": "slack:T01:C42:1700000000.000100", "type": "comment", "occurred_at": "2026-11-28T10:15:00+01:00",
                  "actor": {"id": "ana@example.com", "name": "Ana Ruiz", "team": "Data"}, "channel": "learning-python",
                  "program": "data-academy", "target": {"id": "post-77", "author": "bob@example.com"},
                  "text": "Great walkthrough! #SocialLearning thanks @carol@example.com",
                  "attributes": {"score": 92, "b": [1, 2.5, None, True], "a": {"z": "é", "y": "\u2603"}}},
                 "f6e40f3dd4dd203a41ba8b8c6d020f697d8493f13fade55133b583c5f5d99780")


def test_a_known_event_keeps_the_digest_its_stored_row_holds():
    # given
    raw, digest = STORED_BEFORE
    # when
    normalized = normalize(EventIn.model_validate(raw))
    # then
    assert normalized.content_hash == digest
    assert hash_as_first_made(normalized.data, normalized.hashtags, normalized.mentions) == digest


text = st.text(max_size=40)
ident = st.text(min_size=1, max_size=30)
person = st.one_of(ident, st.fixed_dictionaries({"id": ident}, optional={"name": st.one_of(st.none(), text),
                                                                         "team": st.one_of(st.none(), text)}))
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                      st.floats(allow_nan=False, allow_infinity=False), text)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(text, inner, max_size=4)), max_leaves=12)
offsets = st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
events = st.fixed_dictionaries(
    {"id": ident, "type": st.from_regex(r"[A-Za-z0-9_.:-]{1,20}", fullmatch=True), "actor": person,
     "occurred_at": st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(8999, 1, 1), timezones=offsets)},
    optional={"channel": st.one_of(st.none(), text), "program": st.one_of(st.none(), text), "text": st.one_of(st.none(), text),
              "target": st.one_of(st.none(), st.fixed_dictionaries({"id": ident}, optional={"author": st.one_of(st.none(), person)})),
              "hashtags": st.one_of(st.none(), st.lists(st.text(min_size=1, max_size=10), max_size=4)),
              "mentions": st.one_of(st.none(), st.lists(ident, max_size=4)),
              "attributes": st.one_of(st.none(), st.dictionaries(text, json_value, max_size=5))})


@settings(max_examples=400, deadline=None)
@given(events)
def test_any_event_hashes_as_it_always_did(raw):
    # given any valid event (attributes over 4 KB are refused, so not hashed)
    try:
        item = EventIn.model_validate(raw)
    except ValueError:
        return
    # when
    normalized = normalize(item)
    # then
    assert normalized.content_hash == hash_as_first_made(item, normalized.hashtags, normalized.mentions)


@pytest.mark.parametrize("attributes", [
    {"big": 10 ** 40, "neg": -0.0, "tiny": 5e-324, "exp": 1e21},
    {"t": (1, "two"), "nested": {"b": {"d": 1, "c": 2}, "a": []}},
    # NUL and lone surrogates are refused at validation (tests/test_hostile_ingest.py)
    {"ctrl": "\x01\x1f\"\\/", "astral": "\U0001f600"},
])
def test_unusual_attribute_values_hash_as_they_always_did(attributes):
    # given values JSON allows at the edges, and what Python callers (importer, adapters) may pass
    item = EventIn.model_validate({"id": "e", "type": "post", "occurred_at": "2026-11-28T10:15:00.123456+01:00",
                                   "actor": "ana", "attributes": attributes})
    # when
    digest = content_hash(item, [], [])
    # then
    assert digest == hash_as_first_made(item, [], [])
