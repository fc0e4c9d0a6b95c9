from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from engine.redis import get_redis
from engine.scoring import _take_scorer_lock
from leaderboards.rebuild import rebuild_boards
from rules.active import active_ruleset


class Command(BaseCommand):
    help = "Leaderboard maintenance: `boards rebuild` rebuilds every board in Redis from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args, action, **options):
        ruleset, _ = active_ruleset()
        if ruleset is None:
            raise CommandError("no ruleset is active; activate one first")
        with transaction.atomic():
            # Under the scorer's lock, so no batch lands half on the old boards and half on the new.
            batch = _take_scorer_lock()
            entries = rebuild_boards(get_redis(), ruleset, batch - 1)
        self.stdout.write(f"rebuilt {len(ruleset.leaderboards)} board(s): {entries} entries")
