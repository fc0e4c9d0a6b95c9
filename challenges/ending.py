"""A challenge's end: processed by the relay (engine/relay.py) once per challenge.

Two moments. At the first round after `ends`, the challenge is closed (`closed_at`): events and undos
accepted from then on no longer change it. Once every event accepted before that is scored, its
standings are final: the end is marked announced and the end outcome (the winners) goes to the
listeners of `challenges.listeners`, in the same transaction. The announcement's text and its channels are the
listener's business (`end_outcome` gives what it needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from base.models import Event, ScorerState
from rules.core import Ruleset

from . import listeners
from .models import ChallengeState
from .standings import standings

@dataclass(frozen=True)
class ChallengeEnd:
    """What the end of a challenge announces: its winners in order (each {rank, person or team, progress,
    goal, reached_at}), and the channel and moments of its `announce:`. In works-council mode
    (`ranks_people` false) an announcement names no winners of an individual challenge."""

    challenge_id: str
    name: str
    kind: str
    winners: list[dict]
    goal_reached: bool  # collective: whether everyone together reached the goal
    announce_to: str | None
    announce_at: tuple[str, ...]
    ranks_people: bool = True  # the ruleset's privacy.individual_ranking


def end_outcome(ruleset: Ruleset, challenge_id: str) -> ChallengeEnd:
    challenge = ruleset.challenge(challenge_id)
    rows = standings(ruleset, challenge, limit=None)
    winners = [row for row in rows if row["winner"]]
    announce = challenge.spec.announce
    return ChallengeEnd(challenge.id, challenge.spec.name, challenge.spec.kind, winners,
                        any(row["reached_at"] is not None for row in rows),
                        announce.to if announce else None, tuple(announce.at) if announce else (),
                        ranks_people=ruleset.ranks_people)


def do_close_ended_challenges(ruleset: Ruleset | None, now: datetime) -> list[ChallengeEnd]:
    """Close the challenges that ended and announce those whose standings are final; returns the ends
    announced in this call."""
    if ruleset is None or not ruleset.challenges:
        return []
    ended = [c for c in ruleset.challenges if c.end <= now]
    if not ended:
        return []
    announced: list[ChallengeEnd] = []
    with transaction.atomic():
        # The scorer's lock row: a batch scoring now finishes before a challenge closes, so a batch sees
        # a challenge either open or closed throughout.
        ScorerState.objects.select_for_update().filter(pk=1).first()
        states = {s.challenge_id: s for s in ChallengeState.objects.filter(challenge_id__in=[c.id for c in ended])}
        for challenge in ended:
            state = states.get(challenge.id)
            if state is None:
                state = ChallengeState.objects.create(challenge_id=challenge.id, closed_at=now)
            elif state.closed_at is None:
                ChallengeState.objects.filter(pk=state.pk).update(closed_at=now)
                state.closed_at = now
            if state.end_announced_at is not None:
                continue
            if Event.objects.filter(scored_at__isnull=True, received_at__lt=state.closed_at).exists():
                continue  # events accepted before the close still count: announce when they are scored
            ChallengeState.objects.filter(pk=state.pk).update(end_announced_at=now)
            end = end_outcome(ruleset, challenge.id)
            listeners.end_processed(end)
            announced.append(end)
    return announced
