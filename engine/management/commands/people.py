"""`manage.py people import FILE`: a people directory from CSV or JSON, in one transaction.

CSV columns: id, name, email, team, role, aliases (`source=id` pairs separated by spaces, e.g.
`slack=T01:U042 teams=29:1abc`). JSON: a list of objects shaped like `PUT /api/v1/people/{id}`
with an `id`. Every row is checked first; a problem anywhere stores nothing.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from base.errors import ApiError
from engine.integrations.identity import do_put_person
from base.models import Person
from engine.people import do_update_person


def read_rows(path: Path) -> list[tuple[int, dict]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = []
            for line, row in enumerate(csv.DictReader(handle), start=2):
                aliases = []
                for pair in (row.get("aliases") or "").split():
                    source, _, external_id = pair.partition("=")
                    aliases.append({"source": source, "id": external_id})
                rows.append((line, {k: (row.get(k) or None) for k in ("id", "name", "email", "team", "role")}
                             | {"aliases": aliases}))
            return rows
    items = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise CommandError("a JSON directory is a list of people objects")
    return [(n, item) for n, item in enumerate(items, start=1)]


# What the database holds (engine/models.py): longer text is refused here, before anything is stored.
LIMITS = {"name": 200, "team": 100, "role": 100, "email": 200}


def problems_in(rows: list[tuple[int, dict]]) -> list[str]:
    found, seen = [], set()
    for where, row in rows:
        if not isinstance(row, dict):
            found.append(f"{where}: each person is an object")
            continue
        key = row.get("id")
        if not isinstance(key, str) or not 1 <= len(key) <= 200:
            found.append(f"{where}: `id` is required, 1 to 200 characters")
        elif key in seen:
            found.append(f"{where}: {key!r} is listed twice")
        seen.add(key)
        for field, limit in LIMITS.items():
            value = row.get(field)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                found.append(f"{where}: `{field}` is text of at most {limit} characters")
        for alias in row.get("aliases") or []:
            if not isinstance(alias, dict) or not alias.get("source") or not alias.get("id"):
                found.append(f"{where}: an alias needs `source` and `id` (CSV: source=id)")
            elif len(str(alias["source"])) > 32 or len(str(alias["id"])) > 200:
                found.append(f"{where}: an alias's source is at most 32 characters and its id at most 200")
    return found


class Command(BaseCommand):
    help = "People directory: `people import FILE` (CSV or JSON) records names, teams, roles, emails and aliases."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("import", help="import a CSV or JSON directory").add_argument("file")

    def handle(self, *args, action, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            rows = read_rows(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} cannot be read: {exc}") from None
        problems = problems_in(rows)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was stored:\n" + "\n".join(problems))
        with transaction.atomic():
            for where, row in rows:
                try:
                    person = do_put_person(row["id"], name=row.get("name"), team=row.get("team"), email=row.get("email"),
                                           aliases=[(a["source"], a["id"]) for a in row.get("aliases") or []])
                except ApiError as exc:
                    raise CommandError(f"{where}: {exc.message}; nothing was stored") from None
                if row.get("role") is not None:
                    do_update_person(person, role=row["role"])
        self.stdout.write(f"{len(rows)} people in the directory; {Person.objects.count()} people known in all")
