"""Giving and undoing kudos: the allowance is checked when a kudos is given, not when it is scored.

A kudos is stored as a contract event through the base's ingest (type `kudos`, actor the giver,
mentions the receivers, text the message, hashtags the values), so the scorer scores it exactly
once like any event. The checks and the store run in one transaction that holds a lock per giver,
so concurrent gives from one person never overspend the allowance: on SQLite every write
transaction takes the database's write lock at BEGIN (engine/sqlite_backend), on PostgreSQL a
transaction-scoped advisory lock keyed by the giver is taken first.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext, ngettext

from base.accept import do_accept_events
from base.errors import ApiError, NotFound
from base.models import Event, Person
from rules.core import Ruleset
from rules.core.checks import VALUE, value_key
from rules.core.eventschema import MAX_PERSON_ID_LENGTH
from rules.core.textparse import parse_hashtags

from .allowance import KUDOS, Allowance, allowance_in, given_to, kudos_ruleset, live_kudos
from .periods import THIS, bounds, reset_day

MAX_RECEIVERS = 10
MAX_MESSAGE = 2000
MAX_VALUES = 20
# Longer lists are not a kudos at all: refused as invalid before they are counted.
MAX_LISTED = 1000


class KudosRefused(ApiError):
    """Why a kudos was not given, in words a person reads in chat, with what is left of the allowance.

    `status` is 422 for a refusal, 409 for `kudos_not_enabled` and for an id given before with other
    content, 403 for undoing someone else's kudos; `allowance` is None when it is not known."""

    def __init__(self, code: str, message: str, allowance: Allowance | None = None, *, status: int = 422,
                 details: list[dict] | None = None):
        super().__init__(status, code, message, details)
        self.allowance = allowance

    def body(self) -> dict:
        body = super().body()
        body["allowance"] = self.allowance.as_json() if self.allowance else None
        return body


@dataclass(frozen=True)
class Given:
    event_id: str
    receivers: list[str]
    values: list[str]
    allowance: Allowance
    duplicate: bool


