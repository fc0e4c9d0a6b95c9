"""Slack users -> people, asking Slack for an email once per user.

A person's id is their email (engine/integrations/identity.py). Events carry no email, so a Slack
user the engine knows only as the stand-in `slack:TEAM:USER` (or not at all) is looked up with
users.info through the workspace's bot token, once: the answer is remembered in Redis for
LOOKED_UP_SECONDS whether or not it had an email, so a user without one (a guest, a bot, a hidden
email) is not asked about on every command.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from base.errors import ApiError
from base.languages import speaking
from base.models import PersonAlias

from ... import keys
from ..identity import do_put_person, normalize_email, resolve

log = logging.getLogger(__name__)

LOOKED_UP_SECONDS = 30 * 86400


def external_id(team: str, user: str) -> str:
    return f"{team}:{user}"


def person_for(r, team: str, user: str, slack: WebClient | None) -> str:
    """The person id of a Slack user, linking them to their email's person the first time we can."""
    ext = external_id(team, user)
    alias = PersonAlias.objects.filter(source="slack", external_id=ext).select_related("person").first()
    if alias is not None and alias.person.key != f"slack:{ext}":
        return alias.person.key  # linked already: by email, or by an admin in the people directory
    if slack is None or r.exists(keys.slack_looked_up(team, user)):
        return alias.person.key if alias else resolve("slack", ext)
    try:
        answer = slack.users_info(user=user)
    except SlackApiError as exc:  # user_not_found, missing_scope...: Slack answered; do not ask again
        log.info("users.info %s answered %s", user, exc.response.get("error"))
        return _looked_up(r, team, user, alias.person.key if alias else resolve("slack", ext))
    except SlackClientError as exc:  # Slack unreachable: ask again next time
        log.warning("users.info %s failed: %s", user, type(exc).__name__)
        return alias.person.key if alias else resolve("slack", ext)
    profile = (answer.get("user") or {}).get("profile") or {}
    name = (profile.get("real_name") or profile.get("display_name") or (answer.get("user") or {}).get("real_name") or "")[:200] or None
    email = normalize_email(profile.get("email"))
    if email is None:
        key = resolve("slack", ext, name=name)
    elif alias is None:
        key = resolve("slack", ext, email=email, name=name)
    else:
        key = _link_stand_in(ext, email, name)
    return _looked_up(r, team, user, key)


def speaking_to(team: str, user: str):
    """Answer a Slack user in their person's language and timezone (their `locale` from the directory,
    SCIM or OIDC); a user not linked to a person yet gets the default language."""
    alias = (PersonAlias.objects.filter(source="slack", external_id=external_id(team, user))
             .values_list("person__locale", "person__timezone").first())
    locale, tz = alias if alias else ("", "")
    return speaking(locale, tz)


def _looked_up(r, team: str, user: str, key: str) -> str:
    # Remembered only once the alias is recorded: a concurrent request that sees the mark finds the
    # alias too, rather than making a stand-in for a user whose email is being linked.
    r.set(keys.slack_looked_up(team, user), "1", ex=LOOKED_UP_SECONDS)
    return key


def _link_stand_in(ext: str, email: str, name: str | None) -> str:
    """The stand-in `slack:TEAM:USER` (with whatever events it holds) becomes the email's person."""
    owner = PersonAlias.objects.filter(source="email", external_id=email).select_related("person").first()
    key = owner.person.key if owner else email
    try:
        do_put_person(key, email=email, aliases=[("slack", ext)])
    except ApiError as exc:  # the email belongs to someone else already: merging two people is an admin's call
        log.warning("Slack user %s has the email of %s, left as is: %s", ext, key, exc.message)
        return f"slack:{ext}"
    return resolve("slack", ext, email=email, name=name)
