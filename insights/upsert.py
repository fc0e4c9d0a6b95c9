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
    adapted = [tuple(ops.adapt_datefield_value(v) if isinstance(v, date) else v for v in row) for row in params]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)


def _column(model, field: str) -> str:
    return model._meta.get_field(field.removesuffix("_id")).column if field.endswith("_id") else field
