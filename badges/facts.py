"""The ledger's facts with what badges keep: the events that counted toward a badge and the tiers held."""

from __future__ import annotations

from django.db.models import Max

from base import ledger_facts

from .models import BadgeGrant, BadgeProgress


class LedgerFacts(ledger_facts.LedgerFacts):
    """rules.core.FactsSource over the database, read one query per kind of fact for the batch's people."""

    _event_counts: dict[tuple[str, str], int] | None = None
    _tiers: dict[tuple[str, str], int] | None = None

    def event_count(self, person, badge_id):
        if self._event_counts is None:
            self._event_counts = self._by_person(
                BadgeProgress.objects.filter(person_id__in=self._ids).values_list("person_id", "badge_id", "count"))
        return self._event_counts.get((person, badge_id), 0)

    def badge_tiers(self, person, badge_id):
        """The steps taken (revoked ones included): one past the highest, so scoring never gives a
        step that has a row, even where a lower one has none (a manual step kept by a recompute
        whose rules no longer reach the step below it)."""
        if self._tiers is None:
            self._tiers = self._by_person(
                BadgeGrant.objects.filter(person_id__in=self._ids).values("person_id", "badge_id")
                .annotate(top=Max("step")).values_list("person_id", "badge_id", "top"))
            self._tiers = {key: top + 1 for key, top in self._tiers.items()}
        return self._tiers.get((person, badge_id), 0)
