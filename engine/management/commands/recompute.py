from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from base.errors import DomainError
from engine.recompute import do_recompute
from rules.core.periods import midnight
from rulesets.active import active_ruleset


class Command(BaseCommand):
    help = ("Rescore the event log under the active ruleset; replaces the ledger's derived state and the boards. "
            "--since DATE rescores only the events that occurred from that date on (midnight in the ruleset's timezone).")

    def add_arguments(self, parser):
        parser.add_argument("--since", default=None, help="a date, e.g. 2026-11-01")

    def handle(self, *args, since=None, **options):
        start = _since(since)
        with Progress() as progress:
            task = progress.add_task("Rescoring", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            try:
                report = do_recompute(advance, since=start)
            except DomainError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(f"Rescored {report.events} events: {report.awards} awards, {report.points} points in all, "
                          f"in {report.seconds:.1f}s")


def _since(text: str | None):
    if not text:
        return None
    from datetime import date

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since takes a date like 2026-11-01, not {text!r}") from None
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise CommandError("no ruleset is active; activate one before recomputing")
    return midnight(day, ruleset.tz)
