"""An RQ worker for the scoring and default queues.

Runs jobs in-process (SimpleWorker): the scorer is one long job per burst, and forking
per job would cost more than the job. On start it queues scoring for any events left
pending by a worker that died, so a restart resumes where the last one stopped.
"""

from django.core.management.base import BaseCommand
from django.db import connections
from rq import SimpleWorker

from base.inbox import has_received
from base.scoring_queue import DEFAULT_QUEUE, SCORING_QUEUE, enqueue_scoring, forget_scoring_request
from base.models import Event
from base.redis import get_redis
from engine.outages import release_broken_connections


class DatabaseWorker(SimpleWorker):
    """Drops database connections a restart broke before and after each job, so a worker that sat
    idle through a database restart scores the next job instead of failing it and every later one."""

    def execute_job(self, job, queue):
        release_broken_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            release_broken_connections()


class Command(BaseCommand):
    help = "Run a background worker (scoring, then other jobs)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
        parser.add_argument("--name", default=None)

    def handle(self, *args, burst=False, name=None, **options):
        r = get_redis()
        if Event.objects.filter(scored_at__isnull=True).exists() or has_received():
            forget_scoring_request(r)
            enqueue_scoring()
        connections.close_all()
        worker = DatabaseWorker([SCORING_QUEUE, DEFAULT_QUEUE], connection=r, name=name)
        worker.work(burst=burst, logging_level="WARNING")
