"""Challenge progress: what each event adds to the running challenges, and the rewards a reached goal earns.

Contract section 8. Events are observed in acceptance order, each after the rules evaluated it (its
outcome holds the awards that `rule` and `points` goals count). An event counts for a challenge when
its `occurred_at` falls in `[start, end)`, the challenge's `when` holds, and the challenge still
takes events (`ChallengeSource.takes`: the scorer stops a challenge taking events once its end is
processed). A goal reached counts once: `reached_at` is the `occurred_at` of the event that reached
it; while winner places are left, reaching one wins it, so a late event never unseats a winner. The
reward (points under the rule id `challenge:<id>`, a badge) is added to the outcome of the event that
reached the goal, for every person who counted towards it, and stays. An undo takes back what the
undone event counted; a participant who had reached the goal without winning falls back below it.

Pure: the scorer gives a source over the database, a simulation an empty one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .compiled import CHALLENGE_RULE_PREFIX, CompiledChallenge, Ruleset
from .evaluate import UNDO, reach_threshold
from .facts import FactsCache
from .model import AwardOutcome, BadgeOutcome, Event, LevelOutcome, Outcome

EVERYONE = ""  # the one participant of a collective challenge


@dataclass(slots=True)
class Standing:
    """One participant's progress in one challenge: a person (individual), a team, or everyone."""

    progress: int = 0
    reached_at: datetime | None = None
    reached_seq: int | None = None  # the event that reached the goal
    winner: int | None = None  # 1 for the first to win, 2 for the next...


@dataclass(slots=True)
class Count:
    """What one event counted towards one participant, as the source holds it, for an undo to take back."""

    challenge: str
    participant: str
    person: str
    event_id: str
    seq: int
    amount: int
    taken_back: bool = False


# What one event of this run counted towards one participant, as a list rather than a Count: there is one
# per counted event, and a list costs a fraction of an object to make. TAKEN_BACK is set when undone.
CHALLENGE, PARTICIPANT, PERSON, EVENT_ID, SEQ, AMOUNT, TAKEN_BACK = range(7)


class ChallengeSource(Protocol):
    def standing(self, challenge_id: str, participant: str) -> Standing:
        """The participant's standing before this run (a fresh Standing when none); the caller may change it."""

    def winners(self, challenge_id: str) -> int:
        """How many have won the challenge so far."""

    def counts_of(self, event_id: str) -> list[Count]:
        """What the event counted, in any challenge, not yet taken back."""

    def members(self, challenge_id: str, participant: str) -> dict[str, int]:
        """What each person counted towards a team's or everyone's goal before this run, undos taken back."""

    def takes(self, challenge: CompiledChallenge, event: Event) -> bool:
        """Whether the challenge still takes this event (or its undo): False once the end was processed."""

    def closed(self) -> Collection[str]:
        """The challenges whose end was processed: only those may refuse an event (takes)."""

    def team(self, person: str) -> str:
        """The person's team; "" for none."""

    def include(self, people: list[str], facts: FactsCache) -> None:
        """Make the facts answer for these people too (team members rewarded whom the event does not name)."""


class EmptyChallengeSource:
    """No progress before the first event (a simulation); every challenge takes events."""

    def __init__(self, teams: dict[str, str] | None = None):
        self.teams = teams or {}

    def standing(self, challenge_id, participant):
        return Standing()

    def winners(self, challenge_id):
        return 0

    def counts_of(self, event_id):
        return []

    def members(self, challenge_id, participant):
        return {}

    def takes(self, challenge, event):
        return True

    def closed(self):
        return ()

    def team(self, person):
        return self.teams.get(person, "")

    def include(self, people, facts):
        pass


