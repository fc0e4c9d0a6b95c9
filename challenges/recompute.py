"""What a recompute forgets of challenge progress before the events are scored again."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ChallengeCount, ChallengeStanding


def forget_progress(rescored: QuerySet | None = None) -> None:
    """All progress (`rescored` None), or what the rescored events counted: the standings are then summed
    again from the counts kept, and a goal reached by a rescored event is reached again when it is scored.
    A challenge's end (ChallengeState) stays: events accepted after it still do not count."""
    if rescored is None:
        ChallengeCount.objects.all().delete()
        ChallengeStanding.objects.all().delete()
        return
    seqs = set(rescored.values_list("seq", flat=True))
    first = min(seqs, default=None)
    kept: dict[tuple[str, str], int] = {}
    changed: list[tuple[int, list]] = []  # written after the read: rows are not changed under an open cursor
    for row in ChallengeCount.objects.all().iterator(chunk_size=100):
        entries = row.entries()
        if first is not None and row.last_seq >= first:
            left = [e for e in entries if e[0] not in seqs]
            if len(left) < len(entries):
                changed.append((row.pk, left))
            entries = left
        for _seq, participant, person, amount, taken_back in entries:
            if not taken_back:
                key = (row.challenge_id, participant if participant is not None else person)
                kept[key] = kept.get(key, 0) + amount
    for pk, left in changed:
        if not left:
            ChallengeCount.objects.filter(pk=pk).delete()
        else:
            ChallengeCount.objects.filter(pk=pk).update(counts=ChallengeCount.pack(left),
                                                        first_seq=min(e[0] for e in left), last_seq=max(e[0] for e in left))
    rows = list(ChallengeStanding.objects.all())
    for row in rows:
        # An individual challenge's counts name the person by id alone (ChallengeCount).
        row.progress = kept.get((row.challenge_id, row.participant), 0) + (
            kept.get((row.challenge_id, row.person_id), 0) if row.person_id is not None else 0)
        if row.reached_seq in seqs:
            row.reached_at = row.reached_seq = row.winner = None
    ChallengeStanding.objects.bulk_update(rows, ["progress", "reached_at", "reached_seq", "winner"], batch_size=1000)
