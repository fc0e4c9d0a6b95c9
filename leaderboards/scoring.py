"""The boards step of a scoring batch: the batch's points added to the Redis boards.

The boards are brought up to the ledger first (a crash before commit leaves Redis one batch ahead:
rebuild.sync_boards repairs that). The changes are sent before the ledger is written and their
answer read before commit, so Redis adds the points while the database writes; a batch that fails
after sending abandons the answer, and the next batch finds Redis a batch ahead and rebuilds.

Awards to a period past its grace are not kept live; a copy of that period built on a read is
dropped, before commit and again once the batch commits (a read in between built it from the
ledger without the batch), so the next read builds it with them.
"""

from __future__ import annotations

from django.db import transaction

from base.batch import Step

from . import rebuild
from .store import SentWrite, send_changes
from .visibility import Visibility


class BoardsStep(Step):
    sent: SentWrite | None = None
    past: set[tuple[str, str]]

    def start(self) -> None:
        b = self.batch
        rebuild.sync_boards(b.r, b.ruleset, b.number - 1)

    def prepare(self) -> None:
        b = self.batch
        self.past = set()
        b.board_changes = rebuild.board_changes(b.ruleset, (
            (a.recipient_key, a.rule_id, a.points, a.occurred_at, a.channel, a.program, a.team, a.event_id)
            for a in b.awards
        ), past=self.past)

    def send(self) -> None:
        b = self.batch
        visibility = Visibility(b.ruleset, ((p.key, p.public, p.role) for p in b.people.values()))
        self.sent = send_changes(b.r, b.board_changes, visibility.hidden_check(), batch=b.number)

    def finish(self) -> None:
        self.sent.finish()
        if self.past:
            r, past = self.batch.r, self.past
            rebuild.forget_built_periods(r, past)
            transaction.on_commit(lambda: rebuild.forget_built_periods(r, past))

    def abandon(self) -> None:
        if self.sent is not None:
            self.sent.abandon()  # Redis may now be a batch ahead of the ledger: the next batch rebuilds
