"""What a recompute forgets of challenge progress before the events are scored again."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from .models import ChallengeCount, ChallengeStanding


def forget_progress(rescored: QuerySet | None = None) -> None:
    """All progress (`rescored` None), or what the rescored events counted: the standings are then summed
    again from the counts kept, and a goal reached by a rescored event is reached again when it is scored.
    A challenge's end (ChallengeState) stays: events accepted after it still do not count."""
    if rescored is None:
        ChallengeCount.objects.all().delete()
        ChallengeStanding.objects.all().delete()
        return
    ChallengeCount.objects.filter(event__in=rescored).delete()
    seqs = set(rescored.values_list("seq", flat=True))
    kept = {
        (c, p): total for c, p, total in ChallengeCount.objects.filter(taken_back=False)
        .values("challenge_id", "participant").annotate(total=Sum("amount"))
        .values_list("challenge_id", "participant", "total").iterator(chunk_size=5000)}
    rows = list(ChallengeStanding.objects.all())
    for row in rows:
        row.progress = kept.get((row.challenge_id, row.participant), 0)
        if row.reached_seq in seqs:
            row.reached_at = row.reached_seq = row.winner = None
    ChallengeStanding.objects.bulk_update(rows, ["progress", "reached_at", "reached_seq", "winner"], batch_size=1000)