def do_give_kudos(*, giver: str, receivers: list[str], message: str, values: Iterable[str] = (),
                  channel: str | None = None, event_id: str | None = None, occurred_at: datetime | None = None,
                  attributes: dict | None = None) -> Given:
    """Store a kudos from `giver` to `receivers` (person ids), or raise KudosRefused saying why."""
    receivers, message, values = _checked(giver, receivers, message, values, channel, event_id, occurred_at)
    ruleset = kudos_ruleset()
    if ruleset is None:
        raise KudosRefused("kudos_not_enabled", gettext("Kudos are not enabled: the active ruleset has no `kudos:` "
                                                        "section (an admin adds one; see docs/rules.md)"), status=409)
    moment = (occurred_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    tags = _values_of(values, message)
    with transaction.atomic():
        _lock_giver(giver)
        if event_id is not None:
            earlier = _repeat(event_id, giver, receivers, message, tags, channel, occurred_at, attributes)
            if earlier is not None:
                return Given(event_id, list(earlier.mentions), list(earlier.hashtags),
                             allowance_in(ruleset, giver, earlier.occurred_at), duplicate=True)
        _check_rules(ruleset, giver, receivers, tags, moment)
        event_id = event_id or f"kudos:{uuid.uuid4().hex}"
        event = {"id": event_id, "type": KUDOS, "occurred_at": moment.isoformat(), "actor": giver,
                 "mentions": receivers, "text": message, "hashtags": tags}
        if channel:
            event["channel"] = channel
        if attributes:
            event["attributes"] = attributes
        try:
            do_accept_events(event)
        except ApiError as exc:  # another giver took the id meanwhile, or the event format refuses a value
            raise KudosRefused(exc.code, exc.message, allowance_in(ruleset, giver, moment), status=exc.status,
                               details=exc.details) from None
        return Given(event_id, receivers, tags, allowance_in(ruleset, giver, moment), duplicate=False)


def give_kudos_json(item: dict) -> Given:
    """do_give_kudos for a kudos written as `POST /api/v1/kudos` takes it, with an `occurred_at` (RFC 3339)."""
    when = item.get("occurred_at")
    return do_give_kudos(giver=item["from"], receivers=item["to"], message=item["message"], values=item.get("values", ()),
                         channel=item.get("channel"), event_id=item.get("id"),
                         occurred_at=datetime.fromisoformat(when) if when else None)


def do_undo_kudos(*, event_id: str, by: str | None = None) -> None:
    """Undo a kudos (stores an undo event; scoring takes its points back) and give its allowance back.

    `by` is the person undoing it, who must be its giver; None is an admin. Undoing an undone
    kudos changes nothing."""
    kudos = Event.objects.filter(source_id=event_id, type=KUDOS).select_related("actor").first()
    if kudos is None:
        raise NotFound(f"no kudos has the id {event_id!r}", code="kudos_not_found")
    giver = kudos.actor.key
    if by is not None and by != giver:
        raise KudosRefused("not_your_kudos", gettext("Only the person who gave a kudos (or an admin) can undo it."), status=403)
    with transaction.atomic():
        _lock_giver(giver)
        if not live_kudos().filter(pk=kudos.pk).exists():
            return
        undo_id = f"{event_id}:undo" if len(event_id) <= MAX_PERSON_ID_LENGTH - 5 else \
            f"kudos-undo:{hashlib.sha256(event_id.encode()).hexdigest()[:48]}"
        do_accept_events({"id": undo_id, "type": "undo", "occurred_at": datetime.now(timezone.utc).isoformat(),
                          "actor": by or giver, "target": {"id": event_id}})


def _checked(giver, receivers, message, values, channel, event_id, occurred_at) -> tuple[list[str], str, list[str]]:
    """The input cleaned (receivers once each, in order; the message trimmed), or validation_error naming each field."""
    problems = []

    def person_id(value, path):
        if not isinstance(value, str) or not value.strip().lstrip("@") or len(value) > MAX_PERSON_ID_LENGTH or "\x00" in value:
            problems.append({"path": path, "message": f"a person id of 1 to {MAX_PERSON_ID_LENGTH} characters"})
            return False
        return True

    person_id(giver, "from")
    if isinstance(receivers, str) or not isinstance(receivers, (list, tuple)):
        problems.append({"path": "to", "message": "a list of the receivers' person ids"})
        receivers = []
    elif not receivers:
        problems.append({"path": "to", "message": "name at least one receiver"})
    elif len(receivers) > MAX_LISTED:
        problems.append({"path": "to", "message": f"at most {MAX_RECEIVERS} receivers"})
    else:
        receivers = [r for i, r in enumerate(receivers) if person_id(r, f"to[{i}]")]
    if not isinstance(message, str) or not message.strip():
        problems.append({"path": "message", "message": "say what you thank them for: the message is empty"})
        message = ""
    elif len(message) > MAX_MESSAGE or "\x00" in message:
        problems.append({"path": "message", "message": f"a message of at most {MAX_MESSAGE:,} characters, without NUL"})
    values = list(values) if isinstance(values, (list, tuple)) else values
    if not isinstance(values, list) or len(values) > MAX_VALUES:
        problems.append({"path": "values", "message": f"a list of at most {MAX_VALUES} values"})
        values = []
    else:
        for i, value in enumerate(values):
            if not isinstance(value, str) or len(value) > 100 or not VALUE.match(value):
                problems.append({"path": f"values[{i}]", "message": "a value is one word like teamwork ('#' optional)"})
    if channel is not None and (not isinstance(channel, str) or len(channel) > 200 or "\x00" in channel):
        problems.append({"path": "channel", "message": "a channel name of at most 200 characters"})
    if event_id is not None and not (isinstance(event_id, str) and event_id.strip() and len(event_id) <= MAX_PERSON_ID_LENGTH
                                     and "\x00" not in event_id):
        problems.append({"path": "id", "message": f"an id of 1 to {MAX_PERSON_ID_LENGTH} characters"})
    if occurred_at is not None and (not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None):
        problems.append({"path": "occurred_at", "message": "a time with its offset"})
    if problems:
        raise KudosRefused("validation_error", f"The kudos is not valid: {problems[0]['path']}: {problems[0]['message']}.",
                           details=problems)
    # Ingest reads mentions without their `@`, so the receivers are compared without it too.
    return list(dict.fromkeys(r.strip().lstrip("@") for r in receivers)), message.strip(), values


def _values_of(values: list[str], message: str) -> list[str]:
    """The values named and the `#tags` of the message, as hashtags compare: lower-case, no `#`, once each."""
    return list(dict.fromkeys(value_key(v) for v in [*values, *parse_hashtags(message)]))


def _check_rules(ruleset: Ruleset, giver: str, receivers: list[str], tags: list[str], moment: datetime) -> None:
    """The refusals in the contract's order: self_kudos, too_many_receivers, unknown_value,
    value_required, per_receiver_limit, allowance_exhausted."""
    spec = ruleset.kudos

    def allowance() -> Allowance:
        return allowance_in(ruleset, giver, moment)

    if giver in receivers:
        raise KudosRefused("self_kudos", gettext("You cannot give yourself kudos; thank a colleague instead."), allowance())
    if len(receivers) > MAX_RECEIVERS:
        raise KudosRefused("too_many_receivers", gettext("A kudos goes to at most %(most)s people; this one names "
                                                         "%(count)s. Split it into smaller ones.")
                           % {"most": MAX_RECEIVERS, "count": len(receivers)}, allowance())
    known = ruleset.kudos_values
    if known is not None:
        unknown = [t for t in tags if t not in known]
        if unknown:
            raise KudosRefused("unknown_value", ngettext("%(tags)s is not one of the company values: %(values)s.",
                                                         "%(tags)s are not among the company values: %(values)s.",
                                                         len(unknown))
                               % {"tags": ", ".join("#" + t for t in unknown), "values": ", ".join("#" + v for v in known)},
                               allowance())
    if spec.require_value and not tags:
        raise KudosRefused("value_required", gettext("Name the company value it shows: %(values)s.")
                           % {"values": ", ".join("#" + v for v in known or ())}, allowance())
    if spec.per_receiver is not None:
        start, end = bounds(spec.per_receiver.per, moment, ruleset.tz)
        for receiver in receivers:
            if given_to(giver, receiver, start, end) >= spec.per_receiver.max:
                name = _name(receiver)
                raise KudosRefused(
                    "per_receiver_limit",
                    gettext("You have given %(name)s %(most)s kudos %(period)s, the most one person may give another; "
                            "you can thank %(name)s again from %(day)s.")
                    % {"name": name, "most": spec.per_receiver.max, "period": THIS[spec.per_receiver.per],
                       "day": reset_day(end, ruleset.tz)}, allowance())
    left = allowance()
    if len(receivers) > left.left:
        words = {"left": left.left, "period": THIS[left.per], "count": len(receivers),
                 "day": reset_day(left.resets_at, ruleset.tz)}
        if len(receivers) > 1:
            message = gettext("You have %(left)s kudos left %(period)s; this kudos to %(count)s people needs "
                              "%(count)s. They reset on %(day)s.") % words
        else:
            message = gettext("You have %(left)s kudos left %(period)s. They reset on %(day)s.") % words
        raise KudosRefused("allowance_exhausted", message, left)


def _name(person_key: str) -> str:
    return Person.objects.filter(key=person_key).values_list("name", flat=True).first() or person_key


def _lock_giver(giver: str) -> None:
    """Serialise this transaction with every other one giving or undoing the giver's kudos."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"plaudit:kudos:{giver}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    # SQLite: the transaction holds the database's one write lock from BEGIN IMMEDIATE already.


def _repeat(event_id, giver, receivers, message, tags, channel, occurred_at, attributes) -> Event | None:
    """The stored event when this id was given before with the same content (a repeat uses no
    allowance); KudosRefused 409 when with other content; None when the id is new."""
    earlier = Event.objects.filter(source_id=event_id).select_related("actor").first()
    if earlier is None:
        return None
    same = (earlier.type == KUDOS and earlier.actor.key == giver and list(earlier.mentions) == receivers
            and earlier.text == message and sorted(earlier.hashtags) == sorted(tags) and earlier.channel == (channel or "")
            and (occurred_at is None or earlier.occurred_at == occurred_at)
            and (attributes is None or earlier.attributes == attributes))
    if not same:
        raise KudosRefused("conflict", f"The id {event_id!r} was used before for other content; give this kudos "
                           "another id.", status=409)
    return earlier
