"""What the ledger says before a batch, as the rules core asks it (rules.core.FactsSource).

The badge facts (event counts, tiers held) are kept by badges: badges.facts.LedgerFacts adds them.
"""

from __future__ import annotations

from django.db.models import Count, Q

from rules.core import PastAward, Ruleset, StreakRun, period_bounds

from .batch import BatchPerson
from .models import Award, Event, ScoringEvent, StreakState


# The attributes holding facts read once for all of the batch's people (badges.facts adds its own).
PER_PERSON_FACTS = ("_rule_counts", "_targeted", "_streaks", "_event_counts", "_tiers")


class LedgerFacts:
    """Awards, points and streak runs over the database.

    Each kind of fact is read for all of the batch's people in one query, the first time
    any of them is asked for: a batch costs a handful of queries, not a few per event.
    """

    def __init__(self, ruleset: Ruleset, people: dict[str, BatchPerson], events: list[ScoringEvent] | None = None):
        self.ruleset, self.people = ruleset, people
        self._ids = {p.id: key for key, p in people.items()}
        # The batch's targets, so `once_per: target` is answered for all of them in one query.
        self._targets = None if events is None else {e.target_id for e in events if e.target_id}
        self._rule_counts: dict[tuple[str, str], int] | None = None
        self._targeted: set[tuple[str, str, str]] | None = None
        self._streaks: dict[tuple[str, str], StreakRun] | None = None

    def add_people(self, people: dict[str, BatchPerson]) -> None:
        """People no event of the batch names whom a step rewards (a challenge's team members): the facts
        read per person are read again, for them too, when next asked."""
        self.people.update(people)
        self._ids.update({p.id: key for key, p in people.items()})
        for name in PER_PERSON_FACTS:
            if getattr(self, name, None) is not None:
                setattr(self, name, None)

    def _by_person(self, rows) -> dict[tuple[str, str], int]:
        return {(self._ids[person_id], other): n for person_id, other, n in rows}

    def cap_counts(self, rule_id, per, period):
        awards = Award.objects.filter(rule_id=rule_id, capped=False, reverses_event__isnull=True)
        bounds = period_bounds(per, period, self.ruleset.tz)
        if bounds:
            awards = awards.filter(occurred_at__gte=bounds[0], occurred_at__lt=bounds[1])
        return dict(awards.values("recipient__key").annotate(n=Count("id")).values_list("recipient__key", "n"))

    def rule_count(self, person, rule_id):
        if self._rule_counts is None:
            rows = (Award.objects.filter(recipient_id__in=self._ids, capped=False).values("recipient_id", "rule_id")
                    .annotate(given=Count("id", filter=Q(reverses_event__isnull=True)),
                              reversed=Count("id", filter=Q(reverses_event__isnull=False)))
                    .values_list("recipient_id", "rule_id", "given", "reversed"))
            self._rule_counts = {(self._ids[pid], rule): given - rev for pid, rule, given, rev in rows}
        return self._rule_counts.get((person, rule_id), 0)

    def points(self, person):
        return self.people[person].points

    def awards_of(self, event_id):
        rows = Award.objects.filter(event__source_id=event_id, reverses_event__isnull=True).order_by("id")
        return [PastAward(rule_id, key, points, capped)
                for rule_id, key, points, capped in rows.values_list("rule_id", "recipient__key", "points", "capped")]

    def is_undone(self, event_id):
        return Event.objects.filter(type="undo", target_id=event_id, scored_at__isnull=False).exists()

    def target_awarded(self, rule_id, person, target_id):
        if self._targets is None or target_id not in self._targets:  # a caller that did not name the batch's events
            return (rule_id, person, target_id) in self._awarded_on(Q(rule_id=rule_id, event__target_id=target_id))
        if self._targeted is None:
            once = [r.id for r in self.ruleset.rules if r.spec.once_per == "target"]
            self._targeted = self._awarded_on(Q(rule_id__in=once, event__target_id__in=self._targets))
        return (rule_id, person, target_id) in self._targeted

    @staticmethod
    def _awarded_on(where: Q) -> set[tuple[str, str, str]]:
        # Undone awards included (reverses_event is only set on the compensations): once per target is never given back.
        rows = Award.objects.filter(where, capped=False, reverses_event__isnull=True)
        return set(rows.values_list("rule_id", "recipient__key", "event__target_id"))

    def streak(self, person, streak_id):
        if self._streaks is None:
            rows = StreakState.objects.filter(person_id__in=self._ids).values_list(
                "person_id", "streak_id", "last_period", "length", "best")
            self._streaks = {(self._ids[pid], sid): StreakRun(last, length, best) for pid, sid, last, length, best in rows}
        return self._streaks.get((person, streak_id), StreakRun())
