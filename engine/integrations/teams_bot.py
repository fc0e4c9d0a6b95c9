"""The Microsoft Teams bot: Bot Framework activities in, Adaptive Cards back through the activity's serviceUrl.

`POST /integrations/teams/messages` serves two kinds of Teams callers on one path, told apart by
their Authorization scheme: `Bearer <JWT>` is the Bot Framework (this module), `HMAC <signature>` is
an outgoing webhook (engine/integrations/teams.py, which records channel messages as events).

The bot understands `kudos @name [@name ...] message #value`, `me`, `top [board]`, `challenges` and `help` (any
other text gets the help), welcomes a conversation it is added to, and acknowledges every other
activity type. Each answer is a reply to the activity, posted to
`{serviceUrl}/v3/conversations/{conversation id}/activities/{activity id}` with the bot's token,
through notifications/outbound.py (the serviceUrl comes from the request, so it gets the same
address checks as any outbound call). The inbound POST is answered 200 once the reply is sent or
has failed; a failed reply is logged, not turned into an error for Teams to retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from base.errors import ApiError, Conflict, Forbidden, NotFound, read_limited_body
from base.languages import speaking, supported_language
from base.models import Person
from kudos.actions import KudosRefused, do_give_kudos
from kudos.allowance import allowance_for
from notifications import outbound
from rules.core.textparse import parse_hashtags

from . import challenge_standing, common, standing, teams
from . import teams_bot_cards as cards
from .identity import lookup, normalize_email
from .teams_bot_auth import BotTokenFailed, KeysUnavailable, TokenRefused, bot_token, check_activity, verify_token

log = logging.getLogger(__name__)

AT_TAG = re.compile(r"<at>(.*?)</at>", re.S)
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MAX_RECEIVERS_SEEN = 20  # more mentions than kudos allows are passed on so the kudos rules refuse them by name


@csrf_exempt  # the Bot Framework sends no CSRF token; its JWT (or the webhook's HMAC) is the authentication
@require_POST
def messages_view(request):
    authorization = request.headers.get("Authorization") or ""
    scheme = authorization.partition(" ")[0].lower()
    # No Authorization at all is answered by whichever is set up: the webhook when it has its secret.
    if scheme != "bearer" and (authorization or settings.TEAMS_HMAC_SECRET):
        return teams.messages_view(request)
    try:
        body = read_limited_body(request, common.MAX_ADAPTER_BODY_BYTES, "a Bot Framework activity")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    try:
        caller = verify_token(authorization)
        activity = common.json_object(body, "a Bot Framework activity")
        check_activity(caller, activity)
        _check_shape(activity)
    except TokenRefused as exc:
        return common.error(401, "invalid_token", str(exc))
    except KeysUnavailable as exc:
        log.error("Teams bot: %s", exc)
        return common.error(503, "keys_unavailable", f"{exc}; the request can be retried")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    with speaking(*_language_of(activity)):
        answer = answer_for(activity)
    replied = reply(activity, answer) if answer is not None else False
    return JsonResponse({"replied": replied})


# The fields the bot reads, and the JSON type each must have when present.
SHAPE = {"type": str, "id": str, "text": str, "timestamp": str, "channelId": str, "serviceUrl": str, "from": dict,
         "recipient": dict, "conversation": dict, "entities": list, "membersAdded": list, "channelData": dict}
PERSON_FIELDS = ("id", "aadObjectId", "name", "email", "userPrincipalName")


def _check_shape(activity: dict) -> None:
    """A 400 naming the field when the activity is not shaped as the Bot Framework shapes it."""
    def wrong(path: str, kind: str):
        raise ApiError(400, "invalid_body", f"{path} must be {kind}", [{"path": path, "message": f"must be {kind}"}])

    for name, kind in SHAPE.items():
        if activity.get(name) is not None and not isinstance(activity[name], kind):
            wrong(name, "a string" if kind is str else "an object" if kind is dict else "a list")
    if activity.get("type") is None:
        wrong("type", "a string")
    people = [("from", activity.get("from")), ("recipient", activity.get("recipient"))]
    people += [(f"membersAdded[{i}]", m) for i, m in enumerate(activity.get("membersAdded") or [])]
    for i, entity in enumerate(activity.get("entities") or []):
        if isinstance(entity, dict) and entity.get("type") == "mention":
            if entity.get("text") is not None and not isinstance(entity["text"], str):
                wrong(f"entities[{i}].text", "a string")
            people.append((f"entities[{i}].mentioned", entity.get("mentioned")))
    for path, person in people:
        if person is None:
            continue
        if not isinstance(person, dict):
            wrong(path, "an object")
        for name in PERSON_FIELDS:
            if person.get(name) is not None and not isinstance(person[name], str):
                wrong(f"{path}.{name}", "a string")
    conversation_id = (activity.get("conversation") or {}).get("id")
    if conversation_id is not None and not isinstance(conversation_id, str):
        wrong("conversation.id", "a string")
    data = activity.get("channelData") or {}
    if not isinstance(data.get("teamsChannelId") or "", str) or not isinstance(data.get("channel") or {}, dict):
        wrong("channelData.teamsChannelId", "a string")


def _language_of(activity: dict) -> tuple[str, str]:
    """The sender's person's locale and timezone when known, else the locale of their Teams client."""
    sender = activity.get("from") if isinstance(activity.get("from"), dict) else {}
    client = activity.get("locale") if isinstance(activity.get("locale"), str) else ""
    if not (sender.get("aadObjectId") or sender.get("id")):
        return client, ""
    row = Person.objects.filter(key=_sender_key(sender, create=False)).values_list("locale", "timezone").first()
    locale, tz = row if row else ("", "")
    return (locale if supported_language(locale) else client), tz


def answer_for(activity: dict) -> dict | None:
    """The card the bot answers an activity with, or None for activities it only acknowledges."""
    kind = activity.get("type")
    if kind == "conversationUpdate":
        bot = (activity.get("recipient") or {}).get("id")
        added = [m.get("id") for m in activity.get("membersAdded") or [] if isinstance(m, dict)]
        return cards.welcome() if bot and bot in added else None
    if kind != "message":
        return None
    sender = activity.get("from") if isinstance(activity.get("from"), dict) else {}
    if not (sender.get("aadObjectId") or sender.get("id")):
        return cards.notice(gettext("Who is asking?"), gettext("This message carries no sender, so Plaudit cannot answer it."))
    text = _without_bot_mention(activity)
    plain = teams.plain_text(text, bot_name=None)
    word, _, rest = plain.partition(" ")
    word = word.strip().lstrip("/").lower()
    if word == "kudos":
        return _kudos(activity, sender, text)
    if word == "me":
        return _me(sender)
    if word == "top":
        return _top(rest.strip())
    if word == "challenges":
        return cards.challenges(challenge_standing.running(_sender_key(sender, create=False)))
    if word == "help":
        return cards.help_card()
    return cards.help_card(gettext("I did not understand %(text)s.") % {"text": repr(plain[:80])} if plain else None)


def _without_bot_mention(activity: dict) -> str:
    """The message's HTML without the <at>Bot</at> that addressed it (as Teams writes it in the entities)."""
    text = activity.get("text") if isinstance(activity.get("text"), str) else ""
    recipient = activity.get("recipient") if isinstance(activity.get("recipient"), dict) else {}
    for entity in _mentions(activity):
        if entity["mentioned"].get("id") == recipient.get("id") and isinstance(entity.get("text"), str):
            text = text.replace(entity["text"], "", 1)
    if recipient.get("name"):
        text = text.replace(f"<at>{recipient['name']}</at>", "", 1)
    return text.strip()


