"""Slack Events API → contract events. Verify first, map, hand to ingest, answer 200 fast.

Slack wants an answer within 3 seconds and retries (X-Slack-Retry-Num) otherwise. Ingest only
stores and enqueues scoring, so answering inline is fast; a retry carries the same payload, maps to
the same event ids and content, and ingest acknowledges it as a duplicate: never dropped, never
scored twice. See docs/integrations.md#slack for the mapping table.
"""

from __future__ import annotations

import logging
import re

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rules.core.textparse import parse_hashtags

from base.errors import ApiError, read_limited_body
from . import common
from .identity import resolve
from .slack_app import home, signature
from .slack_app.prompts import prompt_of_thread

log = logging.getLogger(__name__)

# Edits, deletions handled below, joins, topic changes, bot posts: not learning activity by a person.
# A bot message would otherwise award points to a bot (or loop on our own notifications).
MAPPED_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
USER_MENTION = re.compile(r"<@([UW]\w+)(?:\|[^>]*)?>")
CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
LINK = re.compile(r"<(https?://[^>|]+)(?:\|([^>]*))?>")
# A permalink to another Slack message: https://team.slack.com/archives/C123/p1700000000000100
PERMALINK = re.compile(r"https://[\w.-]+\.slack\.com/archives/([CG][A-Z0-9]+)/p(\d{10})(\d{6})")


@csrf_exempt  # Slack cannot send a CSRF token; the request signature is the authentication.
@require_POST
def events_view(request):
    try:
        body = read_limited_body(request, common.MAX_ADAPTER_BODY_BYTES, "a Slack event")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    problem = signature.problem(request, body)  # before a single byte is parsed
    if problem:
        return common.error(401, "invalid_signature", problem)
    try:
        payload = common.json_object(body, "a Slack event payload")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    if payload.get("type") == "url_verification":
        return JsonResponse({"challenge": payload.get("challenge", "")})
    if payload.get("type") != "event_callback" or not isinstance(payload.get("event"), dict):
        # Slack retries anything but a 2xx; an envelope we do not map is acknowledged, not refused.
        return JsonResponse({"ok": True, "ignored": f"payload type {payload.get('type')!r} is not mapped"})
    if payload["event"].get("type") == "app_home_opened":
        # Not activity: the person opened the app's Home tab, which shows where they stand.
        return JsonResponse({"ok": True, "published": home.publish(str(payload.get("team_id") or ""), payload["event"])})
    try:
        with common.atomic():
            events = map_event(str(payload.get("team_id") or ""), payload["event"])
            result = common.accept(events)
    except ApiError as exc:
        if exc.status == 409 and payload["event"].get("type") in {"reaction_added", "reaction_removed"}:
            # Slack gives a reaction no id of its own, so re-adding the same emoji after removing it
            # maps to the id of the first one, with another time: a conflict. The first reaction and
            # its undo stand, so a like/unlike loop earns nothing, which is what undo promises.
            return JsonResponse({"ok": True, "ignored": "the same reaction was recorded and undone before"})
        log.warning("slack event %s refused: %s %s", payload.get("event_id"), exc.message, exc.details)
        return JsonResponse(exc.body(), status=exc.status)
    return JsonResponse({"ok": True, **result})


def event_id(team: str, channel: str, ts: str) -> str:
    return f"slack:{team}:{channel}:{ts}"


def person(team: str, user: str, profile: dict | None = None) -> str:
    """A Slack user's person id: the profile email when the payload carries it, else slack:TEAM:USER."""
    profile = profile if isinstance(profile, dict) else {}
    name = profile.get("real_name") or profile.get("display_name") or None
    return resolve("slack", f"{team}:{user}", email=profile.get("email"), name=name)


def map_event(team: str, event: dict) -> list[dict]:
    kind = event.get("type")
    if kind == "message":
        return _message(team, event)
    if kind == "reaction_added":
        return _reaction(team, event)
    if kind == "reaction_removed":
        return _reaction_removed(team, event)
    return []  # app_mention, member_joined_channel...: subscribed perhaps, not mapped


