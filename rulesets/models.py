from django.conf import settings
from django.db import models


class RulesetVersion(models.Model):
    """Every activated ruleset text, kept; exactly one is active."""

    name = models.CharField(max_length=64)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    active = models.BooleanField(default=False)
    activated_by = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_ruleset"),
        ]


class RulesetDraft(models.Model):
    """An admin's unactivated ruleset text in the workbench, kept across visits: one per admin."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ruleset_draft")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)


class ScheduledActivation(models.Model):
    """A validated ruleset text to activate at a moment; the relay activates it once it is due."""

    PENDING, DONE, CANCELLED, FAILED = "pending", "done", "cancelled", "failed"
    STATUSES = [(PENDING, PENDING), (DONE, DONE), (CANCELLED, CANCELLED), (FAILED, FAILED)]

    name = models.CharField(max_length=64)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    activate_at = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=64)  # the ruleset's, in which the moment is shown back
    note = models.CharField(max_length=500, blank=True)
    scheduled_by = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    version = models.ForeignKey(RulesetVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_by = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)  # why a due text was not activated
    created_at = models.DateTimeField(auto_now_add=True)
