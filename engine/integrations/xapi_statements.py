"""xAPI statements mapped to contract events: which verb is which event type, who the actor is,
what the object and the result say. No HTTP here: engine/integrations/xapi.py is the LRS edge."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from base.errors import ApiError
from base.ingest import MAX_BATCH
from base.models import Event

from .identity import lookup

CHANNEL = "lms"
EVENT_TYPE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # what the contract's `type` allows

# Verb (the id's last segment) -> contract event type. Unlisted verbs keep their last segment as
# the type: stored, and rules may match them.
VERB_TYPES = {
    "completed": "course_completed",
    "passed": "course_completed",
    "attended": "attended",
    "commented": "comment",
    "shared": "reshare",
    "answered": "answer",
    "asked": "question",
    "earned": "certification_earned",  # Open Badges / Activity Streams
    "earn": "certification_earned",  # http://activitystrea.ms/schema/1.0/earn
    "liked": "reaction",
    "voided": "undo",  # xAPI voiding: the object is a StatementRef to the statement it cancels
}
# Verbs about something else (a comment on an activity, a like of it): the object becomes the target.
TARGETED = {"comment", "reshare", "answer", "reaction"}
# Verbs whose `result.response` is the person's words, parsed for hashtags and mentions.
WORDS = {"comment", "answer", "question"}
# A completion or pass of a certification activity is the certification itself.
CERTIFYING_VERBS = {"completed", "passed"}
# Differences in these do not make another statement (the LRS sets them, or they are covered elsewhere).
NOT_CONTENT = {"id", "stored", "authority", "version", "timestamp"}


def map_statements(raw: Any) -> tuple[list[str], list[dict]]:
    """Statement ids and contract events, or a 400 listing every problem with its statement path."""
    single = isinstance(raw, dict)
    items = [raw] if single else raw
    if not isinstance(items, list) or not items:
        raise ApiError(400, "invalid_body", "send one statement object or a non-empty JSON array of statements")
    if len(items) > MAX_BATCH:
        raise ApiError(400, "batch_too_large", f"a request carries at most {MAX_BATCH} statements; this one has {len(items)}")
    # A resent statement without a timestamp must map to the same event, not to "now" again.
    known = _stored_times(items)
    now = datetime.now(timezone.utc)
    ids, events, problems = [], [], []
    for index, statement in enumerate(items):
        prefix = "" if single else f"statements[{index}]."
        found: list[dict] = []
        statement_id, event = map_statement(statement, now=now, known_times=known, problems=found)
        problems.extend({"path": prefix + p["path"] if p["path"] else prefix.rstrip("."), "message": p["message"]}
                        for p in found)
        if event is not None:
            ids.append(statement_id)
            events.append(event)
    if problems:
        raise ApiError(400, "invalid_statement", f"{len(problems)} problem(s) in the statements; nothing was stored", problems)
    return ids, events


def _stored_times(items: list) -> dict[str, datetime]:
    ids = []
    for s in items:
        if isinstance(s, dict) and "timestamp" not in s and isinstance(s.get("id"), str):
            try:
                ids.append(f"xapi:{uuid.UUID(s['id'])}")
            except ValueError:
                pass
    if not ids:
        return {}
    return dict(Event.objects.filter(source_id__in=ids).values_list("source_id", "occurred_at"))


def map_statement(statement: Any, *, now: datetime, known_times: dict[str, datetime],
                  problems: list[dict]) -> tuple[str | None, dict | None]:
    """One statement -> (its id, a contract event). Problems are appended as {"path", "message"}."""
    if not isinstance(statement, dict):
        problems.append({"path": "", "message": "each statement is a JSON object"})
        return None, None
    before = len(problems)

    statement_id = _statement_id(statement, problems)
    actor = _actor(statement.get("actor"), "actor", problems)
    verb_id, segment = _verb(statement.get("verb"), problems)
    obj = statement.get("object")
    if not isinstance(obj, dict):
        problems.append({"path": "object", "message": "the object is required: an Activity with an id, or a StatementRef"})
        obj = {}
    result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
    context = statement.get("context") if isinstance(statement.get("context"), dict) else {}
    object_id, definition = _object(obj, problems)
    event_id = f"xapi:{statement_id}"
    occurred_at = _occurred_at(statement, event_id, now, known_times, problems)
    if len(problems) > before:
        return statement_id, None

    certification = _is_certification(definition)
    event_type = VERB_TYPES.get(segment, segment)
    success = result.get("success") if isinstance(result.get("success"), bool) else None
    if segment == "passed" and success is None:
        success = True  # passing is a success by definition
    if segment in CERTIFYING_VERBS and certification and success:
        event_type = "certification_earned"
    if event_type == "undo" and segment != "voided":
        problems.append({"path": "verb.id", "message": "'undo' is reserved; void a statement with the verb .../voided"})
    if segment == "voided" and obj.get("objectType") != "StatementRef":
        problems.append({"path": "object.objectType", "message": "a voided statement names a StatementRef to the statement it voids"})
    if not EVENT_TYPE.match(event_type):
        problems.append({"path": "verb.id", "message": "the verb's last segment must be letters, digits, '_', '.', ':' or '-' (at most 64)"})
    if len(problems) > before:
        return statement_id, None

    attributes: dict[str, Any] = {"verb": verb_id, "activity": object_id}
    name = _language_value(definition.get("name"))
    if name:
        attributes["activity_name"] = name
    if success is not None:
        attributes["success"] = success
    score = _score(result.get("score"))
    if score is not None:
        attributes["score"] = score
    # A fingerprint of everything else in the statement, so another statement under a stored id is a
    # conflict even when it differs only in what the event does not carry.
    content = {k: v for k, v in statement.items() if k not in NOT_CONTENT}
    attributes["statement_sha256"] = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    event: dict[str, Any] = {"id": event_id, "type": event_type, "occurred_at": occurred_at.isoformat(),
                             "actor": actor, "channel": CHANNEL, "attributes": attributes}
    program = _program(context)
    if program:
        event["program"] = program
    if event_type in TARGETED or event_type == "undo":
        event["target"] = {"id": object_id}
    response = result.get("response")
    if event_type in WORDS and isinstance(response, str) and response:
        event["text"] = response
    return statement_id, event


def _statement_id(statement: dict, problems: list[dict]) -> str:
    raw = statement.get("id")
    if raw is None:
        return str(uuid.uuid4())  # the LRS assigns one, as the spec says
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError, AttributeError):
        problems.append({"path": "id", "message": "a statement id is a UUID, like 12345678-1234-5678-1234-567812345678"})
        return ""


def _actor(actor: Any, path: str, problems: list[dict]) -> dict | None:
    """An Agent identified by mbox (the email is the person id), account ({homePage}:{name}) or openid."""
    if not isinstance(actor, dict):
        problems.append({"path": path, "message": "the actor is required: an Agent with mbox, account or openid"})
        return None
    if actor.get("objectType") == "Group":
        problems.append({"path": f"{path}.objectType", "message": "a Group earns no points; send a statement per member"})
        return None
    person_id = None
    mbox, account, openid = actor.get("mbox"), actor.get("account"), actor.get("openid")
    if isinstance(mbox, str) and mbox.startswith("mailto:") and len(mbox) > 7:
        # Lower-cased like the chat adapters' emails, so one person is one id across sources; a
        # people-directory entry that lists this email wins (PUT /api/v1/people/{id}).
        email = mbox.removeprefix("mailto:").strip().lower()
        person_id = lookup("email", email) or email
    elif mbox is not None:
        problems.append({"path": f"{path}.mbox", "message": "mbox is a mailto: IRI, like mailto:ana@example.com"})
        return None
    elif isinstance(account, dict):
        home, name = account.get("homePage"), account.get("name")
        if not (isinstance(home, str) and home and isinstance(name, str) and name):
            problems.append({"path": f"{path}.account", "message": "an account has homePage and name"})
            return None
        person_id = f"{home}:{name}"
    elif isinstance(openid, str) and openid:
        person_id = openid
    else:
        problems.append({"path": path, "message": "identify the actor with mbox, account or openid (mbox_sha1sum cannot name a person)"})
        return None
    if len(person_id) > 200:
        problems.append({"path": path, "message": "the actor's identifier is longer than 200 characters"})
        return None
    person: dict[str, Any] = {"id": person_id}
    if isinstance(actor.get("name"), str) and actor["name"]:
        person["name"] = actor["name"][:200]
    return person


def _verb(verb: Any, problems: list[dict]) -> tuple[str, str]:
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if not isinstance(verb_id, str) or not verb_id:
        problems.append({"path": "verb.id", "message": "the verb is required: an object with an id IRI"})
        return "", ""
    return verb_id, re.split(r"[/#]", verb_id.rstrip("/#"))[-1]


def _object(obj: dict, problems: list[dict]) -> tuple[str, dict]:
    kind = obj.get("objectType", "Activity")
    if kind == "StatementRef":
        try:
            return f"xapi:{uuid.UUID(obj.get('id'))}", {}
        except (ValueError, TypeError, AttributeError):
            problems.append({"path": "object.id", "message": "a StatementRef's id is a statement UUID"})
            return "", {}
    if kind in ("Agent", "Group", "SubStatement"):
        problems.append({"path": "object.objectType", "message": f"{kind} objects are not supported here; use an Activity"})
        return "", {}
    object_id = obj.get("id")
    if not isinstance(object_id, str) or not object_id or len(object_id) > 200:
        problems.append({"path": "object.id", "message": "an Activity has an id IRI of at most 200 characters"})
        return "", {}
    definition = obj.get("definition") if isinstance(obj.get("definition"), dict) else {}
    return object_id, definition


def _occurred_at(statement: dict, event_id: str, now: datetime, known_times: dict[str, datetime],
                 problems: list[dict]) -> datetime:
    """`timestamp`; without one, the time already stored for this id, else `stored`, else now."""
    field = "timestamp" if statement.get("timestamp") is not None else "stored"
    value = statement.get(field)
    if field == "stored" and event_id in known_times:
        return known_times[event_id]
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        problems.append({"path": field, "message": "an ISO 8601 time, like 2026-11-28T10:15:00.000Z"})
        return now
    # xAPI lets a timestamp omit the zone; read it as UTC rather than refuse what LMSs send.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _is_certification(definition: dict) -> bool:
    """A certification activity: its type or name says so, or an extension marks it."""
    kind = definition.get("type")
    if isinstance(kind, str) and re.split(r"[/#]", kind.rstrip("/#"))[-1].lower().endswith("certification"):
        return True
    names = definition.get("name") if isinstance(definition.get("name"), dict) else {}
    if any(isinstance(n, str) and "certification" in n.lower() for n in names.values()):
        return True
    extensions = definition.get("extensions") if isinstance(definition.get("extensions"), dict) else {}
    for key, value in extensions.items():
        last = re.split(r"[/#]", key.rstrip("/#"))[-1].lower()
        if "certification" in last and value not in (False, None, 0, "", "false"):
            return True
        if isinstance(value, str) and value.lower() == "certification":
            return True
    return False


def _language_value(names: Any) -> str | None:
    if not isinstance(names, dict) or not names:
        return None
    for tag in ("en-US", "en", "en-GB"):
        if isinstance(names.get(tag), str):
            return names[tag]
    first = next(iter(names.values()))
    return first if isinstance(first, str) else None


def _score(score: Any) -> float | int | None:
    """Scaled (-1..1) as a percentage, else raw: what rules compare with `score >= 80`."""
    if not isinstance(score, dict):
        return None
    scaled, raw = score.get("scaled"), score.get("raw")
    if isinstance(scaled, (int, float)) and not isinstance(scaled, bool):
        return round(scaled * 100, 2)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    return None


def _program(context: dict) -> str | None:
    extensions = context.get("extensions") if isinstance(context.get("extensions"), dict) else {}
    for key, value in extensions.items():
        if re.split(r"[/#]", key.rstrip("/#"))[-1].lower() == "program" and isinstance(value, str) and value:
            return value
    activities = context.get("contextActivities") if isinstance(context.get("contextActivities"), dict) else {}
    grouping = activities.get("grouping")
    grouping = [grouping] if isinstance(grouping, dict) else grouping  # 1.0.0 allowed a lone object
    if isinstance(grouping, list) and grouping and isinstance(grouping[0], dict) and isinstance(grouping[0].get("id"), str):
        return grouping[0]["id"]
    return None
