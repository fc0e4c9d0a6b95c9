"""`manage.py rules validate|simulate|test FILE`: the admin's loop for ruleset files kept in git."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from base.errors import ApiError
from rules.core import RulesetError, load_ruleset
from rules.core.ruletests import run_tests
from rulesets.simulate import run_simulation


def since_date(text: str) -> date:
    """`30d`, `12w` or a date."""
    match = re.fullmatch(r"(\d+)([dw])", text)
    if match:
        days = int(match[1]) * (7 if match[2] == "w" else 1)
        return date.today() - timedelta(days=days)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since takes 30d, 12w or a date like 2026-11-01, not {text!r}") from None


class Command(BaseCommand):
    help = "Check a ruleset file, replay it over stored events, or run the test cases it carries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="report every problem with line and column")
        validate.add_argument("file")
        simulate = sub.add_parser("simulate", help="replay stored events against the file and compare with the live ruleset")
        simulate.add_argument("file")
        simulate.add_argument("--since", default="30d", help="30d, 12w or a date (default 30d)")
        simulate.add_argument("--until", default=None, help="a date (default: tomorrow)")
        simulate.add_argument("--json", action="store_true", help="print the full report as JSON")
        test = sub.add_parser("test", help="run the file's `tests:`; exits 1 when one fails")
        test.add_argument("file")

    def handle(self, *args, action, file, **options):
        ruleset = self._load(file)
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        if action == "validate":
            console.print(f"{file}: valid ({len(ruleset.rules)} rules, {len(ruleset.badges)} badges, "
                          f"{len(ruleset.leaderboards)} leaderboards)")
        elif action == "simulate":
            self._simulate(console, ruleset, options)
        else:
            self._test(console, ruleset, file)

    def _load(self, file: str):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            return load_ruleset(path.read_text(encoding="utf-8"), source=file)
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text") from None
        except RulesetError as exc:
            raise CommandError(f"{len(exc.issues)} problem(s):\n{exc}") from None

    def _simulate(self, console: Console, ruleset, options) -> None:
        since = since_date(options["since"])
        until = date.fromisoformat(options["until"]) if options["until"] else None
        # Steps as plain lines on stderr, not a spinner: a spinner redraws from a thread of its own, and
        # with another thread running the replays stay in one process (rulesets.forked.can_fork).
        try:
            report = run_simulation(ruleset, since, until, progress=lambda step: self.stderr.write(f"Replaying: {step}"))
        except ApiError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        console.print(f"Replayed {report['events']} events from {report['range']['from']} until {report['range']['until']}: "
                      f"{report['live_ruleset'] or 'no live ruleset'} → {report['draft_ruleset']}")
        console.print(f"Points in all: {report['points']['before']} → {report['points']['after']}")
        movers = Table("person", "before", "after", "change", title="Top movers")
        for row in report["top_movers"]:
            movers.add_row(row["person"], str(row["before"]), str(row["after"]), f"{row['change']:+d}")
        console.print(movers)
        rules = Table("rule", "awards", "capped", title="Rules (before → after)")
        for row in report["rules"]:
            rules.add_row(row["rule"], f"{row['awards_before']} → {row['awards_after']}",
                          f"{row['capped_before']} → {row['capped_after']}")
        console.print(rules)
        badges = Table("badge", "gained", "lost", title="Badges")
        for row in report["badges"]:
            badges.add_row(row["badge"], str(row["gained"]), str(row["lost"]))
        console.print(badges)
        boards = Table("board", "period", "scope", "entries", "rank changes", title="Boards")
        for row in report["boards"]:
            boards.add_row(row["board"], row["period"], row["scope"] or "", str(row["entries"]), str(row["moved"]))
        console.print(boards)

    def _test(self, console: Console, ruleset, file: str) -> None:
        results = run_tests(ruleset)
        if not results:
            console.print(f"{file} has no `tests:`")
            return
        failed = [r for r in results if not r.passed]
        for result in results:
            console.print(f"{'PASS' if result.passed else 'FAIL'}  {result.name}")
            for failure in result.failures:
                console.print(f"      {failure}")
        console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
        if failed:
            raise SystemExit(1)
