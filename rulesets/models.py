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
