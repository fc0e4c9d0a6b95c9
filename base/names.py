"""Display names for board pages, cached in one Redis hash so a page costs no database query.

Cache-aside: a miss reads the database and fills the hash; whoever changes a name drops its
entry (ingest and PATCH /people do, after their transaction commits).
"""

from __future__ import annotations

from typing import Iterable

import redis

from . import keys
from .models import Person


def names_for(r: redis.Redis, people: list[str]) -> dict[str, str]:
    if not people:
        return {}
    cached = r.hmget(keys.NAMES, people)
    found = {p: n.decode() for p, n in zip(people, cached) if n is not None}
    missing = [p for p in people if p not in found]
    if missing:
        loaded = {key: name or key for key, name in Person.objects.filter(key__in=missing).values_list("key", "name")}
        # Someone not known (yet) is shown by id; creating them drops this entry, as a rename does.
        loaded.update({key: key for key in missing if key not in loaded})
        r.hset(keys.NAMES, mapping=loaded)
        found.update(loaded)
    return found


def forget(r: redis.Redis, people: Iterable[str]) -> None:
    people = list(people)
    if people:
        r.hdel(keys.NAMES, *people)
