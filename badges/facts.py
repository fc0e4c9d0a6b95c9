"""The ledger's facts with what badges keep: the events that counted toward a badge and the tiers held."""

from __future__ import annotations

from django.db.models import Count

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
        if self._tiers is None:
            self._tiers = self._by_person(
                BadgeGrant.objects.filter(person_id__in=self._ids).values("person_id", "badge_id")
                .annotate(n=Count("id")).values_list("person_id", "badge_id", "n"))
        return self._tiers.get((person, badge_id), 0)
