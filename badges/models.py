import uuid

from django.db import models


class BadgeGrant(models.Model):
    """A badge, or one tier of it, given once to a person by the event that reached it, or by an admin.

    Grants are never deleted: a revoked one keeps its row (and its step, so scoring does not grant
    that step again) and its public assertion answers 410 Gone.
    """

    person = models.ForeignKey("engine.Person", on_delete=models.PROTECT, related_name="badge_grants")
    badge_id = models.CharField(max_length=64)
    badge_name = models.CharField(max_length=200)
    # 0 for a badge without tiers, else the tier's index: a badge's grants count 0, 1, 2...
    step = models.IntegerField(default=0)
    tier_name = models.CharField(max_length=200, blank=True)
    event = models.ForeignKey("engine.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    # The Open Badges assertion id: public, unguessable, stable (/openbadges/assertions/{uuid}).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    manual = models.BooleanField(default=False)
    granted_by = models.CharField(max_length=100, blank=True)  # the API key's name, for manual grants
    reason = models.CharField(max_length=500, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)
    revoked_by = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "badge_id", "step"], name="badge_grant_once"),
        ]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def earned_at(self):
        """When the badge was earned: the time of the event that reached it. granted_at is when scoring ran
        (a batch, a rescore, the demo), which can be days later; a manual grant has no event, so its time is
        the grant's. Load the grant with select_related("event")."""
        if self.event_id is not None and not self.manual:
            return self.event.occurred_at
        return self.granted_at


class BadgeProgress(models.Model):
    """Counts for `event` criteria, which the ledger alone cannot answer."""

    person = models.ForeignKey("engine.Person", on_delete=models.PROTECT, related_name="+")
    badge_id = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "badge_id"], name="badge_progress_once")]


class BadgeAudit(models.Model):
    """Append-only trail of manual grants and revocations: who, what, why, when."""

    ACTIONS = [("grant", "grant"), ("revoke", "revoke")]

    action = models.CharField(max_length=10, choices=ACTIONS)
    person = models.ForeignKey("engine.Person", on_delete=models.PROTECT, related_name="+")
    badge_id = models.CharField(max_length=64)
    step = models.IntegerField(default=0)
    tier_name = models.CharField(max_length=200, blank=True)
    # The assertion the action concerned: a revoked uuid stays answerable (410) even after a re-grant.
    assertion = models.UUIDField(db_index=True)
    reason = models.CharField(max_length=500)
    by = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
