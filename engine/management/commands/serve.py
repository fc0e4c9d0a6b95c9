from django.conf import settings
from django.core.management.base import BaseCommand

from base.redis import embedded_redis
from engine.stack import run_stack


class Command(BaseCommand):
    help = "Serve the web UI and API with a worker on the data already here (PORT, default 8000)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, port, web_workers, **options):
        with embedded_redis():
            run_stack(port, web_workers)