class ChallengeProgress:
    """Observes events in acceptance order; holds the standings it changed and the counts to keep."""

    def __init__(self, ruleset: Ruleset, source: ChallengeSource):
        self.ruleset, self.source = ruleset, source
        self.standings: dict[tuple[str, str], Standing] = {}
        self.changed: set[tuple[str, str]] = set()
        self.counts: list[list] = []  # made in this run: [CHALLENGE, ..., TAKEN_BACK] (0, 1 once undone within it)
        self.taken_back: list[Count] = []  # the source's counts that an undo of this run took back
        self._winners: dict[str, int] = {}
        # Team and collective participants: what each person counted in this run (negative: taken back).
        self._members: dict[tuple[str, str], dict[str, int]] = {}
        # The counts of this run by event, for undos: indexed only when an undo asks (undos are rare).
        self._by_event: dict[str, list[list]] = {}
        self._indexed = 0  # how many of self.counts _by_event holds
        self._taken: set[str] = set()  # events undone in this run
        # Per (event type, channel): the challenges that may count such an event (_Candidate), looked up once.
        self._candidates: dict[tuple[str, str | None], tuple[_Candidate, ...]] = {}

    def standing(self, challenge_id: str, participant: str) -> Standing:
        key = (challenge_id, participant)
        found = self.standings.get(key)
        if found is None:
            found = self.standings[key] = self.source.standing(challenge_id, participant)
        return found

    def winners(self, challenge_id: str) -> int:
        if challenge_id not in self._winners:
            self._winners[challenge_id] = self.source.winners(challenge_id)
        return self._winners[challenge_id]

    def winner_counts(self) -> dict[str, int]:
        """How many have won each challenge this run asked about, as of now."""
        return dict(self._winners)

    def observe(self, event: Event, outcome: Outcome, facts: FactsCache) -> None:
        if event.type == UNDO:
            self._undo(event)
            return
        key = (event.type, event.channel)
        candidates = self._candidates.get(key)
        if candidates is None:
            zone, closed = event.occurred_at.tzinfo, self.source.closed()
            candidates = self._candidates[key] = tuple(_candidate(c, zone, c.id in closed)
                                                        for c in self.ruleset.challenges_for(*key))
        if not candidates:
            return
        at = event.occurred_at
        for challenge, start, end, when, rule, goal_event, closed, goal in candidates:
            if at < start or at >= end or (when is not None and not when(event)):
                continue
            if goal_event is not None:  # the commonest goal inline: the actor's matching event counts one
                if not goal_event(event):
                    continue
                counted = {event.actor: 1}
            else:
                counted = _counted_awards(rule, outcome)
                if not counted:
                    continue
            if not closed or self.source.takes(challenge, event):
                self._count(challenge, goal, event, outcome, facts, counted)

    def _count(self, challenge: CompiledChallenge, goal: int, event: Event, outcome: Outcome, facts: FactsCache,
               counted: dict[str, int]) -> None:
        spec = challenge.spec
        challenge_id, kind = spec.id, spec.kind
        standings, event_id, seq = self.standings, event.id, event.seq
        for person, amount in counted.items():
            if kind == "individual":
                participant = person
            elif kind == "team":
                participant = self.source.team(person)
                if not participant:
                    continue  # someone without a team counts for no team
            else:
                participant = EVERYONE
            key = (challenge_id, participant)
            standing = standings.get(key)
            if standing is None:
                standing = standings[key] = self.source.standing(challenge_id, participant)
            standing.progress += amount
            self.changed.add(key)
            if kind != "individual":
                members = self._members.setdefault(key, {})
                members[person] = members.get(person, 0) + amount
            self.counts.append([challenge_id, participant, person, event_id, seq, amount, 0])
            if standing.reached_at is None and standing.progress >= goal:
                self._reach(challenge, participant, standing, event, outcome, facts)

    def _reach(self, challenge: CompiledChallenge, participant: str, standing: Standing, event: Event, outcome: Outcome,
               facts: FactsCache) -> None:
        standing.reached_at, standing.reached_seq = event.occurred_at, event.seq
        won = self.winners(challenge.id)
        limit = challenge.spec.winners
        if limit is not None and won >= limit:
            return
        standing.winner = won + 1
        self._winners[challenge.id] = won + 1
        reward = challenge.spec.reward
        if reward is None:
            return
        if challenge.spec.kind == "individual":
            rewarded = [participant]
        else:
            members = dict(self.source.members(challenge.id, participant))
            for person, amount in self._members.get((challenge.id, participant), {}).items():
                members[person] = members.get(person, 0) + amount
            rewarded = [p for p, amount in members.items() if amount > 0]
        self.source.include(rewarded, facts)
        for person in rewarded:
            if reward.points:
                before = facts.points(person)
                facts.add_points(person, reward.points)
                outcome.awards.append(AwardOutcome(challenge.rule_id, person, reward.points, reward.points))
                _level_up(self.ruleset, outcome, person, before, before + reward.points)
                for badge in self.ruleset.points_badges:
                    reach_threshold(badge, person, before + reward.points, facts, outcome)
            if reward.badge and facts.badge_tiers(person, reward.badge) == 0:
                badge = self.ruleset.badge(reward.badge)
                outcome.badges.append(BadgeOutcome(person, reward.badge, 0 if badge and badge.spec.tiers else None,
                                                   badge.spec.tiers[0].name if badge and badge.spec.tiers else None))
                facts.set_badge_tiers(person, reward.badge, 1)

    def _made_by(self, event_id: str) -> list[list]:
        for count in self.counts[self._indexed:]:
            self._by_event.setdefault(count[EVENT_ID], []).append(count)
        self._indexed = len(self.counts)
        return self._by_event.get(event_id, [])

    def _undo(self, event: Event) -> None:
        original = event.target_id
        if not original or original in self._taken:
            return
        self._taken.add(original)
        for count in self._made_by(original):
            if not count[TAKEN_BACK] and self._take_back(event, count[CHALLENGE], count[PARTICIPANT], count[PERSON],
                                                         count[AMOUNT]):
                count[TAKEN_BACK] = 1
        for count in self.source.counts_of(original):
            if not count.taken_back and self._take_back(event, count.challenge, count.participant, count.person,
                                                        count.amount):
                count.taken_back = True
                self.taken_back.append(count)

    def _take_back(self, undo: Event, challenge_id: str, participant: str, person: str, amount: int) -> bool:
        challenge = self.ruleset.challenge(challenge_id)
        if challenge is None or not self.source.takes(challenge, undo):
            return False  # the challenge's end was processed: its standings are final
        standing = self.standing(challenge_id, participant)
        standing.progress -= amount
        if challenge.spec.kind != "individual":
            members = self._members.setdefault((challenge_id, participant), {})
            members[person] = members.get(person, 0) - amount
        self.changed.add((challenge_id, participant))
        # A winner keeps the win and the reward; a goal reached without winning can be reached again.
        if standing.reached_at is not None and standing.winner is None and standing.progress < challenge.goal:
            standing.reached_at = standing.reached_seq = None
        return True


