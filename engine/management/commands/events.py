"""`manage.py events import FILE`: contract events from JSONL or CSV, all checked before any is stored.
`manage.py events export`: the event log as contract JSONL, in acceptance order."""

import json
import sys
from datetime import date, datetime, time, timezone
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.progress import Progress

from base.accept import do_accept_events
from base.inbox import catch_up
from base.ingest import MAX_BATCH
from base.models import Event
from base.redis import embedded_redis
from engine.integrations.importer import check_events, read_file
from notifications.backfill import mark_backfilled


class Command(BaseCommand):
    help = ("`import FILE`: contract events from a JSONL or CSV file. Every line is checked first; any problem is "
            "reported with its line number and nothing is stored. Re-running (or resuming after a crash) stores "
            "nothing twice. `export`: the event log as JSONL, in acceptance order.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="import a JSONL or CSV file of events")
        importing.add_argument("file")
        importing.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file's extension")
        importing.add_argument("--batch", type=int, default=MAX_BATCH, help=f"events per transaction (1..{MAX_BATCH})")
        importing.add_argument("--announce", action="store_true",
                               help="let badges and levels these events earn be announced (a backfill announces nothing by default)")
        exporting = sub.add_parser("export", help="write the event log as JSONL")
        exporting.add_argument("--output", "-o", default="-", help="a file (default: standard output)")
        exporting.add_argument("--since", default=None, help="only events that occurred from this date on (UTC)")

    def handle(self, *args, action, **options):
        if action == "import":
            self._import(options["file"], options["format"], options["batch"], options["announce"])
        else:
            self._export(options["output"], options["since"])

    def _export(self, output: str, since: str | None) -> None:
        catch_up()  # events of batches received with respond-async belong in the log too
        events = Event.objects.select_related("actor", "target_author").order_by("seq")
        if since:
            try:
                start = datetime.combine(date.fromisoformat(since), time.min, tzinfo=timezone.utc)
            except ValueError:
                raise CommandError(f"--since takes a date like 2026-11-01, not {since!r}") from None
            events = events.filter(occurred_at__gte=start)
        stream = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")
        count = 0
        try:
            for event in events.iterator(chunk_size=2000):
                stream.write(json.dumps(contract_event(event), ensure_ascii=False) + "\n")
                count += 1
        finally:
            if stream is not sys.stdout:
                stream.close()
        self.stderr.write(f"exported {count} event(s)")

    def _import(self, file: str, format: str | None, batch: int, announce: bool = False) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        if not 1 <= batch <= MAX_BATCH:
            raise CommandError(f"--batch is between 1 and {MAX_BATCH}")
        fmt = format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        try:
            events, problems = read_file(str(path), fmt)
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8: {exc}") from None
        # Every bad line at once, in file order: a fix-and-retry loop per line would be tedious.
        problems = sorted(problems + check_events(events), key=lambda p: p.line)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was stored")
        accepted = duplicates = 0
        items = [item for _, item in events]
        # Accepting touches Redis (the scoring nudge, cached names): a private one when REDIS_URL is unset;
        # the events stay pending in the database, so a later worker scores them either way.
        with embedded_redis(), Progress() as progress:
            task = progress.add_task(f"Importing {path.name}", total=len(items))
            for start in range(0, len(items), batch):
                # Each batch is one transaction: a crash loses at most the batch in flight, and a re-run
                # acknowledges what was stored as duplicates.
                with transaction.atomic():  # the backfill marks commit with the events, before any scoring
                    result = do_accept_events(items[start:start + batch])
                    if not announce:
                        mark_backfilled([i["id"] for i in result.items if i["status"] == "accepted"])
                accepted, duplicates = accepted + result.accepted, duplicates + result.duplicates
                progress.advance(task, len(result.items))
        self.stdout.write(f"{accepted} accepted, {duplicates} already stored, from {len(items)} event(s) in {file}")


def contract_event(event) -> dict:
    """An event as the contract's JSON; importing it into another Plaudit gives the same event."""
    def person(p):
        details = {k: v for k, v in (("name", p.name), ("team", p.team)) if v}
        return {"id": p.key, **details} if details else p.key

    body = {"id": event.source_id, "type": event.type, "occurred_at": event.occurred_at.isoformat(),
            "actor": person(event.actor)}
    if event.channel:
        body["channel"] = event.channel
    if event.program:
        body["program"] = event.program
    if event.target_id:
        body["target"] = {"id": event.target_id, **({"author": event.target_author.key} if event.target_author_id else {})}
    if event.text:
        body["text"] = event.text
    body["hashtags"], body["mentions"] = event.hashtags, event.mentions
    if event.attributes:
        body["attributes"] = event.attributes
    return body
