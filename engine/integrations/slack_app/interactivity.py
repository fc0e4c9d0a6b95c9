"""`POST /integrations/slack/interactivity`: buttons, the give_kudos shortcut and its modal.

Slack sends one form field, `payload`, holding JSON, and wants a 200 within 3 seconds: an empty body
for a button, `response_action` for a modal's submission.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.errors import SlackClientError

from base.errors import ApiError
from base.models import PersonAlias
from base.redis import get_redis
from rules.core.eventschema import MAX_PERSON_ID_LENGTH

from .. import common
from . import blocks, giving, nudges
from .commands import readable
from .people import external_id, person_for, speaking_to
from .signature import signed_form
from .workspaces import bot_client

log = logging.getLogger(__name__)

# Which modal block a refusal belongs under (Slack shows the message there).
ERROR_BLOCK = {"unknown_value": "values", "value_required": "values", "validation_error": "receivers"}


@csrf_exempt  # Slack cannot send a CSRF token; the request signature is the authentication.
@require_POST
def interactivity_view(request):
    fields, refused = signed_form(request)
    if refused:
        return refused
    try:
        payload = common.json_object(fields.get("payload", "").encode(), "the payload field")
    except ApiError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    team = str((payload.get("team") or {}).get("id") or (payload.get("user") or {}).get("team_id") or "")
    user = str((payload.get("user") or {}).get("id") or "")
    if not team or not user:
        return common.error(400, "validation_error", "the payload names no team.id and user.id")
    with speaking_to(team, user):
        return _interaction(payload, team, user)


def _interaction(payload: dict, team: str, user: str):
    kind = payload.get("type")
    if kind == "block_actions":
        for action in payload.get("actions") or []:
            if isinstance(action, dict) and action.get("action_id") == "congratulate":
                congratulate(team, user, str(action.get("value") or ""), payload)
            elif isinstance(action, dict) and action.get("action_id") == "give_kudos":  # the Home tab's button
                open_modal(team, user, payload)
            elif isinstance(action, dict) and action.get("action_id") == nudges.STOP_ACTION:  # a nudge's button
                stop_nudges(team, user, payload)
        return HttpResponse(status=200)
    if kind == "message_action" and payload.get("callback_id") == "give_kudos":
        open_modal(team, user, payload)
        return HttpResponse(status=200)
    if kind == "view_submission" and (payload.get("view") or {}).get("callback_id") == "give_kudos":
        return JsonResponse(submit(team, user, payload["view"]))
    return HttpResponse(status=200)  # Slack retries nothing here; an interaction we do not handle is ignored


# --- the Congratulate button -------------------------------------------------------------------


def congratulation_id(team: str, user: str, target: str) -> str:
    """One reaction per clicker and recognised event: a second click finds it stored."""
    wanted = f"slack:{team}:congratulate:{user}:{target}"
    if len(wanted) <= MAX_PERSON_ID_LENGTH:
        return wanted
    return f"slack:{team}:congratulate:{user}:{hashlib.sha256(target.encode()).hexdigest()}"


def congratulate(team: str, user: str, target: str, payload: dict) -> None:
    slack = bot_client(team)
    channel = str((payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id") or "")
    author = common.stored_author(target) if target and len(target) <= MAX_PERSON_ID_LENGTH else None
    if author is None:
        return tell(slack, channel, user, gettext("That recognition is no longer known to Plaudit."))
    clicker = person_for(get_redis(), team, user, slack)
    if clicker == author:
        return tell(slack, channel, user, gettext("That is your own recognition: let others congratulate you."))
    reaction = congratulation_id(team, user, target)
    if common.is_stored(reaction):
        return tell(slack, channel, user, gettext("You congratulated them already."))
    event = {"id": reaction, "type": "reaction", "occurred_at": datetime.now(timezone.utc).isoformat(),
             "actor": clicker, "target": {"id": target, "author": author}, "attributes": {"reaction": "congratulate"}}
    if channel:
        event["channel"] = channel
    try:
        with common.atomic():
            common.accept([event])
    except ApiError as exc:
        if exc.status != 409:  # 409: a double click raced this one and was stored first
            raise
    tell(slack, channel, user, gettext(":tada: Your congratulations are recorded."))


def tell(slack, channel: str, user: str, text: str) -> None:
    """A note only the clicker sees, in the channel of the button."""
    if slack is None or not channel:
        return
    try:
        slack.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackClientError as exc:
        log.info("chat.postEphemeral to %s failed: %s", user, type(exc).__name__)


# --- the stop button of a nudge ------------------------------------------------------------------


def stop_nudges(team: str, user: str, payload: dict) -> None:
    """One click turns the person's nudges off; a Slack user we know nothing of had none to stop."""
    alias = PersonAlias.objects.filter(source="slack", external_id=external_id(team, user)).select_related("person").first()
    if alias is not None:
        nudges.do_set_nudges(alias.person, False)
    channel = str((payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id") or "")
    tell(bot_client(team), channel, user, gettext("You will get no more nudges from Plaudit. You can switch them on again on "
                                                  "your preferences page: %(url)s") % {"url": f"{settings.PUBLIC_BASE_URL}/me/preferences"})


# --- the give_kudos shortcut ---------------------------------------------------------------------


def open_modal(team: str, user: str, payload: dict) -> None:
    slack = bot_client(team)
    trigger = payload.get("trigger_id")
    if slack is None or not isinstance(trigger, str):
        return
    message = payload.get("message") or {}
    author = message.get("user")
    metadata = json.dumps({"channel": str((payload.get("channel") or {}).get("id") or ""),
                           "ts": str(message.get("ts") or "")})
    view = blocks.kudos_modal(initial_users=[author] if isinstance(author, str) and author != user else [],
                              text=readable(str(message.get("text") or "")), values=giving.values_offered(),
                              metadata=metadata)
    try:
        slack.views_open(trigger_id=trigger, view=view)
    except SlackClientError as exc:
        log.warning("views.open failed: %s", getattr(exc, "response", {}) and exc.response.get("error"))


def submit(team: str, user: str, view: dict) -> dict:
    state = ((view.get("state") or {}).get("values")) or {}
    receivers = [u for u in ((state.get("receivers") or {}).get("users") or {}).get("selected_users") or [] if isinstance(u, str)]
    text = str(((state.get("message") or {}).get("text") or {}).get("value") or "")
    picked = ((state.get("values") or {}).get("picked") or {}).get("selected_options") or []
    values = [str(o.get("value")) for o in picked if isinstance(o, dict) and o.get("value")]
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    channel = str(metadata.get("channel") or "")[:200] or None if isinstance(metadata, dict) else None
    if not receivers:
        return {"response_action": "errors", "errors": {"receivers": gettext("Pick at least one person to thank.")}}
    if not text.strip():
        return {"response_action": "errors", "errors": {"message": gettext("Say what you thank them for.")}}
    r = get_redis()
    slack = bot_client(team)
    try:
        given = giving.give(r, slack, team=team, giver=user, receivers=receivers, text=text, values=values, channel=channel,
                            event_id=f"slack:{team}:kudos:{view['id']}" if isinstance(view.get("id"), str) and len(view["id"]) <= 150 else None)
    except giving.KudosRefused as refusal:
        block = ERROR_BLOCK.get(refusal.code, "receivers")
        field = str(((refusal.details or [{}])[0] or {}).get("path") or "")
        if refusal.code == "validation_error" and field.split("[")[0] in ("message", "values"):
            block = field.split("[")[0]
        if block == "values" and "values" not in state:
            block = "message"  # no values offered: the #tags were typed in the message
        line = blocks.allowance_plain(refusal.allowance)
        return {"response_action": "errors", "errors": {block: f"{refusal.message} {line}".strip()[:2000]}}
    giving.announce(slack, channel, giver=user, receivers=receivers, text=text, given=given)
    return {"response_action": "update", "view": blocks.kudos_sent_view(given, list(dict.fromkeys(receivers)))}
