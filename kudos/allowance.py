"""How many kudos a person has left: counted from the kudos events they gave in the period.

Every stored `kudos` event counts, whichever route stored it (this app, `POST /events`, an
adapter), and one that an `undo` event targets does not: undoing a kudos gives it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from django.db.models import Exists, OuterRef

from base.models import Event
from rules.core import Ruleset
from rulesets.active import active_ruleset

from .periods import bounds

KUDOS = "kudos"


@dataclass(frozen=True)
class Allowance:
    left: int
    amount: int
    per: str  # day | week | month
    resets_at: datetime  # aware, UTC: the start of the next period in the ruleset's timezone

    def as_json(self) -> dict:
        return {"left": self.left, "resets_at": self.resets_at}


def kudos_ruleset() -> Ruleset | None:
    """The active ruleset when it has a `kudos:` section; else None."""
    ruleset, _ = active_ruleset()
    return ruleset if ruleset is not None and ruleset.kudos is not None else None


def allowance_for(person_key: str, *, now: datetime | None = None) -> Allowance | None:
    """The person's allowance in the period holding `now`; None when there is no active ruleset or it
    has no `kudos:` section."""
    ruleset = kudos_ruleset()
    if ruleset is None:
        return None
    return allowance_in(ruleset, person_key, now or datetime.now(timezone.utc))


def allowance_in(ruleset: Ruleset, person_key: str, moment: datetime, *, spending: int = 0) -> Allowance:
    """The allowance in the period holding `moment`, less `spending` not stored yet."""
    spec = ruleset.kudos.allowance
    start, end = bounds(spec.per, moment, ruleset.tz)
    used = sum(receivers_count(giver, mentions) for giver, mentions in _given(person_key, start, end)) + spending
    return Allowance(left=max(spec.amount - used, 0), amount=spec.amount, per=spec.per, resets_at=end)


def receivers_count(giver: str, mentions: list) -> int:
    """What one stored kudos used: one per receiver, the giver never counted (an event sent to
    `POST /events` may name them)."""
    return len({m for m in mentions if m != giver})


def given_to(person_key: str, receiver: str, start: datetime, end: datetime) -> int:
    """Kudos the person gave `receiver` in [start, end), undone ones left out."""
    return sum(1 for _, mentions in _given(person_key, start, end) if receiver in mentions)


def live_kudos():
    """Stored kudos events that no undo event targets."""
    undone = Event.objects.filter(type="undo", target_id=OuterRef("source_id"))
    return Event.objects.filter(type=KUDOS).exclude(Exists(undone))


def _given(person_key: str, start: datetime, end: datetime) -> list[tuple[str, list]]:
    rows = live_kudos().filter(actor__key=person_key, occurred_at__gte=start, occurred_at__lt=end)
    return [(person_key, mentions or []) for mentions in rows.values_list("mentions", flat=True)]
