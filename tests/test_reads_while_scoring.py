"""Reads never wait on the scorer: authenticating a key records its last use only when that
does not wait for the database's write lock, which the scorer holds for a whole batch."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client

from base.api_keys import do_create_api_key
from base.models import ApiKey, Person, ScorerState

HOLD_SECONDS = 10
PROFILE = "/api/v1/people/ada"


def hold_the_scorer_lock(held: threading.Event, release: threading.Event) -> None:
    """What a scoring batch does first, in its own connection: bump the scorer lock row, then work."""
    try:
        with transaction.atomic():
            ScorerState.objects.filter(pk=1).update(last_batch=F("last_batch") + 1)
            held.set()
            release.wait(HOLD_SECONDS)
    finally:
        connection.close()


@pytest.fixture
def raw_key(transactional_db, redis):
    """A reader key never used, so its next request is due to record its use; and a profile to read."""
    ScorerState.objects.get_or_create(pk=1)
    Person.objects.create(key="ada", name="Ada")
    return do_create_api_key(name="dashboard", role="reader")[1]


@pytest.fixture
def scorer_lock_held(raw_key):
    held, release = threading.Event(), threading.Event()
    scorer = threading.Thread(target=hold_the_scorer_lock, args=(held, release))
    scorer.start()
    assert held.wait(5), "the scorer lock was not taken"
    try:
        yield release
    finally:
        release.set()
        scorer.join()


def test_a_read_answers_promptly_while_the_scorer_holds_its_lock(raw_key, scorer_lock_held):
    # given: a reader key never used, and a batch holding the lock
    raw, client = raw_key, Client()
    # when: it reads while a batch holds the lock
    began = time.monotonic()
    response = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    waited = time.monotonic() - began
    # then: it answers at once, not when the batch commits
    assert response.status_code == 200, response.content
    assert waited < 2, f"the read waited {waited:.1f} s for the scorer"


def test_the_last_use_is_recorded_once_the_lock_is_free(raw_key, scorer_lock_held):
    # given: a key used while the scorer held its lock
    raw, client = raw_key, Client()
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # when: the batch commits and the key is used again
    scorer_lock_held.set()
    began = time.monotonic()
    while ApiKey.objects.get(name="dashboard").last_used_at is None and time.monotonic() - began < 5:
        assert client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # then: its last use is recorded
    assert ApiKey.objects.get(name="dashboard").last_used_at is not None
