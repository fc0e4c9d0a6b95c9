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
