"""A person's data is theirs: everything held about them as one document, and erasure on request.

Erasure keeps the numbers and drops the person. The person's row is renamed to a random
`erased-…` id with no name, no role and no aliases, and hidden from every public board, so the
ledger, badge counts and engagement figures stay whole as anonymous aggregates, which no search
or profile shows. What they wrote goes (event texts and attributes), what names them goes (their
mentions, and their id, name and email in other people's texts; sign-in, notifications, cached
answers and failed jobs), their Open Badges assertions are revoked, and their board entries leave
Redis; then SQLite's write-ahead log and Redis's append-only file are rewritten. Both actions are
written to the privacy audit, which names the person only by a keyed hash, so an auditor can
confirm a request for a known id without the audit itself keeping the id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from redis import RedisError
from redis.exceptions import RedisClusterException

from badges.models import BadgeGrant, BadgeProgress
from base.inbox import catch_up, drain_inbox
from base.ledger import bump_facts_epoch
from base.models import Award, Event, EventBatch, LevelChange, Person, PrivacyAudit, StreakState, events_mentioning
from base.names import forget
from base.redis import get_redis
from challenges.merge import rename_participant
from leaderboards.connection import boards_redis, is_cluster
from leaderboards.store import hide_member_as
from notifications.models import Notification

from . import keys as engine_keys

log = logging.getLogger(__name__)
ERASED_NAME = "a former colleague"
ERASED_REASON = "erased at the person's request"
ERASED_PREFIX = "erased-"
# How long the checkpoint after an erasure waits for SQLite's readers and writer before it leaves
# the log for SQLite's next automatic checkpoint (and says so in the log).
CHECKPOINT_WAIT_MS = 2000


def is_erased(person: Person) -> bool:
    """The anonymous row an erasure leaves: it keeps the ledger's numbers and is no one's profile."""
    return person.key.startswith(ERASED_PREFIX) and not person.name


def without_erased(people):
    """People minus the anonymous rows erasures left, for searches and listings."""
    return people.exclude(key__startswith=ERASED_PREFIX, name="")


def subject_digest(person_key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), person_key.encode(), hashlib.sha256).hexdigest()


def _iso(value):
    return value.isoformat() if value else None


def export_person(person: Person) -> dict:
    """Everything held about the person, as plain JSON data."""
    catch_up()  # events of batches received with respond-async are the person's data too
    with _text_read_leniently():
        return _as_unicode(_document(person))


def _document(person: Person) -> dict:
    events = Event.objects.filter(actor=person).order_by("seq")
    awards = Award.objects.filter(recipient=person).select_related("event").order_by("id")
    document = {
        "exported_at": timezone.now().isoformat(),
        "person": {"id": person.key, "name": person.name, "team": person.team, "role": person.role,
                   "public": person.public, "points": person.points, "level": person.level,
                   "known_since": _iso(person.created_at),
                   "preferences": {"title": person.title_badge or None, "quiet_announcements": person.quiet_announcements,
                                   "slack_mention": person.slack_mention, "digest_email": person.digest_email},
                   "aliases": [{"source": a.source, "id": a.external_id} for a in person.aliases.order_by("source")]},
        "events": [{"id": e.source_id, "type": e.type, "occurred_at": _iso(e.occurred_at), "channel": e.channel or None,
                    "program": e.program or None, "target": e.target_id or None, "text": e.text,
                    "hashtags": e.hashtags, "mentions": e.mentions, "attributes": e.attributes,
                    "received_at": _iso(e.received_at)} for e in events.iterator()],
        "mentioned_in": list(events_mentioning(person.key).values_list("source_id", flat=True)),
        "awards": [{"event": a.event.source_id, "rule": a.rule_id, "points": a.points, "capped": a.capped,
                    "occurred_at": _iso(a.occurred_at), "reverses": a.reverses_event_id is not None}
                   for a in awards.iterator()],
        "badges": [{"badge": g.badge_id, "name": g.badge_name, "tier": g.tier_name or None, "granted_at": _iso(g.granted_at),
                    "manual": g.manual, "reason": g.reason, "revoked_at": _iso(g.revoked_at),
                    "assertion": f"{settings.PUBLIC_BASE_URL}/openbadges/assertions/{g.uuid}"}
                   for g in BadgeGrant.objects.filter(person=person).order_by("id")],
        "badge_progress": [{"badge": p.badge_id, "count": p.count} for p in BadgeProgress.objects.filter(person=person)],
        "level_changes": [{"level": c.level, "previous": c.previous, "at": _iso(c.created_at)}
                          for c in LevelChange.objects.filter(person=person).order_by("id")],
        "streaks": [{"streak": s.streak_id, "length": s.length, "best": s.best, "last_period": s.last_period}
                    for s in StreakState.objects.filter(person=person)],
        "notifications": [{"channel": n.channel_id, "trigger": n.trigger, "status": n.status, "created_at": _iso(n.created_at),
                           "data": n.data} for n in _notifications_naming(Notification.objects.all(), person)],
        "sign_in": _sign_in(person.key),
    }
    return document


# Text stored before ingest refused what no database should hold may carry lone surrogates (in
# JSON as escapes, or on SQLite as bytes that are not UTF-8): the person's data is exported anyway,
# each such character as U+FFFD, as a strict JSON reader elsewhere would want it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@contextmanager
def _text_read_leniently():
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.text_factory
    raw.text_factory = lambda data: data.decode("utf-8", "replace")
    try:
        yield
    finally:
        raw.text_factory = previous


def _as_unicode(value):
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_as_unicode(k): _as_unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_unicode(v) for v in value]
    return value


def _sign_in(person_key: str) -> dict | None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=person_key).first()
    if user is None:
        return None
    return {"username": user.username, "admin": user.is_staff, "joined": _iso(user.date_joined), "last_sign_in": _iso(user.last_login)}


def _names(person: Person) -> set[str]:
    return {value for value in (person.key, person.name) if value}


def _identifiers(person: Person) -> set[str]:
    """What names the person in other people's words: their id, display name and email addresses."""
    emails = person.aliases.filter(source="email").values_list("external_id", flat=True)
    return _names(person) | {email for email in emails if email}


