from django.db import models


class BadgeGrant(models.Model):
    """A badge, or one tier of it, given once to a person by the event that reached it."""

    person = models.ForeignKey("engine.Person", on_delete=models.PROTECT, related_name="badge_grants")
    badge_id = models.CharField(max_length=64)
    badge_name = models.CharField(max_length=200)
    # 0 for a badge without tiers, else the tier's index: a badge's grants count 0, 1, 2...
    step = models.IntegerField(default=0)
    tier_name = models.CharField(max_length=200, blank=True)
    event = models.ForeignKey("engine.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "badge_id", "step"], name="badge_grant_once"),
        ]


class BadgeProgress(models.Model):
    """Counts for `event` criteria, which the ledger alone cannot answer."""

    person = models.ForeignKey("engine.Person", on_delete=models.PROTECT, related_name="+")
    badge_id = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "badge_id"], name="badge_progress_once")]