# A challenge as observe() checks an event against it: (challenge, start, end, when, the `rule` goal's
# rule id or None, the `event` goal's condition or None, whether its end was processed, the goal). The
# window is in the events' time zone: comparing times of two zones converts both, ten times the cost of
# the comparison.
_Candidate = tuple


def _candidate(challenge: CompiledChallenge, zone, closed: bool) -> _Candidate:
    return (challenge, challenge.start.astimezone(zone), challenge.end.astimezone(zone), challenge.when,
            challenge.spec.goal.rule, challenge.goal_event, closed, challenge.goal)


def _counted_awards(rule: str | None, outcome: Outcome) -> dict[str, int]:
    """person -> what the event's awards add to the goal for them: a `rule` goal counts the rule's
    awards, a `points` goal the points awarded. (An `event` goal counts the actor's matching event.)"""
    counted: dict[str, int] = {}
    if rule is not None:
        for award in outcome.awards:
            if award.rule_id == rule and not award.capped and award.reverses_event is None:
                counted[award.recipient] = counted.get(award.recipient, 0) + 1
    else:
        for award in outcome.awards:
            if award.points and award.reverses_event is None and not award.rule_id.startswith(CHALLENGE_RULE_PREFIX):
                counted[award.recipient] = counted.get(award.recipient, 0) + award.points
    return counted


def _level_up(ruleset: Ruleset, outcome: Outcome, person: str, before: int, after: int) -> None:
    if not ruleset.levels or after <= before:
        return
    old, new = ruleset.level_for(before), ruleset.level_for(after)
    if new is not None and (old is None or new.min_points > old.min_points):
        outcome.levels.append(LevelOutcome(person, new.name, new.min_points, old.name if old else None))
