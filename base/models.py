"""The event log, the ledger and the people they concern. The database is the truth."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Iterator, NamedTuple

from django.db import connection, models
from django.db.models.functions import Cast

from rules.core import Event as CoreEvent

from .dbtimes import stores_utc_text, utc_from_text


class Person(models.Model):
    key = models.CharField(max_length=200, unique=True)  # the person id events use (an email, a Slack id...)
    name = models.CharField(max_length=200, blank=True)
    team = models.CharField(max_length=100, blank=True)
    public = models.BooleanField(default=True)  # False: left out of every public board
    role = models.CharField(max_length=100, blank=True)  # e.g. facilitator: boards may exclude roles
    # False: deprovisioned by the identity provider (SCIM active=false or DELETE): off every board, no
    # sign-in, the ledger kept; provisioning them again turns it back.
    active = models.BooleanField(default=True)
    locale = models.CharField(max_length=35, blank=True)  # a BCP 47 tag (de, de-AT, en-GB) from the directory, SCIM or OIDC
    timezone = models.CharField(max_length=64, blank=True)  # an IANA zone (Europe/Berlin) where known
    # The person's own choices (the page /me/preferences): a badge they hold shown as their title beside
    # their name (only while they hold it), the announcements that may name them in channels colleagues
    # read, whether Slack announcements @-mention them, and whether email digests come to them.
    title_badge = models.CharField(max_length=64, blank=True)
    quiet_announcements = models.JSONField(default=list, blank=True)  # trigger names not announced about them
    slack_mention = models.BooleanField(default=True)
    digest_email = models.BooleanField(default=True)
    # Derived from the ledger in the scoring transaction; read models only.
    points = models.BigIntegerField(default=0)
    level = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key

    @property
    def display_name(self) -> str:
        return self.name or self.key


class PersonAlias(models.Model):
    """Who a source's user id is: a Slack, Teams or Viva Engage user (or an email) mapped to one person."""

    source = models.CharField(max_length=32)  # slack | teams | viva | email ...
    external_id = models.CharField(max_length=200)  # the id as that source spells it (Slack: TEAM:USER)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="person_alias_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} -> {self.person_id}"


class Event(models.Model):
    """The log: every accepted event, in acceptance order (`seq`), scored exactly once."""

    seq = models.BigAutoField(primary_key=True)
    source_id = models.CharField(max_length=200, unique=True)  # the event's `id` in the contract
    type = models.CharField(max_length=64)  # no index of its own: queries on type also name target_id or a time range
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    channel = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=200, blank=True)
    target_id = models.CharField(max_length=200, blank=True)
    target_author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    hashtags = models.JSONField(default=list)
    mentions = models.JSONField(default=list)
    attributes = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)  # tells a duplicate from a conflict
    received_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scoring_note = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The scorer's queue: unscored events in acceptance order.
            models.Index(fields=["seq"], name="event_pending_idx", condition=models.Q(scored_at__isnull=True)),
            models.Index(fields=["target_id"], name="event_target_idx"),
            # Kudos are a few in a hundred events: the feed, profiles and insights read them newest first or
            # by time range through this index instead of every event of the range.
            models.Index(fields=["occurred_at", "seq"], name="event_kudos_idx", condition=models.Q(type="kudos")),
        ]

    @property
    def status(self) -> str:
        return "scored" if self.scored_at else "pending"

    def to_core(self) -> CoreEvent:
        """The event as the rules core sees it (load with select_related("actor", "target_author"))."""
        return ScoringEvent(self.seq, self.source_id, self.type, self.occurred_at, self.channel, self.program,
                            self.target_id, self.text, self.hashtags, self.mentions, self.attributes, self.actor.key,
                            self.target_author.key if self.target_author_id else None).to_core()


