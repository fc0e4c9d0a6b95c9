"""`POST /integrations/slack/commands`: /kudos and /plaudit, answered to the caller alone (ephemeral).

Slack shows a timeout to the user after 3 seconds, so everything here answers inline: the kudos is
one transaction, the Slack calls (users.info for unknown people, chat.postMessage for the
announcement) have a 2-second timeout and a failed one is told, not raised.
"""

from __future__ import annotations

import re

from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from base.errors import Conflict, NotFound
from base.redis import get_redis

from .. import challenge_standing, common, standing
from . import blocks, giving
from .people import person_for, speaking_to
from .signature import signed_form
from .workspaces import bot_client

LEADING_MENTION = re.compile(r"\s*<@([UW]\w{1,30})(?:\|[^>]*)?>[\s,]*")
ANY_MENTION = re.compile(r"<@([UW]\w{1,30})(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
MAX_TEXT = 4000  # Slack's own limit for a command's text
USAGE = "`/kudos @someone [@someone-else …] what they did #value`"


@csrf_exempt  # Slack cannot send a CSRF token; the request signature is the authentication.
@require_POST
def commands_view(request):
    fields, refused = signed_form(request)
    if refused:
        return refused
    if fields.get("ssl_check") == "1":  # Slack checking the certificate of the command's URL: nothing to do
        return JsonResponse({"ok": True})
    team, user = fields.get("team_id", ""), fields.get("user_id", "")
    if not team or not user:
        return common.error(400, "validation_error", "team_id and user_id are required (Slack sends them with every command)")
    with speaking_to(team, user):
        return _answer(fields, team, user)


def _answer(fields: dict[str, str], team: str, user: str) -> JsonResponse:
    text = fields.get("text", "")
    if len(text) > MAX_TEXT:
        return JsonResponse(blocks.plain(gettext("That is longer than %(n)s characters; say it shorter.") % {"n": f"{MAX_TEXT:,}"}))
    command = fields.get("command", "")
    if command == "/kudos":
        return JsonResponse(kudos_command(team, user, text, fields.get("channel_id") or None, fields.get("trigger_id")))
    if command == "/plaudit":
        return JsonResponse(plaudit_command(team, user, text))
    return JsonResponse(blocks.plain(gettext("Plaudit does not know the command %(command)s.") % {
        "command": blocks.escape(command[:50])} + "\n\n" + blocks.help_text()))


def kudos_command(team: str, user: str, text: str, channel: str | None, trigger_id: str | None) -> dict:
    r = get_redis()
    slack = bot_client(team)
    receivers, message = receivers_and_message(text)
    if not receivers:
        allowance = giving.allowance_for(person_for(r, team, user, slack))
        return blocks.plain(gettext("Say whom you thank: %(usage)s.") % {"usage": USAGE} + " " + blocks.allowance_line(allowance))
    # Slack sends a command once and gives it no id; the trigger id is unique per invocation.
    event_id = f"slack:{team}:kudos:{trigger_id}" if trigger_id and len(trigger_id) <= 150 else None
    try:
        given = giving.give(r, slack, team=team, giver=user, receivers=receivers, text=readable(message),
                            channel=channel, event_id=event_id)
    except giving.KudosRefused as refusal:
        return blocks.kudos_refused(refusal)
    announced = giving.announce(slack, channel, giver=user, receivers=receivers, text=readable(message), given=given)
    return blocks.kudos_given(given, list(dict.fromkeys(receivers)), announced)


def receivers_and_message(text: str) -> tuple[list[str], str]:
    """The leading mentions are the receivers and the rest the message; with none leading, every mention."""
    receivers, rest = [], text
    while (found := LEADING_MENTION.match(rest)) is not None:
        receivers.append(found.group(1))
        rest = rest[found.end():]
    if not receivers:
        receivers = [m.group(1) for m in ANY_MENTION.finditer(text)]
        rest = text
    return list(dict.fromkeys(receivers)), rest.strip()


def readable(text: str) -> str:
    """Slack's markup as people read it: <@U1|ana> becomes @ana, links their text, entities unescaped."""
    text = ANY_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = CHANNEL_REF.sub(lambda m: "~" + (m.group(2) or m.group(1)), text)
    text = LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def plaudit_command(team: str, user: str, text: str) -> dict:
    words = text.split()
    verb = words[0].lower() if words else "me"
    if verb == "me" and len(words) <= 1:
        key = person_for(get_redis(), team, user, bot_client(team))
        return blocks.me_message(standing.me(key), giving.allowance_for(key))
    if verb == "top":
        try:
            return blocks.top_message(standing.top(" ".join(words[1:])[:100] or None))
        except (NotFound, Conflict) as exc:  # no such board; or works-council mode: no ranking of people
            return blocks.plain(exc.message)
    if verb == "challenges":
        key = person_for(get_redis(), team, user, bot_client(team))
        return blocks.challenges_message(challenge_standing.running(key))
    return blocks.help_message()