def _naming_pattern(names: set[str]) -> re.Pattern:
    """Any of the names, in any case, as a whole word: "Ana Ruiz" in "ANA RUIZ said", not "Al" in "Also"."""
    choices = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{choices})(?!\w)", re.IGNORECASE)


def _events_naming(person: Person, old_key: str, names: set[str]):
    """Other people's events that mention the person or name them in their text."""
    named = Q(seq__in=events_mentioning(old_key).values("seq"))
    for name in names:
        named |= Q(text__icontains=name)
    return Event.objects.filter(named).exclude(actor=person)


def _mentions_anyone(value, names: set[str]) -> bool:
    if isinstance(value, str):
        return any(name in value for name in names)
    if isinstance(value, dict):
        return any(_mentions_anyone(v, names) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_anyone(v, names) for v in value)
    return False


def _empty_refused_batches(names: set[str]) -> int:
    """Batches refused at expansion keep their bodies (engine/inbox.py): empty those that name the person."""
    emptied = 0
    for batch in EventBatch.objects.filter(status=EventBatch.REFUSED).exclude(body="").only("body"):
        if _mentions_anyone(json.loads(batch.body), names):
            batch.body, batch.error = "", {"error": "erased", "message": "the body named an erased person"}
            batch.save(update_fields=["body", "error"])
            emptied += 1
    return emptied


def _notifications_naming(rows, person: Person):
    names = _names(person)
    return [n for n in rows.iterator() if _mentions_anyone(n.data, names)]


def _redact(value, names: set[str]):
    """The data with every part that names the person replaced: a mapping about them becomes
    {"erased": true}, and any other text naming them says ERASED_NAME instead."""
    if isinstance(value, dict):
        if any(isinstance(v, str) and v in names for v in value.values()):
            return {"erased": True}
        return {k: _redact(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, names) for v in value]
    if isinstance(value, str):
        for name in sorted(names, key=len, reverse=True):
            value = value.replace(name, ERASED_NAME)
        return value
    return value


@dataclass
class ErasureReport:
    events_cleared: int = 0
    mentions_removed: int = 0
    awards_kept_anonymous: int = 0
    badges_revoked: int = 0
    notifications_redacted: int = 0
    sign_ins_deleted: int = 0
    board_entries_removed: int = 0
    cached_answers_dropped: int = 0
    failed_jobs_dropped: int = 0
    refused_batches_emptied: int = 0


