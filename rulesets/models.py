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