def _mentions(activity: dict) -> list[dict]:
    return [e for e in activity.get("entities") or []
            if isinstance(e, dict) and e.get("type") == "mention" and isinstance(e.get("mentioned"), dict)]


def _sender_key(sender: dict, *, create: bool) -> str:
    """The asking person's id: created on a kudos (as the webhook does), only looked up for a question."""
    if create:
        return teams.person_key(sender)
    for external_id in (sender.get("aadObjectId"), sender.get("id")):
        found = lookup("teams", external_id) if external_id else None
        if found:
            return found
    email = normalize_email(sender.get("email") or sender.get("userPrincipalName"))
    if email:
        return lookup("email", email) or email
    return f"teams:{sender.get('aadObjectId') or sender.get('id')}"


def _kudos(activity: dict, sender: dict, text: str) -> dict:
    """`kudos @Ana @Ben thanks for the review #teamwork`: the receivers are the mentions (and leading
    email addresses, for a one-to-one chat where Teams cannot mention colleagues), the message is what
    follows the leading ones (a mention inside it reads as @Name and is a receiver too)."""
    bot = (activity.get("recipient") or {}).get("id")
    body = re.sub(r"^\s*/?kudos\b", "", text, count=1, flags=re.I)
    mentioned = {e["text"]: e["mentioned"] for e in _mentions(activity)
                 if e["mentioned"].get("id") != bot and isinstance(e.get("text"), str)}
    receivers, names = [], []
    while True:  # the leading mentions and addresses, separated by spaces, commas or "and"
        body = re.sub(r"^(\s|,|&amp;|&nbsp;|\band\b)+", "", body, flags=re.I)
        tag = AT_TAG.match(body)
        if tag and tag.group(0) in mentioned:
            receivers.append(("mention", mentioned[tag.group(0)]))
            names.append(teams.plain_text(tag.group(1), bot_name=None))
            body = body[tag.end():]
            continue
        token = re.match(r"[^\s,;]*", body).group(0)
        if EMAIL.match(teams.plain_text(token, bot_name=None)):
            email = teams.plain_text(token, bot_name=None)
            receivers.append(("email", email))
            names.append(email)
            body = body[len(token):]
            continue
        break
    for tag in AT_TAG.finditer(body):  # "kudos thanks <at>Ana</at> for ...": a mention inside the message counts too
        if tag.group(0) in mentioned:
            receivers.append(("mention", mentioned[tag.group(0)]))
            names.append(teams.plain_text(tag.group(1), bot_name=None))
    message = teams.plain_text(body, bot_name=None)[:10_000]
    receivers = receivers[:MAX_RECEIVERS_SEEN]
    channel = teams.channel_of(activity)
    event_id = f"teams:{channel}:{activity.get('id')}" if activity.get("id") else None
    if event_id and len(event_id) > 200:  # personal-chat conversation ids are long; ids are at most 200 characters
        event_id = "teams:" + hashlib.sha256(event_id.encode()).hexdigest()[:40]
    try:
        with transaction.atomic():  # a refused kudos leaves no people or aliases behind, as a refused message does not
            giver = _sender_key(sender, create=True)
            keys = [teams.person_key(who) if how == "mention" else (lookup("email", normalize_email(who))
                                                                      or normalize_email(who))
                    for how, who in receivers]
            given = do_give_kudos(giver=giver, receivers=[k for k in dict.fromkeys(keys) if k], message=message,
                                  values=parse_hashtags(message), channel=channel[:200] or None, event_id=event_id,
                                  occurred_at=_moment(activity.get("timestamp")))
    except KudosRefused as refused:
        why = refused.message
        if not receivers:
            why += " " + gettext("Mention the people you thank (type @ and pick them), or write their email addresses.")
        # A kudos refused before the allowance was counted (no receiver, a message too long) still tells the
        # giver what they have left, as every other refusal does.
        allowance = refused.allowance
        if allowance is None and refused.code != "kudos_not_enabled":
            allowance = allowance_for(_sender_key(sender, create=False))
        return cards.kudos_refused(why, allowance)
    return cards.kudos_sent(list(dict.fromkeys(names)), message, list(given.values), given.allowance, given.duplicate)


