from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from base.errors import ApiError
from insights.pages import render_report
from insights.reports import LEVELS, report


class Command(BaseCommand):
    help = ("Write the printable engagement report as one HTML file (the page at /insights/report), "
            "e.g. --level program --program data-academy --out report.html")

    def add_arguments(self, parser):
        parser.add_argument("--level", choices=list(LEVELS), default="portfolio")
        parser.add_argument("--channel", help="the channel of a class report")
        parser.add_argument("--program", help="the programme of a programme report")
        parser.add_argument("--from", dest="since", type=date.fromisoformat, help="first day, e.g. 2026-11-01")
        parser.add_argument("--until", type=date.fromisoformat, help="the day after the last (exclusive)")
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, level, channel, program, since, until, out, **options):
        try:
            data = report(level, since, until, channel=channel, program=program)
        except ApiError as exc:
            raise CommandError(exc.message) from None
        out.write_text(render_report(data), encoding="utf-8")
        self.stdout.write(f"Wrote {out}: {data['title']}, {data['from']} to {data['last_day']}")
