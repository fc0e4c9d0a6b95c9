"""Viva Engage (Yammer) messages, replies, likes and praise → contract events.

Viva Engage has no signed push like Slack's; a small relay (a Power Automate flow, or a job
polling the Yammer REST API) forwards what it reads, authenticated with a Plaudit integration key
(`Authorization: Bearer KEY`). Shapes accepted are Yammer's own (docs/integrations.md#viva-engage):
one message, a list, or `{"messages": [...], "references": [...], "likes": [...]}`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ninja.errors import AuthorizationError

from rules.core.textparse import parse_hashtags

from base.auth import SENDERS, KeyAuth
from base.key_scopes import check_sources
from base.errors import ApiError, read_limited_body
from . import common
from .identity import resolve

PARSED_USER = re.compile(r"\[\[user:(\d+)\]\]")
MAX_ITEMS = 1000  # the same ceiling as POST /api/v1/events


@csrf_exempt  # a bearer key, not a browser session, authenticates this endpoint
@require_POST
def messages_view(request):
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    try:
        key = KeyAuth(SENDERS).authenticate(request, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    except AuthorizationError as exc:
        return common.error(403, "forbidden", str(exc.message) if hasattr(exc, "message") else str(exc))
    if key is None:
        return common.error(401, "unauthorized", "send Authorization: Bearer KEY with an integration key")
    try:
        body = read_limited_body(request, 2_000_000, "a Viva Engage batch")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json", "the body is not JSON") from None
        events = map_payload(payload)
        check_sources(key, events)  # a key scoped to other sources may not write viva: ids
        with common.atomic():
            result = common.accept(events)
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    return JsonResponse(result)


def map_payload(payload) -> list[dict]:
    if isinstance(payload, list):
        payload = {"messages": payload}
    elif isinstance(payload, dict) and "messages" not in payload and "likes" not in payload:
        payload = {"messages": [payload]} if payload.get("type") != "like" else {"likes": [payload]}
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "send a Yammer message, a list of them, or {messages, references, likes}")
    refs = {str(r.get("id")): r for r in payload.get("references") or [] if isinstance(r, dict) and r.get("type") == "user"}
    items = [("message", m) for m in payload.get("messages") or []] + [("like", x) for x in payload.get("likes") or []]
    # Inline likes ({"type": "like"}) may be mixed into messages too.
    items = [("like", x) if isinstance(x, dict) and x.get("type") == "like" else (k, x) for k, x in items]
    if len(items) > MAX_ITEMS:
        raise ApiError(422, "batch_too_large", f"a request carries at most {MAX_ITEMS} items; this one has {len(items)}")
    events, problems = [], []
    # Authors of messages earlier in this same batch: a relay sends a thread and its likes together,
    # before any of it is stored, and the reply or like must still credit the right author.
    authors: dict[str, str] = {}
    for index, (kind, item) in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValueError("each item is a JSON object")
            event = _like(item, refs, authors) if kind == "like" else _message(item, refs, authors)
            authors[event["id"]] = event["actor"]
            events.append(event)
        except (KeyError, ValueError, TypeError) as exc:
            missing = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problems.append({"path": f"items[{index}]", "message": missing})
    if problems:
        raise ApiError(422, "validation_error", f"{len(problems)} item(s) could not be read; nothing was stored", problems)
    return events


def _person(user_id, refs: dict) -> str:
    ref = refs.get(str(user_id)) or {}
    return resolve("viva", str(user_id), email=ref.get("email"), name=ref.get("full_name"))


def _time(value) -> str:
    """Yammer writes "2026/11/25 10:00:00 +0000"; ISO 8601 is accepted as well."""
    if not isinstance(value, str):
        raise ValueError("created_at is required")
    for fmt in ("%Y/%m/%d %H:%M:%S %z",):
        try:
            return datetime.strptime(value, fmt).isoformat()
        except ValueError:
            pass
    return value  # ingest validates RFC 3339 and names the field if it is not


def _author(target: str, authors: dict) -> str | None:
    return authors.get(target) or common.stored_author(target)


def _message(m: dict, refs: dict, authors: dict) -> dict:
    body = m.get("body") or {}
    text = (body.get("plain") or "")[:10_000] if isinstance(body, dict) else str(body)[:10_000]
    parsed = body.get("parsed") or "" if isinstance(body, dict) else ""
    mentioned = list(PARSED_USER.findall(parsed))
    praised = [str(u) for u in m.get("praised_user_ids") or []]
    event = {
        "id": f"viva:{m['id']}", "type": "post", "occurred_at": _time(m.get("created_at")),
        "actor": _person(m["sender_id"], refs), "text": text, "hashtags": parse_hashtags(text),
        "mentions": [],
    }
    if m.get("group_id"):
        event["channel"] = str(m["group_id"])
    if m.get("message_type") == "praise" or praised:
        # Praise is recognition of the praised people: the contract's shoutout, mentioning them.
        event["type"] = "shoutout"
        mentioned = praised + mentioned
        if m.get("praise_icon"):
            event["attributes"] = {"praise_icon": str(m["praise_icon"])}
    elif m.get("replied_to_id"):
        parent = f"viva:{m['replied_to_id']}"
        author = _author(parent, authors)
        event["type"] = "comment"
        event["target"] = {"id": parent, **({"author": author} if author else {})}
    event["mentions"] = list(dict.fromkeys(_person(u, refs) for u in dict.fromkeys(mentioned)))
    return event


def _like(like: dict, refs: dict, authors: dict) -> dict:
    target = f"viva:{like['message_id']}"
    author = _author(target, authors) or (
        _person(like["message_sender_id"], refs) if like.get("message_sender_id") else None)
    return {
        "id": f"viva:{like['message_id']}:like:{like['user_id']}", "type": "reaction",
        "occurred_at": _time(like.get("created_at")), "actor": _person(like["user_id"], refs),
        "target": {"id": target, **({"author": author} if author else {})},
    }
