"""The badges step of a scoring batch: the grants the rules' outcomes earned and the badge progress
(events counted toward a badge's `event` criteria) the facts changed."""

from __future__ import annotations

from base.batch import Step
from rules.core import FactsCache

from .models import BadgeGrant, BadgeProgress


class BadgesStep(Step):
    grants: list[BadgeGrant]

    def prepare(self) -> None:
        b = self.batch
        self.grants = [
            BadgeGrant(person_id=b.people[g.person].id, badge_id=g.badge_id, badge_name=b.ruleset.badge(g.badge_id).spec.name,
                       step=g.tier or 0, tier_name=g.tier_name or "", event_id=event.seq)
            for outcome, event in zip(b.outcomes, b.events) for g in outcome.badges
        ]

    def write(self) -> None:
        BadgeGrant.objects.bulk_create(self.grants, batch_size=1000)
        write_badge_progress(self.batch.facts, self.batch.people)


def write_badge_progress(facts: FactsCache, people) -> None:
    """The event counts the facts changed; people: key -> anything with the person's `id`."""
    rows = [BadgeProgress(person_id=people[key].id, badge_id=badge_id, count=facts.event_count(key, badge_id))
            for key, badge_id in facts.changed_event_counts]
    BadgeProgress.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                      unique_fields=["person", "badge_id"], update_fields=["count"])
