"""Challenge progress, written by the scorer's challenges step in the scoring transaction (contract section 8)."""

from django.db import models


class ChallengeState(models.Model):
    """A challenge's end, as the relay processes it (challenges/ending.py)."""

    challenge_id = models.CharField(max_length=64, unique=True)
    # Set at the first relay round after `ends`: events (and undos) accepted from then on no longer count.
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set once every event accepted before closed_at is scored: the standings are final and the end outcome went out.
    end_announced_at = models.DateTimeField(null=True, blank=True)


class ChallengeStanding(models.Model):
    """One participant's progress in one challenge: a person (individual), a team, or everyone (collective)."""

    challenge_id = models.CharField(max_length=64)
    # The person's id (individual), the team's name (team), "" (collective).
    participant = models.CharField(max_length=200)
    # The person of an individual challenge: their progress goes with them when they are erased. No index:
    # only an erasure looks rows up by person, and each index costs on every one of the scorer's writes.
    person = models.ForeignKey("engine.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    progress = models.BigIntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)  # occurred_at of the event that reached the goal
    reached_seq = models.BigIntegerField(null=True, blank=True)  # that event's acceptance order, for ties
    winner = models.IntegerField(null=True, blank=True)  # 1 for the first to win...; None: not (yet) a winner

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge_id", "participant"], name="challenge_standing_once")]


class ChallengeCount(models.Model):
    """What one event counted towards one participant, so an undo can take it back (and a team's or
    everyone's reward finds the members who counted)."""

    challenge_id = models.CharField(max_length=64)
    participant = models.CharField(max_length=200)
    person = models.ForeignKey("engine.Person", on_delete=models.CASCADE, related_name="+", db_index=False)
    event = models.ForeignKey("engine.Event", on_delete=models.CASCADE, related_name="+")
    amount = models.BigIntegerField()
    # No index on (challenge_id, participant): only a team's or everyone's reward reads by it, once per
    # goal reached, and each index costs on every one of the scorer's inserts.
    taken_back = models.BooleanField(default=False)
