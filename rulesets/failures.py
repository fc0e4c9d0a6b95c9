"""Where CEL expressions failed on events, per ruleset version: kept in Redis for the admin API.

The scorer counts failures in memory (rules.core.conditions.ExpressionFailures) and adds each
batch's new ones here, so every web process can show them.
"""

from __future__ import annotations

import redis

from . import keys


def record(r: redis.Redis, version: int, new: dict[str, int], last_error: dict[str, str]) -> None:
    if not new:
        return
    pipe = r.pipeline(transaction=True)
    for owner, count in new.items():
        pipe.hincrby(keys.expression_failures(version), owner, count)
        pipe.hset(keys.expression_last_error(version), owner, last_error.get(owner, "")[:500])
    pipe.execute()


def read(r: redis.Redis, version: int) -> list[dict]:
    counts = r.hgetall(keys.expression_failures(version))
    errors = r.hgetall(keys.expression_last_error(version))
    return sorted(({"owner": k.decode(), "failures": int(v), "last_error": errors.get(k, b"").decode()}
                   for k, v in counts.items()), key=lambda row: (-row["failures"], row["owner"]))
