"""The outbox: rows written with what caused them, delivered after commit, never lost.

- `record` runs inside the caller's transaction (the scoring batch): the rows commit or vanish
  with the awards, and their delivery jobs (ids only) are queued only after the commit.
- `deliver_notification_job` claims its row with one conditional UPDATE (so a duplicate job or a
  second worker does nothing), sends once, and writes the outcome: delivered; retrying with
  exponential backoff and jitter, or after the receiver's Retry-After on a 429; dead on any other
  4xx, a refused URL, a broken template, or when attempts run out.
- Whatever fails while a claimed row is delivered is an outcome written on the row (a retry, with
  the error in last_error), never an exception that leaves it `delivering`.
- A claimed row carries a lease: if its worker is killed mid-delivery, `requeue_due` (run by the
  relay's periodic round) takes the row back once the lease ends. The abandoned attempt counts: a
  row whose attempts are used up ends dead saying so, so a message that kills its worker is not
  retried for ever. `requeue_due` also queues rows that are due and have no live job (Redis was
  away, a retry's time came), so nothing waits on a job that no longer exists.
- Redis counts the outcomes (delivered, retried, dead) for /metrics: `delivery_counts`.
- Per channel at most one message a second leaves (a Redis key with a one-second expiry).
"""

from __future__ import annotations

import logging
import math
import random
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from redis import RedisError
from rq import Queue

from base.errors import Conflict, NotFound
from base.redis import get_redis

from . import keys
from .delivery import deliver
from .models import Channel, Notification
from .outbound import Transport

log = logging.getLogger(__name__)

QUEUE = "default"  # the queue `manage.py worker` serves besides scoring
MAX_ATTEMPTS = 8
MAX_RATE_LIMITED = 30  # 429s are waited out longer before giving up
BACKOFF_CAP = 3600.0
# The lease (NOTIFICATION_LEASE_SECONDS, 5 minutes) is well past a job's worst case: the pacing
# wait, then connect and read timeouts.
PACE_SECONDS = 1.0
PACE_WAIT_LIMIT = 20.0
SHORT_WAIT = 2.0  # retries this soon are queued by the job itself, not left to the relay


def record(rows: list[Notification]) -> list[int]:
    """Store rows in the current transaction (a repeated dedupe key stores nothing); queue them after commit."""
    if not rows:
        return []
    now = timezone.now()
    for row in rows:
        row.next_attempt_at = row.next_attempt_at or now
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    dedupe_keys, ids = [row.dedupe_key for row in rows], []
    for start in range(0, len(dedupe_keys), 900):  # SQLite's limit on query parameters
        ids += Notification.objects.filter(dedupe_key__in=dedupe_keys[start:start + 900], status="pending",
                                           queued_at__isnull=True).values_list("id", flat=True)
    transaction.on_commit(lambda: enqueue(get_redis(), ids))
    return ids


def enqueue(r: redis.Redis, ids: list[int]) -> None:
    """Queue delivery jobs; Redis being away is only logged: the relay queues them later."""
    if not ids:
        return
    try:
        queue = Queue(QUEUE, connection=r)
        for notification_id in ids:
            queue.enqueue(deliver_notification_job, notification_id, job_timeout=120, result_ttl=0, failure_ttl=86400)
        Notification.objects.filter(id__in=ids).update(queued_at=timezone.now())
    except RedisError as exc:
        log.warning("could not queue %s notification(s); the relay will: %s", len(ids), exc)


