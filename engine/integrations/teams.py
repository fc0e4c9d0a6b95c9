"""Microsoft Teams outgoing webhook → contract events.

Teams sends a channel message that @mentions the webhook, signed with
`Authorization: HMAC base64(HMAC-SHA256(base64decode(secret), raw body))`, and shows the answer's
text in the thread. Only messages that mention the webhook reach us: that is how outgoing
webhooks work (docs/integrations.md#teams).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import re

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rules.core.textparse import parse_hashtags

from base.errors import ApiError, read_limited_body
from . import common
from .identity import resolve

TAG = re.compile(r"<[^>]+>")
AT = re.compile(r"<at>(.*?)</at>", re.S)


@csrf_exempt  # Teams sends no CSRF token; the HMAC is the authentication.
@require_POST
def messages_view(request):
    try:
        body = read_limited_body(request, common.MAX_ADAPTER_BODY_BYTES, "a Teams message")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    problem = _hmac_problem(request.headers.get("Authorization") or "", body)
    if problem:
        return common.error(401, "invalid_signature", problem)
    try:
        activity = common.json_object(body, "a Teams activity")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    if activity.get("type") != "message":
        return _reply("Plaudit only records messages.")
    try:
        with common.atomic():
            result = common.accept(map_activity(activity))
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    if not result["events"]:
        return _reply("Nothing to record here.")
    kind = "reply" if activity.get("replyToId") else "post"
    seen = "already recorded" if result["duplicates"] else "recorded"
    return _reply(f"Thanks! Your {kind} is {seen} in Plaudit.")


def _reply(text: str) -> JsonResponse:
    return JsonResponse({"type": "message", "text": text})


def _hmac_problem(header: str, body: bytes) -> str | None:
    secret = settings.TEAMS_HMAC_SECRET
    if not secret:
        return "TEAMS_HMAC_SECRET is not set, so no Teams request can be verified; set it to the webhook's security token"
    scheme, _, given = header.partition(" ")
    if scheme != "HMAC" or not given:
        return "send Authorization: HMAC <base64 signature>"
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return "TEAMS_HMAC_SECRET is not base64; copy the security token exactly as Teams shows it"
    expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        return "the HMAC signature does not match the body"
    return None


def channel_of(activity: dict) -> str:
    data = activity.get("channelData") or {}
    conversation = (activity.get("conversation") or {}).get("id") or ""
    # The conversation id of a thread reply is "19:...@thread.tacv2;messageid=PARENT": the part
    # before ";" is the channel, the same for posts and replies.
    return data.get("teamsChannelId") or (data.get("channel") or {}).get("id") or conversation.split(";")[0]


def person_key(user: dict) -> str | None:
    aad, channel_id = user.get("aadObjectId"), user.get("id")
    primary = aad or channel_id
    if not primary:
        return None
    also = (("teams", channel_id),) if aad and channel_id else ()
    return resolve("teams", primary, email=user.get("email") or user.get("userPrincipalName"),
                   name=user.get("name"), also=also)


def map_activity(activity: dict) -> list[dict]:
    sender = activity.get("from") or {}
    actor = person_key(sender)
    if actor is None or not activity.get("id"):
        return []
    channel = channel_of(activity)
    bot = (activity.get("recipient") or {}).get("id")
    mentions = []
    for entity in activity.get("entities") or []:
        mentioned = entity.get("mentioned") if isinstance(entity, dict) and entity.get("type") == "mention" else None
        # The webhook itself is mentioned in every message it receives; that is addressing, not recognition.
        if isinstance(mentioned, dict) and mentioned.get("id") and mentioned.get("id") != bot:
            mentions.append(person_key(mentioned))
    text = plain_text(activity.get("text") or "", bot_name=(activity.get("recipient") or {}).get("name"))
    event = {
        "id": f"teams:{channel}:{activity['id']}", "type": "post",
        "occurred_at": activity.get("timestamp") or activity.get("localTimestamp"),
        "actor": actor, "channel": channel, "text": text[:10_000],
        "hashtags": parse_hashtags(text), "mentions": [m for m in dict.fromkeys(mentions) if m],
    }
    if activity.get("replyToId"):
        parent = f"teams:{channel}:{activity['replyToId']}"
        author = common.stored_author(parent)
        event["type"] = "comment"
        event["target"] = {"id": parent, **({"author": author} if author else {})}
    return [event]


def plain_text(text: str, bot_name: str | None) -> str:
    """Teams' HTML as plain text, without the <at>webhook</at> that addressed us."""
    if bot_name:
        text = text.replace(f"<at>{bot_name}</at>", "")
    text = AT.sub(lambda m: "@" + m.group(1), text)
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text)
    return html.unescape(TAG.sub("", text)).strip()