def _message(team: str, m: dict) -> list[dict]:
    subtype = m.get("subtype")
    channel = m.get("channel") or ""
    if subtype == "message_deleted" and m.get("deleted_ts"):
        # A deleted post is undone, as the contract's undo describes; unknown posts need nothing.
        target = event_id(team, channel, m["deleted_ts"])
        if not common.is_stored(target):
            return []
        actor = common.stored_author(target)
        return [{"id": f"{target}:deleted", "type": "undo", "occurred_at": common.utc_from_epoch(m.get("event_ts") or m["ts"]),
                 "actor": actor, "channel": channel, "target": {"id": target}}]
    if subtype not in MAPPED_SUBTYPES or m.get("bot_id") or not m.get("user") or not m.get("ts"):
        return []
    ts, thread_ts = m["ts"], m.get("thread_ts")
    raw_text = m.get("text") or ""
    mentions = [person(team, u) for u in dict.fromkeys(USER_MENTION.findall(raw_text))]
    text = _plain(team, raw_text)
    body = {
        "id": event_id(team, channel, ts), "type": "post", "occurred_at": common.utc_from_epoch(ts),
        "actor": person(team, m["user"], m.get("user_profile")), "channel": channel,
        "text": text[:10_000], "hashtags": parse_hashtags(text), "mentions": mentions,
    }
    prompt = prompt_of_thread(channel, thread_ts) if thread_ts and thread_ts != ts else None
    if prompt:
        # The thread's parent is the bot's prompt: the reply names the prompt, and its target has no
        # author (not the bot, which is no person), so no rule awards the bot and `not_self` holds.
        body["type"] = "reshare" if subtype == "thread_broadcast" else "comment"
        body["target"] = {"id": event_id(team, channel, thread_ts)}
        body["attributes"] = {"prompt": prompt}
        return [body]
    shared = _shared_message(team, m)
    if shared:
        body["type"] = "reshare"
        body["target"] = shared
    elif thread_ts and thread_ts != ts:
        parent = event_id(team, channel, thread_ts)
        body["type"] = "comment"
        body["target"] = _target(parent, team, m.get("parent_user_id"))
    return [body]


def _shared_message(team: str, m: dict) -> dict | None:
    """The message this one shares, if Slack's payload says so (the heuristic is in docs/integrations.md).

    1. `thread_broadcast`: a reply also sent to the channel reshares the thread's parent.
    2. An attachment with `is_share` / `is_msg_unfurl` carrying `channel_id` and `ts`: Slack's
       "Share message" and pasted-permalink unfurls; the original's author is `author_id`.
    3. A permalink to a Slack message in the text, when Slack did not unfurl it.
    """
    channel = m.get("channel") or ""
    if m.get("subtype") == "thread_broadcast" and m.get("thread_ts"):
        return _target(event_id(team, channel, m["thread_ts"]), team, m.get("parent_user_id"))
    for att in m.get("attachments") or []:
        if isinstance(att, dict) and (att.get("is_share") or att.get("is_msg_unfurl")) and att.get("ts"):
            return _target(event_id(team, att.get("channel_id") or channel, att["ts"]), team, att.get("author_id"))
    found = PERMALINK.search(m.get("text") or "")
    if found:
        return _target(event_id(team, found.group(1), f"{found.group(2)}.{found.group(3)}"), team, None)
    return None


def _target(target_id: str, team: str, slack_author: str | None) -> dict:
    # The stored event knows the author as we resolved them; the payload's user id is the fallback.
    author = common.stored_author(target_id) or (person(team, slack_author) if slack_author else None)
    return {"id": target_id, **({"author": author} if author else {})}


def reaction_id(team: str, event: dict) -> str | None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts") or not event.get("user"):
        return None  # reactions on files and file comments have no message to credit
    return f"{event_id(team, item['channel'], item['ts'])}:reaction:{event['user']}:{event.get('reaction', '')}"


def _reaction(team: str, e: dict) -> list[dict]:
    rid = reaction_id(team, e)
    if rid is None:
        return []
    item = e["item"]
    target = event_id(team, item["channel"], item["ts"])
    if prompt_of_thread(item["channel"], item["ts"]):
        author = None  # a reaction to a prompt the bot posted: the bot is no one to award
    else:
        author = common.stored_author(target) or (person(team, e["item_user"]) if e.get("item_user") else None)
    return [{
        "id": rid, "type": "reaction", "occurred_at": common.utc_from_epoch(e.get("event_ts") or item["ts"]),
        "actor": person(team, e["user"]), "channel": item["channel"],
        "target": {"id": target, **({"author": author} if author else {})},
        "attributes": {"reaction": e.get("reaction", "")},
    }]


def _reaction_removed(team: str, e: dict) -> list[dict]:
    rid = reaction_id(team, e)
    # A reaction we never stored (added before the app was installed, or on a bot message we
    # ignored) earned nothing, so there is nothing to reverse; ingest would refuse an undo of an
    # unknown id with 422 and Slack would retry it for nothing. Acknowledge and store nothing.
    if rid is None or not common.is_stored(rid):
        return []
    return [{
        "id": f"{rid}:undo", "type": "undo", "occurred_at": common.utc_from_epoch(e.get("event_ts") or e["item"]["ts"]),
        "actor": person(team, e["user"]), "channel": e["item"]["channel"], "target": {"id": rid},
    }]


def _plain(team: str, text: str) -> str:
    """Slack's markup as people read it: <@U1> becomes @person-id, <#C1|general> becomes ~general."""
    text = USER_MENTION.sub(lambda mt: "@" + person(team, mt.group(1)), text)
    # Channel references are not hashtags: "~name" keeps them out of the hashtag parser.
    text = CHANNEL_REF.sub(lambda mt: "~" + (mt.group(2) or mt.group(1)), text)
    text = LINK.sub(lambda mt: mt.group(2) or mt.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