def do_erase_person(person: Person, *, requested_by: str) -> ErasureReport:
    """Erase the person (see the module's docstring). The database part is one transaction; Redis
    is cleaned after the commit, and a board rebuild would leave the hidden person out anyway."""
    from django.contrib.auth import get_user_model

    # Events still in a received batch would come back after the erasure: store them first,
    # and fail rather than erase around them when that cannot be done.
    drain_inbox()
    report = ErasureReport()
    old_key, names = person.key, _identifiers(person)
    naming = _naming_pattern(names)
    with transaction.atomic():
        # The scorer's row first, as a merge takes it: every scorer process forgets what it kept under
        # the old id (points, the day's counts, standings), or someone new under that id inherits it.
        bump_facts_epoch()
        report.refused_batches_emptied = _empty_refused_batches(names)
        person = Person.objects.select_for_update().get(pk=person.pk)
        report.events_cleared = Event.objects.filter(actor=person).update(text="", attributes={}, mentions=[])
        for event in _events_naming(person, old_key, names).only("seq", "mentions", "text"):
            mentions = [m for m in event.mentions if m != old_key]
            text = naming.sub(ERASED_NAME, event.text)
            if mentions == event.mentions and text == event.text:
                continue  # the name was only part of a longer word
            event.mentions, event.text = mentions, text
            event.save(update_fields=["mentions", "text"])
            report.mentions_removed += 1
        report.awards_kept_anonymous = Award.objects.filter(recipient=person).count()
        report.badges_revoked = BadgeGrant.objects.filter(person=person, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revocation_reason=ERASED_REASON, revoked_by=requested_by[:100])
        BadgeGrant.objects.filter(person=person).update(reason="")
        for notification in [n for n in Notification.objects.all().iterator() if _mentions_anyone(n.data, names)]:
            notification.data = _redact(notification.data, names)
            fields = ["data"]
            if notification.status not in ("delivered", "dead"):
                notification.status, notification.last_error = "dead", ERASED_REASON
                fields += ["status", "last_error"]
            notification.save(update_fields=fields)
            report.notifications_redacted += 1
        report.sign_ins_deleted = get_user_model().objects.filter(username=old_key).delete()[0]
        person.aliases.all().delete()
        person.key = f"erased-{secrets.token_hex(8)}"
        person.name, person.role, person.public = "", "", False
        # What they chose and where they are is theirs too: back to the defaults of someone nobody knows.
        person.locale, person.timezone, person.title_badge, person.quiet_announcements = "", "", "", []
        person.slack_mention, person.digest_email = True, True
        person.save(update_fields=["key", "name", "role", "public", "locale", "timezone", "title_badge",
                                   "quiet_announcements", "slack_mention", "digest_email"])
        rename_participant(person, old_key)
        PrivacyAudit.objects.create(action="erase", subject=subject_digest(old_key), requested_by=requested_by[:100],
                                    summary=asdict(report))
    _clean_redis(old_key, person.key, names, report)
    transaction.on_commit(_rewrite_storage)
    return report


def _rewrite_storage() -> None:
    """Old copies of the erased data stay in SQLite's write-ahead log and Redis's append-only
    file until those are rewritten: rewrite them now (docs/operations.md#privacy-completing-an-erasure
    says what is left to the operator). A failure leaves them to the next automatic rewrite, with a warning."""
    _checkpoint_sqlite()
    try:
        r = get_redis()
        _rewrite_aof(r, "Redis")
        boards = boards_redis(r)
        if is_cluster(boards):
            for node in boards.get_nodes():
                _rewrite_aof(boards.get_redis_connection(node), f"the boards' Redis node {node.name}")
    except (RedisError, RedisClusterException) as exc:
        log.warning("erasure: the append-only files were not rewritten (%s); run BGREWRITEAOF once Redis is back", exc)


def _checkpoint_sqlite() -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL: dead row versions go at the next VACUUM (docs/operations.md#privacy-completing-an-erasure)
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            timeout_ms = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy = cursor.fetchone()[0]
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
    except DatabaseError as exc:
        busy = str(exc)
    if busy:
        log.warning("erasure: SQLite's write-ahead log is still in use (%s), so it keeps old copies until its next "
                    "checkpoint; run `PRAGMA wal_checkpoint(TRUNCATE)` when the stack is quiet", busy)


def _rewrite_aof(r, where: str) -> None:
    try:
        if not r.info("persistence").get("aof_enabled"):
            return
        r.bgrewriteaof()
    except (RedisError, RedisClusterException) as exc:
        # e.g. a rewrite already under way, which may have copied the data before the erasure
        log.warning("erasure: %s did not start rewriting its append-only file (%s); run BGREWRITEAOF there", where, exc)


def _clean_redis(old_key: str, new_key: str, names: set[str], report: ErasureReport) -> None:
    try:
        r = get_redis()
        forget(r, [old_key])
        report.board_entries_removed = hide_member_as(r, old_key, new_key)
        for key in r.scan_iter(match=engine_keys.IDEMPOTENCY_PATTERN, count=1000):
            stored = r.get(key)
            if stored and any(name.encode() in stored for name in names):
                report.cached_answers_dropped += r.delete(key)
        report.failed_jobs_dropped = _drop_failed_jobs(r, names)
    except RedisError as exc:
        # The database is already clean and the person hidden; boards rebuilt from the ledger leave them out.
        log.warning("erasure: Redis cleanup deferred (%s); run `manage.py leaderboards rebuild` once Redis is back", exc)


def _drop_failed_jobs(r, names: set[str]) -> int:
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    dropped = 0
    for queue in Queue.all(connection=r):
        registry = FailedJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=r) if r.exists(f"rq:job:{job_id}") else None
            text = repr(job.args) + repr(job.kwargs) + (job.exc_info or "") if job else ""
            if job and any(name in text for name in names):
                registry.remove(job, delete_job=True)
                dropped += 1
    return dropped


def do_export_person(person: Person, *, requested_by: str) -> dict:
    """Everything held about the person, and the audit entry saying who asked for it."""
    document = export_person(person)
    record_export(person, requested_by=requested_by)
    return document


def record_export(person: Person, *, requested_by: str) -> None:
    PrivacyAudit.objects.create(action="export", subject=subject_digest(person.key), requested_by=requested_by[:100], summary={})
