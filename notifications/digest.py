"""The weekly digest: a channel's week told from the database, and its schedule.

A digest covers the seven whole days before the day of its slot (a Monday digest: the week before). When the channel it is sent to is also an
events' `channel` value, it tells that channel's week; otherwise (a general channel, say) the
whole community's. People who opted out of public boards are left out of it.

Schedules are the ruleset's cron expressions, read in the ruleset's timezone. `publish_due`
runs every few seconds (the serve relay); a DigestRun row per (digest, slot), unique in the
database, is taken in the same transaction as the outbox row, so a slot is published exactly
once however many relays run. A slot missed by more than CATCH_UP (the stack was down over
the weekend, say) is skipped rather than sent late.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from badges.models import BadgeGrant
from base.models import Award, Event

from .models import Channel, DigestRun, Notification
from .outbox import record

log = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=1)
TOP_CONTRIBUTORS = 5
NEW_BADGES = 10
TOP_POSTS = 3
QUOTE_CHARS = 140
COUNTED = {"posts": "post", "comments": "comment", "answers": "answer", "reactions": "reaction"}


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The start of a text, cut at a word and marked with an ellipsis when shortened; one line."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.-") + "…"


def _numbers(events) -> dict:
    row = events.aggregate(events=Count("seq"), people=Count("actor", distinct=True),
                           **{name: Count("seq", filter=Q(type=t)) for name, t in COUNTED.items()})
    return {k: v or 0 for k, v in row.items()}


def _change(now: int, before: int) -> int | None:
    return None if not before else round((now - before) * 100 / before)


def digest_data(channel: str, until: datetime, tz, ranks_people: bool = True) -> dict:
    """`ranks_people` False (works-council mode): no top contributors, and the most engaged posts without
    their authors, so the digest orders no named person by what they did."""
    start, previous = until - timedelta(days=7), until - timedelta(days=14)
    scoped = Event.objects.filter(channel=channel).exists()
    events = Event.objects.filter(channel=channel) if scoped else Event.objects.all()
    events = events.exclude(type="undo")
    this_week = _numbers(events.filter(occurred_at__gte=start, occurred_at__lt=until))
    last_week = _numbers(events.filter(occurred_at__gte=previous, occurred_at__lt=start))
    awards = Award.objects.filter(occurred_at__gte=start, occurred_at__lt=until, recipient__public=True)
    if scoped:
        awards = awards.filter(channel=channel)
    top = (awards.values("recipient__key", "recipient__name").annotate(points=Sum("points"))
           .filter(points__gt=0).order_by("-points", "recipient__key")[:TOP_CONTRIBUTORS]) if ranks_people else []
    # A badge counts in the week of the event that earned it (a backfill scored today is not news);
    # a manual grant, which has no event, in the week it was granted.
    earned = Q(event__occurred_at__gte=start, event__occurred_at__lt=until) | \
        Q(event__isnull=True, granted_at__gte=start, granted_at__lt=until)
    grants = BadgeGrant.objects.filter(earned, revoked_at__isnull=True, person__public=True) \
        .select_related("person").order_by("id")
    if scoped:
        grants = grants.filter(event__channel=channel)
    posts = list(events.filter(type="post", occurred_at__gte=start, occurred_at__lt=until)
                 .select_related("actor").order_by("seq")[:5000])
    engagement = {}
    if posts:
        rows = (Event.objects.filter(target_id__in=[p.source_id for p in posts], type__in=["reaction", "comment"])
                .values("target_id").annotate(reactions=Count("seq", filter=Q(type="reaction")),
                                              comments=Count("seq", filter=Q(type="comment"))))
        engagement = {r["target_id"]: (r["reactions"], r["comments"]) for r in rows}
    ranked = sorted((p for p in posts if p.source_id in engagement and p.actor.public),
                    key=lambda p: (-sum(engagement[p.source_id]), p.seq))[:TOP_POSTS]
    last_day = (until - timedelta(seconds=1)).astimezone(tz)
    first_day = start.astimezone(tz)
    return {
        "channel": channel,
        "week": {"from": first_day.date().isoformat(), "until": until.astimezone(tz).date().isoformat(),
                 "label": f"{first_day:%-d %b} to {last_day:%-d %b %Y}"},
        "numbers": {"this_week": this_week, "last_week": last_week,
                    "change": {"events": _change(this_week["events"], last_week["events"]),
                               "people": _change(this_week["people"], last_week["people"])}},
        "top_contributors": [{"id": t["recipient__key"], "name": t["recipient__name"] or t["recipient__key"],
                              "points": t["points"]} for t in top],
        "new_badges": [{"person": g.person.display_name, "badge": g.badge_name, "tier": g.tier_name or None}
                       for g in grants[:NEW_BADGES]],
        "top_posts": [{"id": p.source_id, "author": p.actor.display_name if ranks_people else None, "quote": quote(p.text),
                       "reactions": engagement[p.source_id][0], "comments": engagement[p.source_id][1]} for p in ranked],
    }


def week_end(slot: datetime, tz) -> datetime:
    """A digest covers whole days: the seven before the day of its slot (Monday's: Monday to Sunday)."""
    local = slot.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def digest_key(note) -> str:
    return f"{note.to}|{note.template or 'weekly_digest'}|{note.schedule}"


def latest_slot(schedule: str, now: datetime, tz) -> datetime:
    """The most recent time the cron schedule fired at or before `now`, in the ruleset's timezone."""
    return croniter(schedule, now.astimezone(tz) + timedelta(microseconds=1)).get_prev(datetime)


def publish_due(ruleset, now: datetime | None = None) -> list[int]:
    """Record the digests whose slot has come and was not published yet; returns the new outbox ids."""
    now = now or timezone.now()
    if ruleset is None:
        return []
    created = []
    for note in ruleset.doc.notifications:
        if note.on != "digest" or not note.schedule or not note.to:
            continue
        slot = latest_slot(note.schedule, now, ruleset.tz)
        if now - slot > CATCH_UP or not Channel.objects.filter(id=note.to, enabled=True).exists():
            continue
        key = digest_key(note)
        try:
            with transaction.atomic():
                DigestRun.objects.create(key=key, slot=slot)
                data = digest_data(note.to, week_end(slot, ruleset.tz), ruleset.tz, ranks_people=ruleset.ranks_people)
                dedupe = hashlib.sha256(f"{key}|{slot.isoformat()}".encode()).hexdigest()
                created += record([Notification(channel_id=note.to, trigger="weekly_digest",
                                                template=note.template or "weekly_digest", data=data,
                                                dedupe_key=f"digest:{dedupe}")])
        except IntegrityError:
            continue  # another relay published this slot
    return created
