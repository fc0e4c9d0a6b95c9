"""On SQLite a transaction waiting for the write lock gets it in the short pauses a busy writer
leaves (engine/sqlite_backend/base.py), as the scorer leaves them between batches while senders
are active: SQLite's own busy handler looks only every 100 ms once it has waited a while, and
missed such pauses for seconds."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection, transaction

from base.models import ScorerState

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single write lock only; "
                                "PostgreSQL writers wait on row locks and are woken at once")


def busy_writer(path: str, started: threading.Event, stop: threading.Event, hold: float, pause: float) -> None:
    """Another process's writer, as the scorer works a backlog: holds the lock, frees it briefly, again."""
    other = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        while not stop.is_set():
            other.execute("BEGIN IMMEDIATE")
            started.set()
            time.sleep(hold)
            other.execute("COMMIT")
            time.sleep(pause)
    finally:
        other.close()


def test_a_waiting_transaction_gets_in_between_a_busy_writers_batches(transactional_db):
    # given a writer that holds the lock 80 ms at a time with 5 ms pauses, for up to 5 s
    started, stop = threading.Event(), threading.Event()
    writer = threading.Thread(target=busy_writer, args=(connection.settings_dict["NAME"], started, stop, 0.08, 0.005))
    writer.start()
    try:
        assert started.wait(5)

        # when a transaction starts while the writer holds the lock
        began = time.monotonic()
        with transaction.atomic():
            waited = time.monotonic() - began
            ScorerState.objects.get_or_create(pk=1)
    finally:
        stop.set()
        writer.join()

    # then it got in at one of the first pauses, not after the writer was done
    assert waited < 1.0, f"waited {waited:.2f} s for the write lock"
