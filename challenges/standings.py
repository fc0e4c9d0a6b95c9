"""Reading challenge progress: standings, a collective's progress, a person's challenges."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from base.models import Person
from rules.core import Ruleset
from rules.core.challenges import EVERYONE
from rules.core.compiled import CompiledChallenge

from .models import ChallengeStanding, ChallengeState

MAX_STANDINGS = 1000


def ordered(rows):
    """Reached first, by reached_at (ties: acceptance order), then by progress, most first."""
    return rows.order_by(F("reached_at").asc(nulls_last=True), F("reached_seq").asc(nulls_last=True), "-progress",
                         "participant")


def standings(ruleset: Ruleset, challenge: CompiledChallenge, limit: int | None = 100) -> list[dict]:
    """Each participant's place; people who opted out of public boards are left out (as from boards)."""
    rows = ChallengeStanding.objects.filter(challenge_id=challenge.id)
    if challenge.spec.kind == "individual":
        rows = rows.exclude(person__public=False).exclude(person__active=False)
    rows = ordered(rows)
    if limit is not None:
        rows = rows[:limit]
    names = {}
    if challenge.spec.kind == "individual":
        names = dict(Person.objects.filter(key__in=[r.participant for r in rows]).values_list("key", "name"))
    result = []
    for rank, row in enumerate(rows, start=1):
        result.append({
            "rank": rank,
            "person": row.participant if challenge.spec.kind == "individual" else None,
            "name": (names.get(row.participant) or row.participant) if challenge.spec.kind == "individual" else None,
            "team": row.participant if challenge.spec.kind == "team" else None,
            "progress": row.progress, "goal": challenge.goal, "reached_at": row.reached_at,
            "winner": row.winner is not None,
        })
    return result


def collective_progress(challenge_ids: list[str]) -> dict[str, tuple[int, datetime | None]]:
    rows = ChallengeStanding.objects.filter(challenge_id__in=challenge_ids, participant=EVERYONE)
    return {r.challenge_id: (r.progress, r.reached_at) for r in rows}


def end_announced(challenge_id: str) -> bool:
    return ChallengeState.objects.filter(challenge_id=challenge_id, end_announced_at__isnull=False).exists()


def person_challenges(ruleset: Ruleset, person: Person, now: datetime) -> list[dict]:
    """Every challenge of the ruleset with the person's part: their own (individual), their team's, or everyone's."""
    wanted = {}
    for c in ruleset.challenges:
        kind = c.spec.kind
        wanted[c.id] = person.key if kind == "individual" else (person.team or None) if kind == "team" else EVERYONE
    rows = {(r.challenge_id, r.participant): r for r in ChallengeStanding.objects.filter(
        challenge_id__in=list(wanted), participant__in={p for p in wanted.values() if p is not None})}
    items = []
    for c in ruleset.challenges:
        row = rows.get((c.id, wanted[c.id])) if wanted[c.id] is not None else None
        items.append({"challenge": c.id, "name": c.spec.name, "kind": c.spec.kind, "status": c.status(now),
                      "progress": row.progress if row else 0, "goal": c.goal,
                      "reached_at": row.reached_at if row else None, "winner": bool(row and row.winner is not None)})
    return items
