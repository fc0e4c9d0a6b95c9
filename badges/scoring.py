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


# What a grant is besides its (person, badge, step): kept over a rescore.
_KEPT_FIELDS = ("uuid", "granted_at", "manual", "granted_by", "reason", "revoked_at", "revocation_reason", "revoked_by")
_ROW_FIELDS = ("person_id", "badge_id", "step", "event_id", "badge_name", "tier_name") + _KEPT_FIELDS


def take_grants(grants) -> dict[tuple[int, str, int], dict]:
    """Delete `grants` (a BadgeGrant queryset) before they are rescored, and return them for
    restore_grants: (person id, badge id, step) -> the row's fields."""
    kept = {(row["person_id"], row["badge_id"], row["step"]): row
            for row in grants.values(*_ROW_FIELDS).iterator(chunk_size=5000)}
    grants.delete()
    return kept


def restore_grants(kept: dict[tuple[int, str, int], dict]) -> None:
    """After a rescore: what an admin did and the public assertion ids stand.

    A step scored again takes back its old row's assertion id and issue date (so hosted and baked
    assertions go on verifying), and its manual grant or revocation. A step granted by hand or
    revoked that the rescore did not give comes back as it was: a manual grant is not the rules'
    to take, and a revoked step stays taken. A step the rules no longer give and nobody touched
    is gone.
    """
    if not kept:
        return
    matched: list[BadgeGrant] = []
    rescored = BadgeGrant.objects.values_list("id", "person_id", "badge_id", "step").iterator(chunk_size=5000)
    for pk, person_id, badge_id, step in rescored:
        old = kept.pop((person_id, badge_id, step), None)
        if old is None:
            continue
        row = BadgeGrant(id=pk, **{f: old[f] for f in _KEPT_FIELDS})
        if old["manual"]:
            row.event_id = old["event_id"]  # the admin's grant, not the event that also reached it
        matched.append(row)
    fields = list(_KEPT_FIELDS) + ["event_id"]
    manual = [r for r in matched if r.manual]
    BadgeGrant.objects.bulk_update([r for r in matched if not r.manual], list(_KEPT_FIELDS), batch_size=1000)
    BadgeGrant.objects.bulk_update(manual, fields, batch_size=1000)
    back = [old for old in kept.values() if old["manual"] or old["revoked_at"] is not None]
    rows = BadgeGrant.objects.bulk_create([BadgeGrant(**old) for old in back], batch_size=1000)
    for row, old in zip(rows, back):
        row.granted_at = old["granted_at"]  # auto_now_add stamped the creation instead
    BadgeGrant.objects.bulk_update(rows, ["granted_at"], batch_size=1000)
