"""A MULTI of board commands sent to Redis now and its answer read later, so the scorer writes its
ledger while Redis works (store.send_changes)."""

from __future__ import annotations

import redis


class SentWrite:
    """One MULTI of board commands sent to Redis, its answer read by finish() (or dropped by abandon()).

    The connection is held until then, so nothing else is sent on it in between."""

    def __init__(self, r: redis.Redis | None, commands: list[tuple], changed: int):
        self.changed = changed
        self._pool = self._connection = None
        self._count = len(commands)
        if r is not None and commands:
            self._pool = r.connection_pool
            self._connection = self._pool.get_connection()
            try:
                self._connection.send_packed_command(self._connection.pack_commands([("MULTI",), *commands, ("EXEC",)]))
            except BaseException:
                self.abandon()
                raise

    def finish(self) -> int:
        """Wait for Redis's answer; raises if any command failed."""
        if self._connection is None:
            return self.changed
        connection, self._connection = self._connection, None
        try:
            connection.read_response()  # MULTI's OK
            queued = [_answer(connection) for _ in range(self._count)]
            results = connection.read_response()  # EXEC's list; raises ExecAbortError if a command was refused
        except BaseException:
            connection.disconnect()  # answers may be left unread on it
            raise
        finally:
            self._pool.release(connection)
        for answer in (*queued, *(results or ())):
            if isinstance(answer, Exception):
                raise answer
        return self.changed

    def abandon(self) -> None:
        """Give the connection back without reading (the scorer failed before it needed the answer)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.disconnect()
            self._pool.release(connection)


def _answer(connection):
    try:
        return connection.read_response()
    except redis.exceptions.ResponseError as error:
        return error