def _moment(value) -> datetime | None:
    """The activity's timestamp (RFC 3339, UTC), or None (now) when it has none that parses."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _me(sender: dict) -> dict:
    key = _sender_key(sender, create=False)
    answer = standing.me(key)
    if not answer.get("known") and sender.get("name"):
        answer["name"] = sender["name"]
    return cards.me(answer, allowance_for(key))


def _top(board: str) -> dict:
    try:
        return cards.top(standing.top(board or None))
    except Forbidden as exc:  # works-council mode: no ranking of people
        return cards.notice(gettext("No individual rankings"), exc.message)
    except (NotFound, Conflict) as exc:
        return cards.notice(gettext("No such board"), exc.message)


def reply(activity: dict, card: dict) -> bool:
    """Post the card as a reply to the activity; False (and a log line) when it cannot be delivered."""
    service_url = activity.get("serviceUrl") or ""
    conversation = activity.get("conversation") if isinstance(activity.get("conversation"), dict) else {}
    if not conversation.get("id"):
        log.warning("Teams bot: activity %s has no conversation to answer in", activity.get("id"))
        return False
    url = f"{service_url.rstrip('/')}/v3/conversations/{quote(str(conversation['id']), safe='')}/activities"
    if activity.get("id"):
        url += f"/{quote(str(activity['id']), safe='')}"
    message = {"type": "message", "from": activity.get("recipient"), "recipient": activity.get("from"),
               "conversation": conversation, "attachments": [cards.attachment(card)]}
    if activity.get("id"):
        message["replyToId"] = activity["id"]
    try:
        token = bot_token()
        response = outbound.post(url, json.dumps(message).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    except (BotTokenFailed, outbound.OutboundRefused, outbound.OutboundFailed) as exc:
        log.warning("Teams bot: the reply to %s was not sent: %s", activity.get("id"), exc)
        return False
    if not 200 <= response.status < 300:
        log.warning("Teams bot: the Bot Connector answered %s to the reply to %s: %s", response.status,
                    activity.get("id"), response.body[:500].decode("utf-8", "replace"))
        return False
    return True