class ScoringEvent(NamedTuple):
    """An event as scoring and simulation read it: one tuple per row, people as their keys.

    Model instances with their two people (select_related) cost about a third of a scoring batch;
    a row of values costs a fraction of that, and the scorer reads every event once.
    """

    seq: int
    source_id: str
    type: str
    occurred_at: datetime
    channel: str
    program: str
    target_id: str
    text: str
    hashtags: list
    mentions: list
    attributes: dict
    actor_key: str
    target_author_key: str | None
    # occurred_at as the database gave it, where that is naive UTC text (SQLite): the ledger copies it
    # into its awards instead of formatting the time again. None elsewhere.
    occurred_at_text: str | None = None

    COLUMNS = ("seq", "source_id", "type", "occurred_at", "channel", "program", "target_id", "text", "hashtags",
               "mentions", "attributes", "actor__key", "target_author__key")

    @classmethod
    def read(cls, events: "models.QuerySet[Event]") -> Iterator["ScoringEvent"]:
        """The events of a queryset, in its order. The query is Django's, the rows are read by hand: the
        ORM's per-field converters cost three times the query itself on a scoring batch."""
        sql, params = events.values_list(*cls.COLUMNS).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(2000):
                yield from map(cls._from_row, rows)

    @classmethod
    def pending(cls, limit: int) -> list[ScoringEvent]:
        """The oldest `limit` unscored events, in seq order: read once per scoring batch. Plain SQL, the
        query Django builds for Event.objects.filter(scored_at__isnull=True).order_by("seq")[:limit]
        (which the partial index event_pending_idx serves): compiling it costs about 1 ms a batch.

        Where the column holds naive UTC text (SQLite), occurred_at is read as that text: a bare column
        would go through the converter Django registers with sqlite3 for `datetime` columns (a regular
        expression per value), and the text is what the awards store anyway."""
        event, person = Event._meta.db_table, Person._meta.db_table
        occurred_at = "CAST(e.occurred_at AS TEXT)" if stores_utc_text() else "e.occurred_at"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.seq, e.source_id, e.type, {occurred_at}, e.channel, e.program, e.target_id, e.text, "
                f"e.hashtags, e.mentions, e.attributes, a.key, t.key FROM {event} e "
                f"INNER JOIN {person} a ON e.actor_id = a.id LEFT OUTER JOIN {person} t ON e.target_author_id = t.id "
                f"WHERE e.scored_at IS NULL ORDER BY e.seq LIMIT %s", [limit])
            return list(map(cls._from_row, cursor.fetchall()))

    @classmethod
    def _from_row(cls, row) -> ScoringEvent:
        when = row[3]
        if isinstance(when, str):
            return cls(row[0], row[1], row[2], utc_from_text(when), row[4], row[5], row[6], row[7],
                       _json(row[8]), _json(row[9]), _json(row[10]), row[11], row[12], when)
        return cls(row[0], row[1], row[2], stored_time(when), row[4], row[5], row[6], row[7],
                   _json(row[8]), _json(row[9]), _json(row[10]), row[11], row[12])


    def to_core(self) -> CoreEvent:
        return CoreEvent(
            seq=self.seq, id=self.source_id, type=self.type, occurred_at=self.occurred_at, actor=self.actor_key,
            channel=self.channel or None, program=self.program or None, target_id=self.target_id or None,
            target_author=self.target_author_key, text=self.text,
            hashtags=frozenset(t.casefold() for t in self.hashtags) if self.hashtags else NO_TAGS,
            mentions=tuple(self.mentions), attributes=self.attributes,
        )


NO_TAGS: frozenset[str] = frozenset()


def stored_time(value) -> datetime:
    """A stored time as an aware datetime: SQLite keeps UTC without an offset (Django's converter for
    `datetime` columns gives it naive), PostgreSQL's driver gives it aware."""
    if isinstance(value, str):
        return utc_from_text(value)
    return value.replace(tzinfo=dt_timezone.utc) if value.tzinfo is None else value


def _json(value):
    # Most events have no hashtags, mentions or attributes: json.loads costs a few microseconds each.
    if value == "[]":
        return []
    if value == "{}":
        return {}
    return json.loads(value) if isinstance(value, str) else value


def events_mentioning(person_key: str, events: "models.QuerySet[Event] | None" = None):
    """Events whose `mentions` name the person. Mentions are a JSON list, whose text form holds the
    id as a quoted string on SQLite and PostgreSQL alike (JSON containment is not portable); SQLite
    keeps non-ASCII letters escaped (\\u00e9) where PostgreSQL's text shows them, so both forms match."""
    quoted = {json.dumps(person_key), json.dumps(person_key, ensure_ascii=False)}
    found = models.Q()
    for form in quoted:
        found |= models.Q(mentions_text__contains=form)
    events = Event.objects.all() if events is None else events
    return events.annotate(mentions_text=Cast("mentions", models.TextField())).filter(found)


