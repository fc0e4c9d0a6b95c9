"""What merging two people (engine/merge.py) or erasing one (engine/privacy.py) does to challenge progress."""

from __future__ import annotations

from base.models import Person
from rules.core import Ruleset

from .models import ChallengeCount, ChallengeStanding


def move_progress(source: Person, target: Person, ruleset: Ruleset | None) -> None:
    """Move `source`'s counts and individual standings to `target`, inside the merge's transaction.

    Where both had a standing in one challenge, the target keeps one with both progresses added: the
    better of the two wins or reached goals (a winner first, then the earlier `reached_at`), so a
    winner stays one and the other win's place opens. Two records that reach a goal only together
    reach it with the person's next counted event, as the scorer reaches every goal."""
    _rewrite_counts(source.pk, source.key, target.pk, target.key)
    renumber = set()
    for moved in ChallengeStanding.objects.filter(person=source):
        kept = ChallengeStanding.objects.filter(challenge_id=moved.challenge_id, participant=target.key).first()
        if kept is None:
            ChallengeStanding.objects.filter(pk=moved.pk).update(participant=target.key, person=target)
            continue
        kept.progress += moved.progress
        if _rank(moved) < _rank(kept):
            kept.reached_at, kept.reached_seq, kept.winner = moved.reached_at, moved.reached_seq, moved.winner
        if moved.winner is not None and kept.winner is not None:
            renumber.add(moved.challenge_id)  # one person holds one place: the places after it move up
        challenge = ruleset.challenge(moved.challenge_id) if ruleset else None
        if kept.reached_at is not None and kept.winner is None and challenge and kept.progress < challenge.goal:
            kept.reached_at = kept.reached_seq = None  # as an undo: a goal reached without winning can fall back
        moved.delete()
        kept.save(update_fields=["progress", "reached_at", "reached_seq", "winner"])
    for challenge_id in renumber:
        _renumber_winners(challenge_id)


def rename_participant(person: Person, old_key: str) -> None:
    """An erased person's individual progress goes under their anonymous id (person.key): their old id
    leaves the standings and the counts kept for undo."""
    ChallengeStanding.objects.filter(person=person, participant=old_key).update(participant=person.key)
    _rewrite_counts(person.pk, old_key, person.pk, person.key)


def _rewrite_counts(source_id: int, source_key: str, target_id: int, target_key: str) -> None:
    """What `source` counted is `target`'s: a team's or everyone's counts keep their participant."""
    changed = []
    # A person id sits between two commas in an entry ([seq,participant,person,amount,taken back]):
    # the text search finds every row that may hold one of theirs, and the entries say which do.
    for row in ChallengeCount.objects.filter(counts__contains=f",{source_id},").iterator(chunk_size=100):
        entries = row.entries()
        mine = [entry for entry in entries if entry[2] == source_id]
        for entry in mine:
            entry[1], entry[2] = target_key if entry[1] == source_key else entry[1], target_id
        if mine:
            changed.append((row.pk, entries))
    for pk, entries in changed:  # written after the read: rows are not changed under an open cursor
        ChallengeCount.objects.filter(pk=pk).update(counts=ChallengeCount.pack(entries))


def _rank(standing: ChallengeStanding) -> tuple:
    """Which of two standings of one person keeps its goal: a win (the earlier place), then a reached goal."""
    if standing.winner is not None:
        return (0, standing.winner)
    if standing.reached_at is not None:
        return (1, standing.reached_at, standing.reached_seq)
    return (2,)


def _renumber_winners(challenge_id: str) -> None:
    """1, 2, ... in the order they won: the scorer numbers the next winner after how many there are."""
    winners = list(ChallengeStanding.objects.filter(challenge_id=challenge_id, winner__isnull=False).order_by("winner"))
    for place, row in enumerate(winners, start=1):
        if row.winner != place:
            ChallengeStanding.objects.filter(pk=row.pk).update(winner=place)
