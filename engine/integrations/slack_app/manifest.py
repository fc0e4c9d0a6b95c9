"""The Slack app manifest for this server (`python manage.py slack manifest --url https://HOST`).

Slack creates the app from it (api.slack.com/apps > Create New App > From a manifest): the commands,
the shortcut, the Home tab, the events and the URLs all point at this server, so nobody copies URLs
by hand.
"""

from __future__ import annotations

# What the app does with each: answer commands, post kudos and replies, find people's emails (the
# person id), read the channels' messages and reactions it turns into events.
BOT_SCOPES = ["commands", "chat:write", "users:read", "users:read.email", "channels:history", "groups:history",
              "reactions:read"]
BOT_EVENTS = ["app_home_opened", "message.channels", "message.groups", "reaction_added", "reaction_removed"]

EVENTS_PATH = "/integrations/slack/events"
COMMANDS_PATH = "/integrations/slack/commands"
INTERACTIVITY_PATH = "/integrations/slack/interactivity"
INSTALL_PATH = "/integrations/slack/install"
CALLBACK_PATH = "/integrations/slack/oauth/callback"


def manifest(base_url: str, name: str = "Plaudit") -> dict:
    base = base_url.rstrip("/")
    commands = f"{base}{COMMANDS_PATH}"
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name[:35],
            "description": "Recognition where you work: kudos, points, badges and leaderboards.",
            "background_color": "#2c2d30",
        },
        "features": {
            # The Messages tab, read-only, is where a kudos given from the Home tab reaches its receivers.
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True, "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": name[:80], "always_online": True},
            "slash_commands": [
                {"command": "/kudos", "url": commands, "description": "Thank colleagues, with a company value",
                 "usage_hint": "@someone [@someone-else] what they did #value", "should_escape": True},
                {"command": "/plaudit", "url": commands, "description": "Your points, badges and the leaderboards",
                 "usage_hint": "[me | top [board] | challenges | help]", "should_escape": True},
            ],
            "shortcuts": [
                {"name": "Give kudos", "type": "message", "callback_id": "give_kudos",
                 "description": "Thank the author of this message"},
            ],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}{CALLBACK_PATH}"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": f"{base}{EVENTS_PATH}", "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": f"{base}{INTERACTIVITY_PATH}"},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