def backoff(attempts: int) -> float:
    """Seconds before the next try: doubling from NOTIFICATION_BACKOFF_SECONDS, capped, with jitter so retries spread out."""
    ceiling = min(BACKOFF_CAP, settings.NOTIFICATION_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


ABANDONED = "its worker died or crashed before it finished, and its lease ran out"


def _limit(last_status_code: int | None) -> int:
    """Attempts a row is given: rate-limited ones are waited out longer."""
    return MAX_RATE_LIMITED if last_status_code == 429 else MAX_ATTEMPTS


def _take_back_abandoned(r: redis.Redis, now=None, notification_id: int | None = None) -> int:
    """Rows left `delivering` past their lease become due again, or dead once their attempts are used up
    (the abandoned attempt was counted when it was claimed); how many ended dead."""
    now = now or timezone.now()
    rows = Notification.objects.filter(status="delivering", lease_until__lt=now)
    if notification_id is not None:
        rows = rows.filter(id=notification_id)
    buried = 0
    for row_id, attempts, code in rows.values_list("id", "attempts", "last_status_code")[:1000]:
        mine = Notification.objects.filter(id=row_id, status="delivering", lease_until__lt=now)
        if attempts >= _limit(code):
            error = f"gave up after {attempts} attempts: the last one stopped because {ABANDONED}"
            buried += mine.update(status="dead", lease_until=None, queued_at=None, last_error=error)
        else:
            mine.update(status="retrying", lease_until=None, queued_at=None, next_attempt_at=now,
                        last_error=f"attempt {attempts} stopped because {ABANDONED}")
    if buried:
        _count(r, "dead", buried)
        log.warning("%s abandoned notification(s) are dead: attempts used up", buried)
    return buried


def _count(r: redis.Redis, outcome: str, n: int = 1) -> None:
    """Add to a delivery outcome's counter; Redis being away loses the count, never the delivery."""
    try:
        r.incrby(keys.delivery_count(outcome), n)
    except RedisError as exc:
        log.warning("could not count a %s notification: %s", outcome, exc)


def delivery_counts(r: redis.Redis) -> dict[str, int]:
    """How many deliveries ended delivered, were retried, or ended dead, since Redis was last emptied."""
    values = r.mget([keys.delivery_count(outcome) for outcome in keys.DELIVERY_OUTCOMES])
    return {outcome: int(value or 0) for outcome, value in zip(keys.DELIVERY_OUTCOMES, values)}


def _claim(r: redis.Redis, notification_id: int) -> Notification | None:
    _take_back_abandoned(r, notification_id=notification_id)
    now = timezone.now()
    due = Q(status__in=["pending", "retrying"], next_attempt_at__lte=now)
    with transaction.atomic():
        claimed = Notification.objects.filter(due, id=notification_id).update(
            status="delivering", lease_until=now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS), attempts=F("attempts") + 1)
    return Notification.objects.filter(id=notification_id).first() if claimed else None


def _wait_for_pace(r: redis.Redis, channel_id: str) -> bool:
    """Take the channel's one-second slot; False if it stayed busy too long (the row is retried soon)."""
    key = keys.pace(channel_id)
    deadline = time.monotonic() + PACE_WAIT_LIMIT
    while not r.set(key, 1, nx=True, px=int(PACE_SECONDS * 1000)):
        if time.monotonic() > deadline:
            return False
        time.sleep(max(r.pttl(key), 10) / 1000)
    return True


def deliver_notification_job(notification_id: int) -> str:
    r = get_redis()
    notification = _claim(r, notification_id)
    if notification is None:
        return "not due"  # delivered, dead, claimed by another job, or waiting for its next attempt
    try:
        return do_deliver(r, notification)
    except Exception as exc:  # noqa: BLE001 (a claimed row ends with an outcome, not as `delivering` until its lease ends)
        log.exception("delivering notification %s failed", notification.id)
        return _failed(r, notification, f"{type(exc).__name__}: {exc}")


def do_deliver(r: redis.Redis, notification: Notification, transport: Transport | None = None) -> str:
    """Send a claimed row once and write how it went; `transport` is the network (outbound's real one by default)."""
    channel = Channel.objects.filter(id=notification.channel_id).first()
    if channel is None or not channel.enabled:
        return _finish(r, notification, status="dead", error=f"channel {notification.channel_id!r} is not configured or disabled")
    if not _wait_for_pace(r, channel.id):
        return _finish(r, notification, status="retrying", error="channel busy (one message a second)", delay=PACE_SECONDS,
                       refund=True)
    outcome = deliver(notification, channel, transport)
    if outcome.delivered:
        return _finish(r, notification, status="delivered", code=outcome.status_code)
    if outcome.permanent:
        return _finish(r, notification, status="dead", error=outcome.error, code=outcome.status_code)
    if outcome.retry_after is not None or outcome.status_code == 429:
        limit, delay = MAX_RATE_LIMITED, outcome.retry_after if outcome.retry_after is not None else backoff(notification.attempts)
    else:
        limit, delay = MAX_ATTEMPTS, backoff(notification.attempts)
    return _failed(r, notification, outcome.error, code=outcome.status_code, delay=delay, limit=limit)


