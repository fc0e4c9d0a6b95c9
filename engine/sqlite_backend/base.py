"""Django's SQLite backend, waiting for the write lock in short steps.

Transactions start with BEGIN IMMEDIATE (engine/settings.py), so a writer waits for the database's
one write lock there. SQLite's own busy handler sleeps 1, 2, 5, 10 ... ms between tries and then
100 ms, so a writer that has waited a quarter of a second looks again only every 100 ms. The
scorer working a backlog holds the lock for a batch at a time and leaves it free for a few
milliseconds between batches while senders are active (engine/scoring.py): a waiter looking every
100 ms rarely hits that moment, and a 1,000-event POST waited up to 1.9 s behind the scorer
(docs/operations.md). Here BEGIN IMMEDIATE is tried without SQLite's handler, and again every
millisecond until the connection's timeout, so a waiter gets the lock in the scorer's next pause.

Statements outside a transaction (autocommit) keep SQLite's handler and the same timeout.
"""

from __future__ import annotations

import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

RETRY_SECONDS = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self):
        if self.transaction_mode is None:  # a deferred BEGIN takes no lock, so has nothing to wait for
            return super()._start_transaction_under_autocommit()
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        raw = self.connection
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.cursor().execute(f"BEGIN {self.transaction_mode}")
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(RETRY_SECONDS)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
