from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from engine.errors import ApiError
from engine.recompute import do_recompute


class Command(BaseCommand):
    help = "Rescore the whole event log under the active ruleset; replaces the ledger's derived state and the boards."

    def handle(self, *args, **options):
        with Progress() as progress:
            task = progress.add_task("Rescoring", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            try:
                report = do_recompute(advance)
            except ApiError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(f"Rescored {report.events} events: {report.awards} awards, {report.points} points in all, "
                          f"in {report.seconds:.1f}s")
