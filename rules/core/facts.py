"""What scoring needs to know about the past, cached in memory during a run.

`FactsCache` holds the counters evaluate() reads and updates. Misses go to a
`FactsSource`: the ledger in the scorer, nothing at all (`EmptySource`) when a replay
starts from zero. Only the cache is mutated; the caller persists what the outcomes say.
"""

from __future__ import annotations

from typing import Protocol

from .model import AwardOutcome, PastAward, StreakRun

# What an undo reads of an event's awards: the ledger's rows, or the outcome's own awards when the
# event was evaluated in this run. Both have rule_id, recipient, points and capped.
AwardRecord = PastAward | AwardOutcome


class FactsSource(Protocol):
    def cap_counts(self, rule_id: str, per: str, period: str) -> dict[str, int]:
        """Uncapped awards of the rule in that period per recipient, compensations excluded.

        Every recipient of the period at once: a period is read once, not once per person.
        """

    def rule_count(self, person: str, rule_id: str) -> int:
        """Uncapped awards of the rule to the person that were not undone."""

    def event_count(self, person: str, badge_id: str) -> int:
        """Events the person acted in that met the badge's event criteria."""

    def points(self, person: str) -> int: ...

    def badge_tiers(self, person: str, badge_id: str) -> int:
        """How many tiers of the badge the person holds (1 for a held badge without tiers)."""

    def awards_of(self, event_id: str) -> list[PastAward]: ...

    def is_undone(self, event_id: str) -> bool: ...

    def target_awarded(self, rule_id: str, person: str, target_id: str) -> bool:
        """Whether the rule already gave the person an uncapped award for an event on this target.

        Undone awards count too: `once_per: target` is never given back, like caps.
        """

    def streak(self, person: str, streak_id: str) -> StreakRun:
        """The person's latest run of the streak (an empty run when there was none)."""


class EmptySource:
    """A past with nothing in it: replays that start from the first event."""

    def cap_counts(self, rule_id, per, period):
        return {}

    def rule_count(self, person, rule_id):
        return 0

    def event_count(self, person, badge_id):
        return 0

    def points(self, person):
        return 0

    def badge_tiers(self, person, badge_id):
        return 0

    def awards_of(self, event_id):
        return []

    def is_undone(self, event_id):
        return False

    def target_awarded(self, rule_id, person, target_id):
        return False

    def streak(self, person, streak_id):
        return StreakRun()


class FactsCache:
    def __init__(self, source: FactsSource | None = None):
        self.source = source or EmptySource()
        self._caps: dict[tuple[str, str, str], dict[str, int]] = {}
        self._rule_counts: dict[tuple, int] = {}
        # Changes to rule counts not yet read from the source: adding to a count must not cost a
        # ledger query when no badge ever reads it (most awards are never counted).
        self._rule_count_changes: dict[tuple, int] = {}
        self._event_counts: dict[tuple, int] = {}
        self._points: dict[str, int] = {}
        self._tiers: dict[tuple, int] = {}
        self._awards: dict[str, list[AwardRecord]] = {}
        self._undone: dict[str, bool] = {}
        self._targets: dict[tuple[str, str, str], bool] = {}
        self._streaks: dict[tuple[str, str], StreakRun] = {}
        # What changed since the cache was made, for the caller to persist.
        self.changed_points: set[str] = set()
        self.changed_event_counts: set[tuple[str, str]] = set()
        self.changed_streaks: set[tuple[str, str]] = set()

    def next_batch(self, source: FactsSource) -> None:
        """Keep the counters for the next batch of a single, uninterrupted scorer; read misses from `source`."""
        self.source = source
        self.changed_points = set()
        self.changed_event_counts = set()
        self.changed_streaks = set()
        self._rule_count_changes.clear()  # committed with the last batch: the source now counts them
        self._awards.clear()
        self._undone.clear()

    def size(self) -> int:
        return (sum(map(len, self._caps.values())) + len(self._rule_counts) + len(self._rule_count_changes)
                + len(self._event_counts) + len(self._points)
                + len(self._tiers) + len(self._targets) + len(self._streaks))

    def cap_counts(self, rule_id: str, per: str, period: str) -> dict[str, int]:
        """Uncapped awards of the rule in the period per recipient, for evaluate() to read and add to."""
        group = (rule_id, per, period)
        counts = self._caps.get(group)
        if counts is None:
            counts = self._caps[group] = dict(self.source.cap_counts(rule_id, per, period))
        return counts

    def rule_count(self, person: str, rule_id: str) -> int:
        key = (person, rule_id)
        if key not in self._rule_counts:
            self._rule_counts[key] = self.source.rule_count(*key) + self._rule_count_changes.pop(key, 0)
        return self._rule_counts[key]

    def event_count(self, person: str, badge_id: str) -> int:
        key = (person, badge_id)
        if key not in self._event_counts:
            self._event_counts[key] = self.source.event_count(*key)
        return self._event_counts[key]

    def points(self, person: str) -> int:
        if person not in self._points:
            self._points[person] = self.source.points(person)
        return self._points[person]

    def badge_tiers(self, person: str, badge_id: str) -> int:
        key = (person, badge_id)
        if key not in self._tiers:
            self._tiers[key] = self.source.badge_tiers(*key)
        return self._tiers[key]

    def awards_of(self, event_id: str) -> list[AwardRecord]:
        if event_id not in self._awards:
            self._awards[event_id] = list(self.source.awards_of(event_id))
        return self._awards[event_id]

    def is_undone(self, event_id: str) -> bool:
        if event_id not in self._undone:
            self._undone[event_id] = self.source.is_undone(event_id)
        return self._undone[event_id]

    def target_awarded(self, rule_id: str, person: str, target_id: str) -> bool:
        key = (rule_id, person, target_id)
        if key not in self._targets:
            self._targets[key] = self.source.target_awarded(*key)
        return self._targets[key]

    def streak(self, person: str, streak_id: str) -> StreakRun:
        key = (person, streak_id)
        if key not in self._streaks:
            self._streaks[key] = self.source.streak(*key)
        return self._streaks[key]

    # -- updates made by evaluate() --------------------------------------------------

    def add_rule_count(self, person: str, rule_id: str, delta: int) -> None:
        key = (person, rule_id)
        if key in self._rule_counts:
            self._rule_counts[key] += delta
        else:
            self._rule_count_changes[key] = self._rule_count_changes.get(key, 0) + delta

    def add_event_count(self, person: str, badge_id: str) -> int:
        count = self.event_count(person, badge_id) + 1
        self._event_counts[(person, badge_id)] = count
        self.changed_event_counts.add((person, badge_id))
        return count

    def add_points(self, person: str, delta: int) -> None:
        self._points[person] = self.points(person) + delta
        self.changed_points.add(person)

    def set_badge_tiers(self, person: str, badge_id: str, held: int) -> None:
        self._tiers[(person, badge_id)] = held

    def remember_awards(self, event_id: str, awards: list[AwardRecord]) -> None:
        self._awards[event_id] = awards

    def mark_undone(self, event_id: str) -> None:
        self._undone[event_id] = True

    def mark_target_awarded(self, rule_id: str, person: str, target_id: str) -> None:
        self._targets[(rule_id, person, target_id)] = True

    def set_streak(self, person: str, streak_id: str, run: StreakRun) -> None:
        self._streaks[(person, streak_id)] = run
        self.changed_streaks.add((person, streak_id))
