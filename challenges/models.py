"""Challenge progress, written by the scorer's challenges step in the scoring transaction (contract section 8)."""

import json

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
    # No constraint in the database either: checking it on each of the scorer's upserts cost about a
    # sixth of what challenge progress adds to a batch. Deleting a person still deletes their rows
    # (Django's delete follows on_delete), and the scorer writes only ids of people it has read.
    person = models.ForeignKey("engine.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False, db_constraint=False)
    progress = models.BigIntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)  # occurred_at of the event that reached the goal
    reached_seq = models.BigIntegerField(null=True, blank=True)  # that event's acceptance order, for ties
    winner = models.IntegerField(null=True, blank=True)  # 1 for the first to win...; None: not (yet) a winner

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge_id", "participant"], name="challenge_standing_once")]


class ChallengeCount(models.Model):
    """What the events of one scoring batch counted towards one challenge, so an undo can take it back
    (and a team's or everyone's reward finds the members who counted).

    One row per batch and challenge, its counts packed in `counts`, rather than one row per event: a
    row (and its index entries) per counted event cost the scorer about as much as the award itself.
    An undo finds the row by the event's `seq` (first_seq <= seq <= last_seq) and reads its entries;
    undos are rare next to counted events. Each entry: [seq, participant, person id, amount, taken back
    (0 or 1)]; the participant is null in an individual challenge, where it is the person (the key
    repeated in every entry was most of the row). Person ids rather than keys: an erased person leaves
    a number nobody can read back."""

    challenge_id = models.CharField(max_length=64)
    first_seq = models.BigIntegerField()  # the lowest and highest `seq` of the events counted here
    last_seq = models.BigIntegerField(db_index=True)
    counts = models.TextField()  # JSON: the entries above

    def entries(self) -> list[list]:
        return json.loads(self.counts)

    @staticmethod
    def pack(entries: list[list]) -> str:
        return json.dumps(entries, separators=(",", ":"))
