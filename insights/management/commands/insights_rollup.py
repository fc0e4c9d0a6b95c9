from django.core.management.base import BaseCommand
from rich.progress import Progress

from base.models import Event
from insights.models import RollupState
from insights.rollup import BATCH, do_catch_up_rollups


class Command(BaseCommand):
    help = ("Bring the engagement rollups up to date with the event log (reads also catch up, a bounded number of "
            "events at a time). --rebuild counts everything again from the first event.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="drop the rollups and count every event again")

    def handle(self, *args, rebuild=False, **options):
        state = RollupState.objects.filter(pk=1).first()
        after = 0 if rebuild or state is None else state.last_seq
        total = Event.objects.filter(seq__gt=after).count()
        done = seconds = 0.0
        with Progress() as progress:
            task = progress.add_task("Rolling up events", total=total)
            while True:
                report = do_catch_up_rollups(BATCH * 4, rebuild=rebuild)
                rebuild = False
                done += report.events
                seconds += report.seconds
                progress.update(task, completed=done)
                if not report.events or not report.pending:
                    break
        self.stdout.write(f"Rolled up {int(done)} events in {seconds:.1f}s; up to event {report.last_seq}, "
                          f"days counted in {report.timezone}; {report.pending} pending")
