"""The peers' way, as a baseline: one ORM row per award, one transaction per event, boards by SQL.

It gets the same rules core as Plaudit (so the comparison is about storage, not rule logic)
and keeps its rule counters in memory, which flatters it. Boards are a SUM/GROUP BY over the
award rows at read time.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone


def score(ruleset, limit: int, facts=None):
    """Score the oldest `limit` pending events; returns how many, and the rule counters to pass to
    the next call."""
    from base.models import Award, Event, Person
    from rules.core import FactsCache, evaluate

    facts = FactsCache() if facts is None else facts
    scored = 0
    pending = Event.objects.filter(scored_at__isnull=True).select_related("actor", "target_author").order_by("seq")
    for event in pending[:limit]:
        outcome = evaluate(ruleset, event.to_core(), facts)
        with transaction.atomic():
            for a in outcome.awards:
                recipient = Person.objects.get(key=a.recipient)
                Award.objects.create(event=event, rule_id=a.rule_id, recipient=recipient, points=a.points,
                                     base_points=a.base_points, factor=a.factor, capped=a.capped,
                                     occurred_at=event.occurred_at, channel=event.channel, program=event.program,
                                     team=recipient.team, batch=0)
            event.scored_at = timezone.now()
            event.save(update_fields=["scored_at"])
        scored += 1
    return scored, facts


def top10_seconds(calls: int) -> float:
    """Median-free mean time of the all-time top 10 computed in SQL, as peers rank."""
    from base.models import Award

    started = time.perf_counter()
    for _ in range(calls):
        list(Award.objects.values("recipient__key").annotate(total=Sum("points")).order_by("-total")[:10])
    return (time.perf_counter() - started) / calls

