"""Which events an integration key may send: its sources, as event id prefixes such as `lms:`.

An integration key with sources writes only events whose id starts with one of them, and undoes only
events it could have sent (the undo's target id starts with one of them too). So the LMS's key can
neither undo a Slack post nor claim a Slack event id before Slack's signed message arrives. Admin
keys, and integration keys without sources (issued before keys had them, or on purpose with none),
send any id. The built-in adapters write under their own prefixes (`slack:`, `teams:`, `viva:`, `xapi:`).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .errors import ApiError, Invalid

# A prefix is one or more names, each ending with a colon, as event ids are built: `lms:`, `slack:T024:`.
SOURCE = re.compile(r"^(?:[A-Za-z0-9_.-]+:)+$")
MAX_SOURCE_LENGTH = 100


def clean_sources(role: str, sources: Iterable[str]) -> list[str]:
    """The prefixes to store, each ending with `:` (`lms` becomes `lms:`), in order, once each."""
    cleaned: list[str] = []
    for source in sources:
        prefix = source.strip()
        prefix = prefix if prefix.endswith(":") else prefix + ":"
        if not SOURCE.match(prefix) or len(prefix) > MAX_SOURCE_LENGTH:
            raise Invalid("invalid_source", f"source {source!r} is not an event id prefix: give letters, digits, "
                          f"'_', '.' or '-' ending with ':', like lms: (at most {MAX_SOURCE_LENGTH} characters)")
        if prefix not in cleaned:
            cleaned.append(prefix)
    if cleaned and role != "integration":
        raise Invalid("invalid_source", f"only integration keys have sources; a {role} key sends any event id it may send")
    return cleaned


def check_sources(key, raw: Any) -> None:
    """403 `source_not_allowed`, naming each event, when an integration key with sources sends an
    event id outside them or undoes an event outside them. Items that are not events are left to
    validation, which names them."""
    if key.role != "integration" or not key.sources:
        return
    sources = tuple(key.sources)
    items = [(None, raw)] if isinstance(raw, dict) else list(enumerate(raw)) if isinstance(raw, list) else []
    problems = []
    for index, item in items:
        if not isinstance(item, dict):
            continue
        where = "" if index is None else f"events[{index}]."
        event_id = item.get("id")
        if isinstance(event_id, str) and not event_id.startswith(sources):
            problems.append({"path": f"{where}id", "message": f"{event_id!r} does not start with this key's "
                             f"source{'s' if len(sources) > 1 else ''} {', '.join(sources)}"})
        target = item.get("target")
        target_id = target.get("id") if isinstance(target, dict) else None
        if item.get("type") == "undo" and isinstance(target_id, str) and not target_id.startswith(sources):
            problems.append({"path": f"{where}target.id", "message": f"this key undoes only events of its sources "
                             f"({', '.join(sources)}); {target_id!r} is not one of them"})
    if problems:
        raise ApiError(403, "source_not_allowed", f"{len(problems)} event id(s) outside the sources of key "
                       f"{key.name!r} ({', '.join(sources)}); nothing was stored", problems)
