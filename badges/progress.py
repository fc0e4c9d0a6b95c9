"""A person's badges: what they hold and how far they are from the next tier."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from engine.models import Award, Person, StreakState
from rules.core import Ruleset, StreakRun
from rules.core.streaks import current_length

from .models import BadgeGrant, BadgeProgress


def badge_progress(ruleset: Ruleset, person: Person) -> list[dict]:
    grants: dict[str, list[BadgeGrant]] = {}
    for g in BadgeGrant.objects.filter(person=person).select_related("event").order_by("step"):
        grants.setdefault(g.badge_id, []).append(g)
    rule_counts = {
        row["rule_id"]: row["given"] - row["reversed"]
        for row in Award.objects.filter(recipient=person, capped=False).values("rule_id").annotate(
            given=Count("id", filter=Q(reverses_event__isnull=True)),
            reversed=Count("id", filter=Q(reverses_event__isnull=False)))
    }
    event_counts = dict(BadgeProgress.objects.filter(person=person).values_list("badge_id", "count"))
    runs = {row.streak_id: StreakRun(row.last_period, row.length, row.best) for row in StreakState.objects.filter(person=person)}
    now = timezone.now()
    results = []
    for badge in ruleset.badges:
        criteria = badge.spec.criteria
        if criteria.rule:
            have = rule_counts.get(criteria.rule, 0)
        elif criteria.points is not None:
            have = person.points
        elif criteria.streak:
            streak = ruleset.streak(criteria.streak)
            # A run that has already missed a period counts as 0: the next event would restart it at 1.
            have = current_length(runs.get(criteria.streak, StreakRun()), streak.spec.per, now, ruleset.tz) if streak else 0
        else:
            have = event_counts.get(badge.id, 0)
        held = grants.get(badge.id, [])
        upcoming = badge.thresholds[len(held)] if len(held) < len(badge.thresholds) else None
        results.append({
            "id": badge.id, "name": badge.spec.name,
            "earned": [{"tier": g.tier_name or None, "granted_at": g.granted_at,
                        "event": g.event.source_id if g.event_id else None} for g in held],
            "next_tier": upcoming.name if upcoming else None,
            "have": have, "need": upcoming.need if upcoming else None, "complete": upcoming is None,
        })
    return results
