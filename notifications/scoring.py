"""The notifications step of a scoring batch: what the batch announces, as outbox rows written in its
transaction (sent after commit by the relay).

- badge_awarded and level_up: the grants and level changes the batch wrote (triggers.record_for_batch);
- leaderboard_top: whoever entered a board's top N, the tops read before the boards are sent and
  compared after (board_tops). Only when the batch sends its boards.

A batch that must announce nothing (a recompute, a seeded backfill) runs without this step.
"""

from __future__ import annotations

from base.batch import Step

from . import board_tops, triggers


class NotificationsStep(Step):
    tops: dict | None = None

    def prepare(self) -> None:
        b = self.batch
        if b.board_changes is not None:  # the boards step sends after every step prepared
            self.tops = board_tops.tops_before(b.r, b.ruleset, b.board_changes)

    def write(self) -> None:
        triggers.record_for_batch(self.batch.ruleset, self.batch.events)

    def finish(self) -> None:
        b = self.batch
        if b.board_changes is not None:  # the boards step finished before: the tops are those after
            board_tops.record_entries(b.r, b.ruleset, self.tops, b.board_changes, b.events)
