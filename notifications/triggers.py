"""What a scoring batch announces, per the ruleset's `notifications:` (badge_awarded, level_up).

Called inside the batch's transaction by the notifications step (scoring.py). Flood control starts here: everything one person earned
in one batch (several badges, tiers, a level) becomes one message per channel. Events stored by
a backfill (QuietEvent) announce nothing, and neither does a recompute (it scores without
the notifications step). Only channels an admin configured receive anything, and people who opted out of
the public boards, or who keep an announcement to themselves (preferences.py), are announced only to
webhooks (systems, not colleagues).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from badges.models import BadgeGrant
from base.models import Event, LevelChange, Person

from .models import Channel, Notification, QuietEvent
from .outbox import record
from .preferences import announced

AWARD_TRIGGERS = ("badge_awarded", "level_up")


@dataclass
class _Group:
    person: Person
    event: Event
    badges: list[dict] = field(default_factory=list)
    level: dict | None = None
    template_for: dict[str, str] = field(default_factory=dict)


def person_data(person: Person) -> dict:
    return {"id": person.key, "name": person.display_name, "team": person.team, "points": person.points,
            "level": person.level}


def event_data(event: Event) -> dict:
    return {"id": event.source_id, "type": event.type, "channel": event.channel, "program": event.program,
            "occurred_at": event.occurred_at.isoformat()}


def record_for_batch(ruleset, events: list[Event]) -> list[int]:
    rules = [n for n in ruleset.doc.notifications if n.on in AWARD_TRIGGERS]
    if not rules or not events:
        return []
    seqs = [e.seq for e in events]
    grants = list(BadgeGrant.objects.filter(event_id__in=seqs).order_by("id"))
    levels = list(LevelChange.objects.filter(event_id__in=seqs).order_by("id"))
    if not grants and not levels:
        return []
    quiet = set(QuietEvent.objects.filter(event_id__in=seqs).values_list("event_id", flat=True))
    channels = dict(Channel.objects.filter(enabled=True).values_list("id", "kind"))
    by_seq = {e.seq: e for e in events}
    people = {p.id: p for p in Person.objects.filter(id__in={g.person_id for g in grants} | {lv.person_id for lv in levels})}
    groups: dict[tuple[str, int], _Group] = {}

    def group_for(person_id: int, seq: int, trigger: str):
        event = by_seq[seq]
        for rule in rules:
            if rule.on != trigger:
                continue
            destination = event.channel if (rule.to in (None, "origin")) else rule.to
            if not destination or destination not in channels:
                continue
            if not announced(people[person_id], trigger, channels[destination]):
                continue  # off the public boards, or kept to themselves: not announced where colleagues read
            group = groups.setdefault((destination, person_id), _Group(people[person_id], event))
            group.template_for.setdefault(trigger, rule.template or trigger)
            yield group

    for grant in grants:
        if grant.event_id in quiet:
            continue
        badge = ruleset.badge(grant.badge_id)
        item = {"id": grant.badge_id, "name": grant.badge_name, "tier": grant.tier_name or None,
                "description": (badge.spec.description if badge else None) or ""}
        for group in group_for(grant.person_id, grant.event_id, "badge_awarded"):
            group.badges.append(item)
    for change in levels:
        if change.event_id in quiet:
            continue
        for group in group_for(change.person_id, change.event_id, "level_up"):
            group.level = {"name": change.level, "previous": change.previous or None, "min_points": change.min_points}
    rows = []
    for (destination, _), group in groups.items():
        # One message: a badge announcement that also tells the level, or a level-up on its own.
        trigger = "badge_awarded" if group.badges and "badge_awarded" in group.template_for else "level_up"
        if trigger == "level_up" and group.level is None:
            continue
        data = {"person": person_data(group.person), "badges": group.badges,
                "badge": group.badges[0] if group.badges else None, "level": group.level,
                "event": event_data(group.event), "channel": destination}
        key = hashlib.sha256(f"{trigger}|{destination}|{group.person.key}|{group.event.source_id}".encode()).hexdigest()
        rows.append(Notification(channel_id=destination, trigger=trigger, template=group.template_for[trigger],
                                 data=data, dedupe_key=f"award:{key}"))
    return record(rows)


def record_for_manual_grant(ruleset, grant: BadgeGrant) -> list[int]:
    """Announce a badge an admin granted by hand, like one earned by an event. There is no event,
    so `to: origin` has nowhere to go: only notifications with a named channel announce it."""
    if ruleset is None:
        return []
    channels = dict(Channel.objects.filter(enabled=True).values_list("id", "kind"))
    person = grant.person
    badge = ruleset.badge(grant.badge_id)
    item = {"id": grant.badge_id, "name": grant.badge_name, "tier": grant.tier_name or None,
            "description": (badge.spec.description if badge else None) or ""}
    rows = []
    for rule in ruleset.doc.notifications:
        destination = rule.to
        if rule.on != "badge_awarded" or destination in (None, "origin") or destination not in channels:
            continue
        if not announced(person, "badge_awarded", channels[destination]):
            continue
        data = {"person": person_data(person), "badges": [item], "badge": item, "level": None, "event": None,
                "channel": destination, "granted_by_hand": True, "reason": grant.reason}
        rows.append(Notification(channel_id=destination, trigger="badge_awarded", template=rule.template or "badge_awarded",
                                 data=data, dedupe_key=f"grant:{grant.uuid}:{destination}"))
    return record(rows)
