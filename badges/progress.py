"""A person's badges: what they hold and how far they are from the next tier."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from base.models import Award, Person, StreakState
from rules.core import Ruleset, StreakRun
from rules.core.conditions import moment
from rules.core.streaks import current_length
from rulesets.texts import tier_name

from .models import BadgeGrant, BadgeProgress
from .words import progress_words

EVIDENCE_EVENTS = 5


def holder_counts(badge_ids: list[str] | None = None) -> dict[str, int]:
    """How many people hold each badge's first step; a revoked grant is not held."""
    rows = BadgeGrant.objects.filter(step=0, revoked_at__isnull=True)
    if badge_ids is not None:
        rows = rows.filter(badge_id__in=badge_ids)
    return dict(rows.values("badge_id").annotate(n=Count("person", distinct=True)).values_list("badge_id", "n"))


def visible(badge, holders: dict[str, int]) -> bool:
    """A secret badge is shown once anyone holds it; every other badge always."""
    return not badge.spec.secret or holders.get(badge.id, 0) > 0


def rule_evidence(person: Person, grants: list[tuple[str, BadgeGrant]]) -> dict[int, list[str]]:
    """grant id -> up to 5 most recent events whose awards from its rule counted, up to and including the
    granting one; for every (rule id, grant) of the person in one read, however many badges and tiers."""
    asked = [(rule, g) for rule, g in grants if g.event_id is not None]
    found: dict[int, list[str]] = {g.pk: [] for _, g in grants}
    if not asked:
        return found
    # Undos of any time (an event undone later counts no more), counted awards up to the last granting event.
    rows = (Award.objects.filter(Q(reverses_event__isnull=False) | Q(event_id__lte=max(g.event_id for _, g in asked)),
                                 recipient=person, rule_id__in={rule for rule, _ in asked})
            .order_by("-event_id").values_list("rule_id", "event_id", "reverses_event_id", "capped", "event__source_id"))
    undone: set[tuple[str, int]] = set()
    counted: dict[str, list[tuple[int, str]]] = {}
    for rule, event_id, reverses, capped, source_id in rows:
        if reverses is not None:
            undone.add((rule, reverses))
        elif not capped:
            counted.setdefault(rule, []).append((event_id, source_id))
    for rule, g in asked:
        found[g.pk] = [source for event_id, source in counted.get(rule, [])
                       if event_id <= g.event_id and (rule, event_id) not in undone][:EVIDENCE_EVENTS]
    return found


def validity(badge, grant: BadgeGrant, now: datetime) -> dict:
    """When a grant was earned (its event's time) and, for a badge with `valid_for_days`, until when."""
    earned_at = grant.earned_at
    days = badge.spec.valid_for_days
    expires_at = earned_at + timedelta(days=days) if days else None
    return {"earned_at": earned_at, "expires_at": expires_at, "expired": bool(expires_at and now >= expires_at)}


def window(badge, ruleset: Ruleset, now: datetime) -> dict | None:
    """A time-boxed badge's window, and whether it can be earned right now."""
    spec = badge.spec.available
    if spec is None:
        return None
    start = moment(spec.from_, ruleset.tz) if spec.from_ else None
    end = moment(spec.until, ruleset.tz) if spec.until else None
    return {"opens_at": start, "closes_at": end, "open": (start is None or start <= now) and (end is None or now < end)}


def badge_progress(ruleset: Ruleset, person: Person, holders: dict[str, int] | None = None) -> list[dict]:
    """Every visible badge with what the person holds of it, their count against the next tier, and the
    evidence of each tier (`holders`: holder_counts(), when the caller has read it already)."""
    # Every grant row takes a step, revoked ones too (scoring never gives a revoked step back);
    # only those not revoked are shown as earned.
    steps: dict[str, int] = {}
    grants: dict[str, list[BadgeGrant]] = {}
    for g in BadgeGrant.objects.filter(person=person).select_related("event").order_by("step"):
        steps[g.badge_id] = steps.get(g.badge_id, 0) + 1
        if g.revoked_at is None:
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
    holders = holder_counts() if holders is None else holders
    evidence = rule_evidence(person, [(badge.spec.criteria.rule, g) for badge in ruleset.badges
                                      if badge.spec.criteria is not None and badge.spec.criteria.rule
                                      for g in grants.get(badge.id, [])])
    results = []
    for badge in ruleset.badges:
        if not visible(badge, holders):
            continue
        criteria = badge.spec.criteria
        if criteria is None:  # given by a challenge or an admin: nothing to count
            have = 0
        elif criteria.rule:
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
        taken = steps.get(badge.id, 0)
        upcoming = badge.thresholds[taken] if taken < len(badge.thresholds) else None
        results.append({
            "id": badge.id, "name": badge.spec.name,
            "earned": [{"tier": g.tier_name or None, "granted_at": g.granted_at,
                        "event": g.event.source_id if g.event_id else None,
                        "evidence": evidence[g.pk] if criteria is not None and criteria.rule else
                        ([g.event.source_id] if g.event_id else []),
                        **validity(badge, g, now)} for g in held],
            "available": window(badge, ruleset, now),
            "next_tier": upcoming.name if upcoming else None,
            "have": have, "need": upcoming.need if upcoming else None,
            "progress": progress_words(ruleset, criteria, have, upcoming.need,
                                       tier_name(ruleset, badge.id, upcoming.name)) if upcoming else None,
            "complete": upcoming is None,
        })
    return results
