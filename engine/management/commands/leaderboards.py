from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from base.redis import get_redis
from base.ledger import take_scorer_lock
from leaderboards.rebuild import check_boards, rebuild_boards
from rulesets.active import active_ruleset


class Command(BaseCommand):
    help = ("Leaderboard maintenance. `rebuild`: every board from the ledger, built aside and swapped in. "
            "`check`: compare every member of every live board with the ledger; exits 1 on drift.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])

    def handle(self, *args, action, **options):
        ruleset, _ = active_ruleset()
        if ruleset is None:
            raise CommandError("no ruleset is active; activate one first")
        r = get_redis()
        with transaction.atomic():
            # Under the scorer's lock: no batch lands between reading the ledger and the boards.
            ledger_batch = take_scorer_lock() - 1
            if action == "rebuild":
                entries = rebuild_boards(r, ruleset, ledger_batch)
            else:
                report = check_boards(r, ruleset, ledger_batch)
            transaction.set_rollback(True)  # the lock's batch number is not a real batch
        if action == "rebuild":
            self.stdout.write(f"rebuilt {len(ruleset.leaderboards)} board(s): {entries} entries")
            return
        self.stdout.write(f"checked {report.members} entries on {report.boards} board keys: drift {report.drift}")
        for example in report.examples:
            self.stdout.write(f"  {example}")
        if report.drift:
            raise SystemExit(1)
