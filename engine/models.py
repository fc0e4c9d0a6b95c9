"""The orchestration layer's own rows: the Slack workspaces the app is installed in."""

from __future__ import annotations

from django.db import models


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