def _failed(r: redis.Redis, notification: Notification, error: str, *, code: int | None = None, delay: float | None = None,
            limit: int = MAX_ATTEMPTS) -> str:
    """A failure worth retrying: retried after `delay` (a backoff by default), or dead once the attempts are used up."""
    if notification.attempts >= limit:
        return _finish(r, notification, status="dead", error=f"{error} (gave up after {notification.attempts} attempts)", code=code)
    return _finish(r, notification, status="retrying", error=error, code=code,
                   delay=backoff(notification.attempts) if delay is None else delay)


def _finish(r: redis.Redis, notification: Notification, *, status: str, error: str = "", code: int | None = None,
            delay: float | None = None, refund: bool = False) -> str:
    now = timezone.now()
    fields = {"status": status, "lease_until": None, "last_error": error[:1000], "queued_at": None}
    if not refund:
        fields["last_status_code"] = code
    if status == "delivered":
        fields.update(delivered_at=now, last_error="")
    if delay is not None:
        # a wait that is not a finite number (whatever computed it) is the longest backoff, not a crash
        delay = min(delay, BACKOFF_CAP) if math.isfinite(delay) else BACKOFF_CAP
        fields["next_attempt_at"] = now + timedelta(seconds=delay)
    if refund:
        fields["attempts"] = F("attempts") - 1
    # Only the holder of the claim writes the outcome (a row re-claimed after its lease ended is not ours).
    written = Notification.objects.filter(id=notification.id, status="delivering").update(**fields)
    if written and not refund:
        _count(r, {"retrying": "retried"}.get(status, status))
    if status == "retrying" and delay is not None and delay <= SHORT_WAIT:
        _enqueue_later(r, notification.id, delay)
    log.info("notification %s to %s: %s %s", notification.id, notification.channel_id, status, error)
    return status


def _enqueue_later(r: redis.Redis, notification_id: int, delay: float) -> None:
    """A short wait (pacing, a brief Retry-After) needs no relay round: wait here, then queue it again."""
    time.sleep(delay)
    enqueue(r, [notification_id])


# Delivered rows are done, and a row being delivered belongs to the worker holding its lease.
REQUEUEABLE = ("pending", "retrying", "dead")


def do_requeue(notification_id: int) -> Notification:
    """Queue a notification again with its attempts reset (a dead one after its channel is fixed, or a
    retry not to wait for). NotFound without such a row; Conflict while it is delivered or delivering."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(id=notification_id).first()
        if notification is None:
            raise NotFound(f"no notification {notification_id}")
        if notification.status not in REQUEUEABLE:
            raise Conflict("not_requeueable", f"notification {notification_id} is {notification.status}; "
                           "only pending, retrying or dead ones can be requeued")
        Notification.objects.filter(id=notification.id).update(
            status="pending", attempts=0, next_attempt_at=timezone.now(), lease_until=None, queued_at=None, last_error="")
        transaction.on_commit(lambda: enqueue(get_redis(), [notification.id]))
    notification.refresh_from_db()
    return notification


def requeue_due(r: redis.Redis, now=None) -> int:
    """Queue what is due with no live job: retries whose time came, rows whose job was lost, abandoned claims
    (those with attempts left; the others end dead)."""
    now = now or timezone.now()
    # A queued row with no outcome after NOTIFICATION_REQUEUE_SECONDS lost its job (a worker killed before it began).
    stale = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
    due = Q(status__in=["pending", "retrying"], next_attempt_at__lte=now) & (Q(queued_at__isnull=True) | Q(queued_at__lt=stale))
    _take_back_abandoned(r, now)
    ids = list(Notification.objects.filter(due).order_by("id").values_list("id", flat=True)[:1000])
    enqueue(r, ids)
    return len(ids)
