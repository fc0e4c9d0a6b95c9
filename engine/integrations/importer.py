"""Bulk import of contract events (section 2) from JSONL or CSV.

Parsing and checking only: a function per format turns a file into (line number, event dict) pairs
plus problems, and `check_events` finds what `do_accept_events` would refuse later, so a bad line
is reported before anything is stored instead of half-way through an import. Storing is the
command's job, in batches through `do_accept_events`; ids make a re-run (or a resume after a
crash) store nothing twice.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterable

from base.errors import ApiError
from base.ingest import validate_events
from base.models import Event

CSV_COLUMNS = ["id", "type", "occurred_at", "actor", "actor_name", "actor_team", "channel", "program",
               "target_id", "target_author", "text"]
CSV_REQUIRED = {"id", "type", "occurred_at", "actor"}


@dataclass
class Problem:
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.path}: {self.message}" if self.path else f"line {self.line}: {self.message}"


Parsed = tuple[list[tuple[int, dict]], list[Problem]]


def read_jsonl(lines: Iterable[str]) -> Parsed:
    """One event object per line; blank lines are skipped."""
    events, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(number, "", f"not valid JSON: {exc}"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(number, "", "each line holds one event object"))
            continue
        events.append((number, item))
    return events, problems


def read_csv(text: str) -> Parsed:
    """A header row of CSV_COLUMNS (any order, required ones present); empty cells are absent fields."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))  # Excel writes a BOM
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    missing = sorted(CSV_REQUIRED - set(header))
    if unknown or missing:
        message = "; ".join(filter(None, [f"unknown column(s) {', '.join(unknown)}" if unknown else "",
                                          f"missing column(s) {', '.join(missing)}" if missing else ""]))
        return [], [Problem(1, "header", f"{message}; the columns are {','.join(CSV_COLUMNS)}")]
    events, problems = [], []
    for row in reader:
        number = reader.line_num  # the physical line where this record ends (quoted text may span lines)
        if None in row:
            problems.append(Problem(number, "", f"more cells than the {len(header)} columns of the header"))
            continue
        cells = {k: v for k, v in row.items() if v not in (None, "")}
        if not cells:
            continue
        events.append((number, _event_from_cells(cells)))
    return events, problems


def _event_from_cells(cells: dict[str, str]) -> dict:
    event: dict[str, Any] = {k: cells[k] for k in ("id", "type", "occurred_at", "channel", "program", "text") if k in cells}
    if "actor" in cells:
        actor: dict[str, Any] = {"id": cells["actor"]}
        if "actor_name" in cells:
            actor["name"] = cells["actor_name"]
        if "actor_team" in cells:
            actor["team"] = cells["actor_team"]
        event["actor"] = actor
    if "target_id" in cells:
        event["target"] = {"id": cells["target_id"], **({"author": cells["target_author"]} if "target_author" in cells else {})}
    elif "target_author" in cells:
        event["target"] = {"author": cells["target_author"]}  # reported as target.id missing
    return event


def read_file(path: str, fmt: str) -> Parsed:
    with open(path, encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            return read_csv(handle.read())
        return read_jsonl(handle)


def check_events(events: list[tuple[int, dict]]) -> list[Problem]:
    """Everything do_accept_events would refuse, by line: the schema, an id reused with other
    content (in the file or already stored), an undo of an event neither stored nor earlier in the file."""
    problems, first_seen, hashes = [], {}, {}
    for number, item in events:
        try:
            [normalized] = validate_events(item)
        except ApiError as exc:
            problems.extend(Problem(number, d["path"], d["message"]) for d in exc.details or [{"path": "", "message": exc.message}])
            continue
        event_id = normalized.data.id
        if event_id in hashes and hashes[event_id] != normalized.content_hash:
            problems.append(Problem(number, "id", f"{event_id!r} is used on line {first_seen[event_id]} with other content"))
            continue
        first_seen.setdefault(event_id, number)
        hashes[event_id] = normalized.content_hash
    if problems:
        return problems
    ids = list(hashes)
    stored = {}
    for start in range(0, len(ids), 900):  # SQLite's limit on query parameters
        stored.update(Event.objects.filter(source_id__in=ids[start:start + 900]).values_list("source_id", "content_hash"))
    for event_id, content_hash in hashes.items():
        if event_id in stored and stored[event_id] != content_hash:
            problems.append(Problem(first_seen[event_id], "id", f"{event_id!r} was accepted before with other content"))
    undo_targets = [item["target"]["id"] for _, item in events if item.get("type") == "undo"]
    if undo_targets:
        known = set(Event.objects.filter(source_id__in=undo_targets).values_list("source_id", flat=True))
        seen = set()
        for number, item in events:
            if item.get("type") == "undo" and item["target"]["id"] not in known | seen:
                problems.append(Problem(number, "target.id", f"undo of {item['target']['id']!r}: no such event stored or earlier in the file"))
            seen.add(item["id"])
    return sorted(problems, key=lambda p: p.line)
