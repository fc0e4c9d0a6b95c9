"""The orchestration layer's own rows: the Slack workspaces the app is installed in, and what SCIM
provisioning keeps beside people (engine/scim/): each provisioned user's resource, and groups."""

from __future__ import annotations

import uuid

from django.db import models

from base.models import Person


class SlackWorkspace(models.Model):
    """One installation of the Slack app (OAuth v2): the bot token to answer the workspace with.

    The token is kept encrypted (engine/integrations/slack_app/tokens.py): a copy of the database
    alone does not let anyone post as the bot.
    """

    team_id = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    app_id = models.CharField(max_length=32, blank=True, default="")
    bot_user_id = models.CharField(max_length=32, blank=True, default="")
    scopes = models.TextField(blank=True, default="")
    bot_token_encrypted = models.TextField()
    installed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name or self.team_id} ({self.team_id})"


class ScimUser(models.Model):
    """A person the identity provider provisions. The person's pk is the user's SCIM id (it stays when
    the name or the email changes); `resource` keeps the attributes Plaudit has no field for, so a GET
    answers what the provider wrote."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="scim")
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    resource = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ScimGroup(models.Model):
    """A group of the identity provider: a team (members' team is its name), or admins when its name
    is listed in OIDC_ADMIN_GROUPS."""

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=100, db_index=True)
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ScimGroupMember(models.Model):
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scim_groups")
    display = models.CharField(max_length=200, blank=True)  # the member's name as the provider sent it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="scim_member_once")]


class PromptPost(models.Model):
    """One posting of a topic prompt (the ruleset's `prompts:`) for one slot of its schedule.

    The unique (prompt_id, slot) is the claim: however many relays run, or after a restart, a slot is
    posted once. `ts` is Slack's message id, which tells replies in the prompt's thread. A post that
    failed keeps its error and is tried again until MAX_ATTEMPTS (engine/prompts.py)."""

    prompt_id = models.CharField(max_length=64)
    slot = models.DateTimeField()  # the schedule's minute, or the moment an admin posted it now
    manual = models.BooleanField(default=False)  # posted now by an admin rather than by the schedule
    team_id = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=200)
    text = models.TextField()
    ts = models.CharField(max_length=32, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # None once posted or given up
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prompt_id", "slot"], name="prompt_post_once")]
        indexes = [models.Index(fields=["channel", "ts"], name="prompt_post_ts_idx"),
                   models.Index(fields=["next_attempt_at"], name="prompt_post_due_idx")]


class NudgeSetting(models.Model):
    """A person's choice about nudges; no row means off (nudges are opt-in)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="nudge_setting")
    enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class Nudge(models.Model):
    """A nudge sent (or tried) to a person. The unique (person, week) is the weekly bound: a second
    nudge in the same ISO week cannot be stored, whichever relay tries."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nudges")
    week = models.DateField()  # the Monday of the ISO week, in the ruleset's timezone
    kind = models.CharField(max_length=32)  # unanswered_question | quiet
    about = models.CharField(max_length=200, blank=True)  # the question's event id, or the programme
    channel = models.CharField(max_length=64, blank=True)  # the DM's Slack channel once sent
    ts = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "week"], name="nudge_once_a_week")]


class NudgeRun(models.Model):
    """One row per local day on which the nudges were worked out: the day's run happens once, however
    many relays run."""

    day = models.DateField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