class Award(models.Model):
    """The ledger: append-only. One row per event, rule and recipient; undo writes compensations."""

    # No index of their own for the event and the recipient: the unique (event, rule, recipient) and the
    # (recipient, rule) index start with them, and every index is paid for on each of the scorer's inserts.
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="awards", db_index=False)
    rule_id = models.CharField(max_length=64)
    recipient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="awards", db_index=False)
    points = models.BigIntegerField()
    base_points = models.BigIntegerField()
    factor = models.FloatField(default=1.0)
    capped = models.BooleanField(default=False)
    reverses_event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Where the points count on boards: the original event's time and places, also for compensations.
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=200, blank=True)
    team = models.CharField(max_length=100, blank=True)
    batch = models.BigIntegerField(db_index=True)  # the scoring batch that wrote it, for board catch-up
    ruleset_version = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "rule_id", "recipient"], name="award_once_per_event_rule_recipient"),
        ]
        indexes = [
            models.Index(fields=["rule_id", "occurred_at"], name="award_cap_idx"),  # limits per period
            models.Index(fields=["recipient", "rule_id"], name="award_person_rule_idx"),  # badge counts
        ]


class LevelChange(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="level_changes")
    level = models.CharField(max_length=200)
    previous = models.CharField(max_length=200, blank=True)
    min_points = models.BigIntegerField()
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class StreakState(models.Model):
    """A person's latest run of a ruleset streak; the ledger alone cannot say which periods were consecutive."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    streak_id = models.CharField(max_length=64)
    last_period = models.CharField(max_length=16)  # 2026-11-28 (day) or 2026-W48 (ISO week), ruleset timezone
    length = models.IntegerField(default=0)
    best = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "streak_id"], name="streak_state_once")]


class ScorerState(models.Model):
    """One row. Scoring transactions start by bumping `last_batch`, which serialises scorers."""

    last_batch = models.BigIntegerField(default=0)
    facts_epoch = models.BigIntegerField(default=0)  # base.ledger.bump_facts_epoch


class ApiKey(models.Model):
    ROLES = [("admin", "admin"), ("integration", "integration"), ("reader", "reader"), ("provisioning", "provisioning")]

    name = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=ROLES)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Event id prefixes an integration key may send, like ["lms:"]; empty sends any (base/key_scopes.py).
    sources = models.JSONField(default=list, blank=True)

    @staticmethod
    def hash(raw: str) -> str:
        # Keys are 256-bit random tokens, so one round of SHA-256 is enough; no password stretching needed.
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str, role: str, sources: list[str] | None = None) -> tuple["ApiKey", str]:
        raw = "pk_" + secrets.token_urlsafe(32)
        key = cls.objects.create(name=name, role=role, prefix=raw[:10], digest=cls.hash(raw), sources=sources or [])
        return key, raw


class PrivacyAudit(models.Model):
    """Append-only: each export and erasure of a person's data, by whom and when.

    `subject` is a keyed hash of the person id (engine.privacy.subject_digest), never the id itself:
    after an erasure the audit must not be the place that still names them.
    """

    ACTIONS = [("export", "export"), ("erase", "erase")]

    action = models.CharField(max_length=10, choices=ACTIONS)
    subject = models.CharField(max_length=64, db_index=True)
    requested_by = models.CharField(max_length=100)
    summary = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)


class EventBatch(models.Model):
    """A batch sent with `Prefer: respond-async`: validated and kept whole, stored as events later.

    The request that sends it only checks the events and commits the body, so its answer is as
    quick as the framework's validation allows; telling duplicates from conflicts, checking undo
    targets and storing the events, as a synchronous request does, happen when the batch is
    expanded (base.inbox): right after, by the scoring worker, or first thing in any request that
    reads or writes the event log. `GET /event-batches/{id}` answers how that went.
    """

    RECEIVED, STORED, REFUSED = "received", "stored", "refused"
    STATUSES = [(RECEIVED, RECEIVED), (STORED, STORED), (REFUSED, REFUSED)]

    sender = models.ForeignKey(ApiKey, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()  # the request's JSON as sent; emptied once its events are stored
    events = models.IntegerField()
    status = models.CharField(max_length=10, choices=STATUSES, default=RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True)
    expanded_at = models.DateTimeField(null=True, blank=True)
    accepted = models.IntegerField(null=True, blank=True)
    duplicate_ids = models.JSONField(default=list)
    error = models.JSONField(null=True, blank=True)  # a refused batch: the envelope a synchronous request would have had

    class Meta:
        indexes = [
            # What is left to expand, oldest first: a few rows at most, whatever the table's size.
            models.Index(fields=["id"], name="event_batch_received_idx", condition=models.Q(status="received")),
        ]
