"""Giving kudos from Slack (the /kudos command and the give_kudos modal): Slack users become
people, the kudos core decides (kudos/actions.py), and the channel hears of it."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from kudos.actions import Given, KudosRefused, do_give_kudos
from kudos.allowance import allowance_for, kudos_ruleset

from . import blocks
from .people import person_for

log = logging.getLogger(__name__)

__all__ = ["Given", "KudosRefused", "allowance_for", "announce", "give", "values_offered"]


def give(r, slack: WebClient | None, *, team: str, giver: str, receivers: list[str], text: str,
         values: list[str] = (), channel: str | None = None, event_id: str | None = None) -> Given:
    """The kudos from Slack user `giver` to Slack users `receivers`; KudosRefused says why not."""
    giver_key = person_for(r, team, giver, slack)
    keys = [person_for(r, team, user, slack) for user in dict.fromkeys(receivers)]
    return do_give_kudos(giver=giver_key, receivers=keys, message=text, values=list(values), channel=channel,
                         event_id=event_id, attributes={"source": "slack"})


def announce(slack: WebClient | None, channel: str | None, *, giver: str, receivers: list[str], text: str,
             given: Given) -> bool:
    """Post the kudos to the channel it was given in, mentioning the receivers; False when it could not be.

    A kudos given from the Home tab has no channel: each receiver hears of it from the app instead
    (its Messages tab)."""
    if slack is None or given.duplicate:
        return False
    fallback, message_blocks = blocks.kudos_announcement(giver, receivers, text, given.values, given.event_id)
    posted = True
    for where in [channel] if channel else list(dict.fromkeys(receivers)):
        try:
            slack.chat_postMessage(channel=where, text=fallback, blocks=message_blocks)
        except SlackApiError as exc:  # not_in_channel, channel_not_found (a DM): the giver is told
            log.info("kudos %s not announced in %s: %s", given.event_id, where, exc.response.get("error"))
            posted = False
        except SlackClientError as exc:
            log.warning("kudos %s not announced in %s: %s", given.event_id, where, type(exc).__name__)
            posted = False
    return posted


def values_offered() -> list[str]:
    """The company values of the active ruleset's `kudos:` section, for the modal's checkboxes."""
    ruleset = kudos_ruleset()
    return list(ruleset.kudos_values or []) if ruleset is not None else []
