"""The app's Home tab: published (views.publish) each time a person opens it."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from base.redis import get_redis

from .. import standing
from . import blocks
from .giving import allowance_for
from .people import person_for, speaking_to
from .workspaces import bot_client

log = logging.getLogger(__name__)


def publish(team: str, event: dict) -> bool:
    """Publish where the person stands to their Home tab; False when nothing was published."""
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str) or not user:
        return False  # the Messages tab was opened: nothing to show there
    slack = bot_client(team)
    if slack is None:
        log.info("app_home_opened from workspace %s, where the app is not installed", team)
        return False
    key = person_for(get_redis(), team, user, slack)
    with speaking_to(team, user):
        view = blocks.home_view(standing.me(key), allowance_for(key))
    try:
        slack.views_publish(user_id=user, view=view)
    except SlackClientError as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
        log.warning("views.publish for %s failed: %s", user, reason)
        return False
    return True
