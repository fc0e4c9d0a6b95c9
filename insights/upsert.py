"""Batched writes of rollup rows: one INSERT .. ON CONFLICT per row, executed as a batch (the same SQL
on SQLite 3.24+ and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection


def add_counts(model, deltas: dict[tuple, Counter], key_fields: tuple[str, ...], columns: tuple[str, ...],
               conflict: tuple[str, ...] | None = None) -> None:
    """Add the deltas to the rows with these keys, creating the missing ones. `conflict`: the key fields
    of the unique constraint when the key holds more (ActivityDay's week and month follow from its day)."""
    rows = [(key, delta) for key, delta in deltas.items() if any(delta.values())]
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in map(connection.ops.quote_name, columns))
    params = [(*key, *(delta.get(c, 0) for c in columns)) for key, delta in rows]
    _execute(model, key_fields, columns, conflict or key_fields, updates, params)


def add_counts_returning(model, deltas: dict[tuple, Counter], key_fields: tuple[str, ...], columns: tuple[str, ...],
                         returned: tuple[str, ...]) -> dict[tuple, tuple]:
    """add_counts, answering the `returned` columns of each row after the addition: many rows per
    INSERT .. ON CONFLICT .. RETURNING (SQLite 3.35+, PostgreSQL), so a caller learns what the rows
    held before without reading them first."""
    rows = [(key, delta) for key, delta in deltas.items() if any(delta.values())]
    if not rows:
        return {}
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = [ops.quote_name(_column(model, f)) for f in (*key_fields, *columns)]
    keys = [ops.quote_name(_column(model, f)) for f in key_fields]
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in map(ops.quote_name, columns))
    placeholder = f"({', '.join(['%s'] * len(names))})"
    adapt = _adapter()
    by_key, params = {}, []
    for key, delta in rows:
        adapted = tuple(map(adapt, key))
        by_key[adapted] = key
        params.extend(adapted)
        params.extend(delta.get(c, 0) for c in columns)
    out = {}
    n, per_statement = len(keys), max(1, _max_params() // len(names))
    with connection.cursor() as cursor:
        for i in range(0, len(rows), per_statement):
            count = min(per_statement, len(rows) - i)
            cursor.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join([placeholder] * count)} "
                           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates} "
                           f"RETURNING {', '.join(keys)}, {', '.join(map(ops.quote_name, returned))}",
                           params[i * len(names):(i + count) * len(names)])
            for row in cursor.fetchall():
                out[by_key[tuple(map(adapt, row[:n]))]] = tuple(row[n:])
    return out


def _max_params() -> int:
    """Parameters one statement may carry: SQLite's compiled limit (32,766 since 3.32), PostgreSQL's 65,535."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return min(30_000, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 30_000


def _adapter():
    """value -> what the database driver takes: dates as the backend wants them (remembered, as a batch
    repeats a few dates many times), anything else as it is."""
    adapt_date, seen = connection.ops.adapt_datefield_value, {}

    def adapt(value):
        if type(value) is not date:
            return value
        if value not in seen:
            seen[value] = adapt_date(value)
        return seen[value]
    return adapt


def put(model, rows: dict[tuple, tuple], key_fields: tuple[str, ...], columns: tuple[str, ...]) -> None:
    """Set these columns of the rows with these keys, creating the missing ones."""
    if not rows:
        return
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in map(connection.ops.quote_name, columns))
    _execute(model, key_fields, columns, key_fields, updates, [(*key, *values) for key, values in rows.items()])


def _execute(model, key_fields, columns, conflict, updates: str, params: list[tuple]) -> None:
    ops = connection.ops
    quoted = [ops.quote_name(_column(model, f)) for f in (*key_fields, *columns)]
    sql = (f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({', '.join(quoted)}) "
           f"VALUES ({', '.join(['%s'] * len(quoted))}) "
           f"ON CONFLICT ({', '.join(ops.quote_name(_column(model, f)) for f in conflict)}) DO UPDATE SET {updates}")
    adapt = _adapter()
    adapted = [tuple(map(adapt, row)) for row in params]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)


def _column(model, field: str) -> str:
    return model._meta.get_field(field.removesuffix("_id")).column if field.endswith("_id") else field
