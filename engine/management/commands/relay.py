from django.core.management.base import BaseCommand

from engine.relay import RELAY_SECONDS, run_relay


class Command(BaseCommand):
    help = ("Run the relay alone (what `serve` runs beside web and workers): scoring nudges, notification "
            "retries, digests, rollups. SIGTERM or Ctrl-C stops it after the current round.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=RELAY_SECONDS, help="seconds between rounds")

    def handle(self, *args, interval, **options):
        run_relay(interval, started=lambda: self.stderr.write(
            f"Relay running every {interval:g}s; SIGTERM or Ctrl-C stops it."))
        self.stderr.write("Relay stopped.")
