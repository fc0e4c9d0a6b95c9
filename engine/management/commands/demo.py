"""`make demo`: the example ruleset, a generated month of social learning, scored, then served."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from rich.progress import Progress

from base.accept import do_accept_events
from base.models import ApiKey, Event, Person
from base.redis import embedded_redis
from engine.demo_data import challenges_moved, generate_kudos, generate_month
from engine.demo_logins import print_demo_logins
from engine.scoring import score_next_batch
from engine.stack import run_stack
from insights.pages import render_report
from insights.reports import report
from insights.rollup import do_catch_up_rollups
from kudos.actions import KudosRefused, give_kudos_json
from notifications.demo import demo_notifications
from rulesets.active import active_version, do_activate_ruleset

EXAMPLE_RULESET = settings.BASE_DIR / "rules" / "examples" / "social-learning.yaml"
CHUNK = 1000


def example_ruleset() -> str:
    """The example ruleset in the demo's language (PLAUDIT_LANGUAGE): its names are written in English and
    German, and `language:` picks which the boards, badges and channel messages show."""
    text = EXAMPLE_RULESET.read_text()
    return text.replace("\nlanguage: en\n", f"\nlanguage: {settings.LANGUAGE_CODE}\n", 1)


class Command(BaseCommand):
    help = "Load the example ruleset and a generated month of activity (once), score it, then serve."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--people", type=int, default=300)
        parser.add_argument("--seed-only", action="store_true", help="load and score the data, then exit")

    def handle(self, *args, port, people, seed_only, **options):
        with embedded_redis():
            # The challenges move with the generated month, which ends today: one has ended, one runs.
            today = datetime.now(ZoneInfo("Europe/Berlin")).date()
            example = challenges_moved(example_ruleset(), today)
            version = active_version()
            # Again when the demo is started in another language (the example then speaks it) or on another day.
            if version is None or (version.activated_by == "make demo" and version.text != example):
                do_activate_ruleset(example, activated_by="make demo", note="example ruleset, challenges moved with the demo month",
                                    source=str(EXAMPLE_RULESET.relative_to(settings.BASE_DIR)))
                self.stdout.write(f"Activated {EXAMPLE_RULESET.name} ({settings.LANGUAGE_CODE})")
            if not Event.objects.filter(source_id__startswith="demo:").exists():
                self._load_month(people)
            # The demo's people read the pages and get their messages in the demo's language.
            Person.objects.exclude(locale=settings.LANGUAGE_CODE).update(locale=settings.LANGUAGE_CODE)
            self._score()
            self._print_keys(port)
            print_demo_logins(self.stdout, port)
            self._write_report(port)
            if not seed_only:
                with demo_notifications(self.stdout):  # a receiver, channels pointing at it, live badges for it
                    run_stack(port)

    def _load_month(self, people: int) -> None:
        with Progress() as progress:
            task = progress.add_task("Generating a month of activity", total=None)
            records, events = generate_month(people=people)
            progress.update(task, total=len(events), completed=0, description="Accepting events")
            for start in range(0, len(events), CHUNK):
                do_accept_events(events[start:start + CHUNK])
                progress.advance(task, min(CHUNK, len(events) - start))
            # Through the kudos action, as people give them: each checked against the allowance.
            kudos = generate_kudos(records)
            progress.update(task, total=len(kudos), completed=0, description="Giving kudos")
            for item in kudos:
                try:
                    give_kudos_json(item)
                except KudosRefused as exc:
                    self.stderr.write(f"kudos {item['id']} refused: {exc.message}")
                progress.advance(task)
        # Before scoring, so the boards that exclude facilitators never show them.
        facilitators = [r["id"] for r in records if r.get("role") == "facilitator"]
        Person.objects.filter(key__in=facilitators).update(role="facilitator")

    def _score(self) -> None:
        pending = Event.objects.filter(scored_at__isnull=True).count()
        if not pending:
            return
        with Progress() as progress:
            task = progress.add_task("Scoring", total=pending)
            while (report := score_next_batch(announce=False)) is not None:  # a seeded month is a backfill
                progress.advance(task, report.events)

    def _print_keys(self, port: int) -> None:
        """Demo keys are kept in DATA_DIR so every `make demo` shows the same ones."""
        path = settings.DATA_DIR / "demo-keys.json"
        keys = json.loads(path.read_text()) if path.exists() else {}
        for role in ("admin", "reader", "integration"):
            if role not in keys or not ApiKey.objects.filter(digest=ApiKey.hash(keys[role]), revoked_at__isnull=True).exists():
                keys[role] = ApiKey.issue(name=f"demo {role}", role=role)[1]
        path.write_text(json.dumps(keys, indent=2))
        path.chmod(0o600)
        base = f"http://127.0.0.1:{port}/api/v1"
        self.stdout.write("\nDemo API keys (also in DATA_DIR/demo-keys.json):")
        for role, raw in keys.items():
            self.stdout.write(f"  {role:<12} {raw}")
        self.stdout.write(f"\nTry:\n  curl -H 'Authorization: Bearer {keys['reader']}' {base}/leaderboards/all-time\n"
                          f"  open {base}/docs\n")

    def _write_report(self, port: int) -> None:
        """The learning leader's view of the month: rolled up now, so the report page answers at once."""
        do_catch_up_rollups(None)
        path = settings.DATA_DIR / "report-data-academy.html"
        # The last two weeks against the two before: the generated month has both.
        until = Event.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first().date() + timedelta(days=1)
        data = report("program", until - timedelta(days=14), until, program="data-academy")
        path.write_text(render_report(data), encoding="utf-8")
        self.stdout.write(f"Engagement report for the data-academy programme, the last two weeks: {path}\n"
                          f"  live (reader key as a Bearer header): curl -H 'Authorization: Bearer KEY' "
                          f"'http://127.0.0.1:{port}/insights/report?level=program&program=data-academy' > report.html\n"
                          f"  other levels: ?level=class&channel=learning-python, ?level=portfolio; "
                          f"JSON at /api/v1/insights/report, tables at /api/v1/insights/engagement (docs/insights.md)\n")
