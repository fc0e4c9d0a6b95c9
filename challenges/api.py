"""The challenges API (contract section 8): the list, one challenge's standings and winners, a person's challenges."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from base import auth
from base.errors import Conflict, Forbidden, NotFound
from base.models import Person
from rulesets.active import active_ruleset

from .standings import MAX_STANDINGS, collective_progress, person_challenges, standings

router = Router(tags=["challenges"])


class RewardOut(Schema):
    points: int | None
    badge: str | None


class ChallengeOut(Schema):
    id: str
    name: str
    description: str | None
    kind: str  # individual | team | collective
    starts: date  # midnight in the ruleset's timezone
    ends: date  # exclusive
    status: str  # upcoming | running | ended
    goal: int
    goal_kind: str  # rule | event | points
    places: int | None  # the first N to reach the goal win; None: everyone who reaches it
    reward: RewardOut | None
    progress: int | None  # collective challenges: everyone's progress together
    reached_at: datetime | None  # collective challenges: when the goal was reached


class StandingOut(Schema):
    rank: int
    person: str | None  # individual challenges
    name: str | None  # the person's display name
    team: str | None  # team challenges
    progress: int
    goal: int
    reached_at: datetime | None
    winner: bool


class ChallengeDetailOut(ChallengeOut):
    standings: list[StandingOut]
    winners: list[StandingOut] | None  # when ended: the winners, first first


class PersonChallengeOut(Schema):
    challenge: str
    name: str
    kind: str
    status: str
    progress: int
    goal: int
    reached_at: datetime | None
    winner: bool


def _ruleset():
    ruleset, _ = active_ruleset()
    if ruleset is None:
        raise Conflict("no_ruleset", "no ruleset is active yet; PUT /api/v1/ruleset first")
    return ruleset


def _out(challenge, now, collective: dict) -> dict:
    spec = challenge.spec
    goal = spec.goal
    progress, reached_at = collective.get(challenge.id, (0, None)) if spec.kind == "collective" else (None, None)
    return {"id": spec.id, "name": spec.name, "description": spec.description, "kind": spec.kind,
            "starts": spec.starts, "ends": spec.ends, "status": challenge.status(now), "goal": challenge.goal,
            "goal_kind": "rule" if goal.rule else "event" if goal.event is not None else "points",
            "places": spec.winners, "reward": spec.reward.model_dump() if spec.reward else None,
            "progress": progress, "reached_at": reached_at}


@router.get("/challenges", auth=auth.reader, response=list[ChallengeOut], summary="The active ruleset's challenges")
def list_challenges(request):
    ruleset, now = _ruleset(), timezone.now()
    collective = collective_progress([c.id for c in ruleset.challenges if c.spec.kind == "collective"])
    return [_out(c, now, collective) for c in ruleset.challenges]


class StandingsQuery(Schema):
    limit: int = Field(default=100, ge=1, le=MAX_STANDINGS, description="At most this many standings, best first.")


@router.get("/challenges/{challenge_id}", auth=auth.reader, response=ChallengeDetailOut,
            summary="One challenge: its standings, and its winners once it ended")
def get_challenge(request, challenge_id: str, query: Query[StandingsQuery]):
    ruleset, now = _ruleset(), timezone.now()
    challenge = ruleset.challenge(challenge_id)
    if challenge is None:
        raise NotFound(f"no challenge with id {challenge_id!r} in the active ruleset")
    if challenge.spec.kind == "individual" and not ruleset.ranks_people:
        # Standings of people rank them: works-council mode forbids it, as for boards of people.
        raise Forbidden("individual_ranking_off",
                        "this company shows no individual rankings (works-council mode: the ruleset's "
                        "privacy.individual_ranking is false), so the standings of an individual challenge are not "
                        "answered; team and collective challenges remain, and each person sees their own progress "
                        "at GET /people/{id}/challenges")
    collective = collective_progress([challenge.id]) if challenge.spec.kind == "collective" else {}
    rows = standings(ruleset, challenge, limit=query.limit)
    ended = challenge.status(now) == "ended"
    winners = [row for row in standings(ruleset, challenge, limit=None) if row["winner"]] if ended else None
    return {**_out(challenge, now, collective), "standings": rows, "winners": winners}


@router.get("/people/{person_id}/challenges", auth=auth.reader, response=list[PersonChallengeOut],
            summary="A person's part in each challenge")
def get_person_challenges(request, person_id: str):
    person = Person.objects.filter(key=person_id).first()
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    return person_challenges(_ruleset(), person, timezone.now())
