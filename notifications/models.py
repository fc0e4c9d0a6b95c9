"""Where notifications go (channels), how they read (template overrides), and the outbox itself."""

from __future__ import annotations

from django.db import models

KINDS = ("slack", "teams", "webhook", "email")


class Channel(models.Model):
    """A destination, named like the events' `channel` value (for `to: origin`) or any name `to:` uses.

    `secrets` are never serialized by the API: webhook signing secrets (`whsec_...`, two while
    rotating, newest first). An incoming-webhook URL is itself a credential, so the API shows
    only its scheme and host.
    """

    id = models.CharField(max_length=200, primary_key=True)
    kind = models.CharField(max_length=16)
    url = models.CharField(max_length=2000, blank=True)
    recipients = models.JSONField(default=list)  # email addresses, for kind email
    secrets = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class TemplateOverride(models.Model):
    """An admin's text for one template name (badge_awarded, ...) on one channel kind."""

    kind = models.CharField(max_length=16)
    name = models.CharField(max_length=64)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="template_override_once")]


class Notification(models.Model):
    """An outbox row, written in the transaction that caused it; delivered after commit by a job.

    pending -> delivering -> delivered, or -> retrying (back to delivering when due), or -> dead
    (a permanent refusal, or attempts used up). `dedupe_key` makes recording idempotent.
    """

    STATUSES = ("pending", "delivering", "delivered", "retrying", "dead")
    # Every trigger a row is recorded with: scoring's, the boards', the digest's, the challenges'
    # announcements (challenge_news.py) and a channel's test message (test_send.py).
    TRIGGERS = ("badge_awarded", "level_up", "leaderboard_top", "weekly_digest", "challenge_started",
                "challenge_halfway", "challenge_last_day", "challenge_ended", "test_message")

    channel_id = models.CharField(max_length=200, db_index=True)  # not a foreign key: history outlives a channel
    trigger = models.CharField(max_length=32)  # one of TRIGGERS
    template = models.CharField(max_length=64)
    data = models.JSONField()  # plain data the template renders; no ORM objects
    dedupe_key = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=16, default="pending", db_index=True)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)  # a delivering row past this was abandoned
    queued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx")]


class QuietEvent(models.Model):
    """An event stored by a backfill (events import): scoring it announces nothing."""

    event = models.OneToOneField("engine.Event", on_delete=models.CASCADE, primary_key=True, related_name="+")


class DigestRun(models.Model):
    """One row per digest slot: the unique constraint is what makes a slot fire exactly once."""

    key = models.CharField(max_length=200)  # the ruleset notification: channel, template and schedule
    slot = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "slot"], name="digest_run_once")]
