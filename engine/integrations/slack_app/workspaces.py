"""Installed workspaces and the Web API client that answers them.

Every call goes through slack-sdk's `WebClient` with `base_url=SLACK_API_URL`: Slack's own client
(ok/error handling, retries on connection errors, rate-limit errors as `SlackApiError`), and one
setting points all of it at a local stand-in in tests.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from django.conf import settings
from slack_sdk import WebClient

from ...models import SlackWorkspace
from . import tokens

log = logging.getLogger(__name__)

# Slash commands and interactions are answered within Slack's 3 seconds, calls to Slack included.
TIMEOUT_SECONDS = 2
# slack-sdk logs each request's headers (the bot token) and each answer's body (oauth.v2.access
# returns the token) at DEBUG. Its client logs here, held at INFO whatever LOG_LEVEL says, so no
# token reaches a log.
sdk_log = logging.getLogger("engine.integrations.slack_app.sdk")
sdk_log.setLevel(logging.INFO)


def client(token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=settings.SLACK_API_URL, timeout=TIMEOUT_SECONDS, logger=sdk_log)


def bot_client(team_id: str) -> WebClient | None:
    """The client with the workspace's bot token, or None when the app is not installed there."""
    row = SlackWorkspace.objects.filter(team_id=team_id).only("bot_token_encrypted").first()
    token = tokens.decrypt(row.bot_token_encrypted) if row else None
    if row is not None and token is None:
        log.warning("the bot token of Slack workspace %s cannot be decrypted with SLACK_TOKEN_KEYS; reinstall the app", team_id)
    return client(token) if token else None


def do_install_workspace(access: dict) -> SlackWorkspace:
    """Keep what oauth.v2.access answered: the team, the bot user and the bot token (encrypted)."""
    team = access.get("team") or {}
    values = {"name": str(team.get("name") or "")[:200], "app_id": str(access.get("app_id") or "")[:32],
              "bot_user_id": str(access.get("bot_user_id") or "")[:32], "scopes": str(access.get("scope") or ""),
              "bot_token_encrypted": tokens.encrypt(access["access_token"]),
              "installed_at": datetime.now(timezone.utc)}
    workspace, _ = SlackWorkspace.objects.update_or_create(team_id=str(team["id"])[:32], defaults=values)
    return workspace
