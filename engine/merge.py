"""Merging two people into one: the history of one moves to the other.

Two records for one human happen: a Slack user seen before the directory knew their email, an LMS
account and a chat id. A merge moves everything of `source` to `target` (events they sent or were
the target author of, mentions, awards, badges, progress, streaks, levels, aliases), recounts the
target's points and level, rewrites both on every board from the ledger (past periods built on a
read are dropped, to be built again on the next read), deletes `source`, and has the engagement
rollups recounted.

Awards move as they were scored: a cap that would have bitten across the two histories is not
applied after the fact (run `manage.py recompute` for that). Where both held the same thing (the
same badge step, an award of one event and rule to each), the target keeps one, with the points
added together; challenge progress is added together too (challenges/merge.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from badges.models import BadgeAudit, BadgeGrant, BadgeProgress
from base import names
from base.errors import ApiError
from base.inbox import catch_up
from base.ledger import bump_facts_epoch
from base.models import Award, Event, LevelChange, Person, PersonAlias, StreakState, events_mentioning
from base.redis import get_redis
from challenges.merge import move_progress
from insights.rollup import request_rebuild
from leaderboards import store
from leaderboards.rebuild import forget_built_periods, hidden_on_boards, ledger_totals
from rulesets.active import active_ruleset


@dataclass
class MergeReport:
    events_moved: int = 0
    mentions_moved: int = 0
    awards_moved: int = 0
    awards_combined: int = 0
    badges_moved: int = 0
    badges_dropped_as_duplicates: int = 0
    aliases_moved: int = 0
    board_entries_written: int = 0


def do_merge_people(source: Person, target: Person) -> MergeReport:
    if source.pk == target.pk:
        raise ApiError(422, "same_person", "a person cannot be merged into themselves")
    catch_up()  # the events of batches received with respond-async move too
    report = MergeReport()
    r = get_redis()
    with transaction.atomic():
        # The scorer's row lock: no batch scores these two people while their history moves, and
        # every scorer process reads their points and standings again at its next batch.
        state = bump_facts_epoch()
        source = Person.objects.select_for_update().get(pk=source.pk)
        target = Person.objects.select_for_update().get(pk=target.pk)
        report.events_moved = Event.objects.filter(actor=source).update(actor=target)
        Event.objects.filter(target_author=source).update(target_author=target)
        for event in events_mentioning(source.key).only("seq", "mentions"):
            event.mentions = list(dict.fromkeys(target.key if m == source.key else m for m in event.mentions))
            event.save(update_fields=["mentions"])
            report.mentions_moved += 1
        report.awards_moved, report.awards_combined = _move_awards(source, target)
        for grant in BadgeGrant.objects.filter(person=source):
            if BadgeGrant.objects.filter(person=target, badge_id=grant.badge_id, step=grant.step).exists():
                grant.delete()
                report.badges_dropped_as_duplicates += 1
            else:
                BadgeGrant.objects.filter(pk=grant.pk).update(person=target)
                report.badges_moved += 1
        for progress in BadgeProgress.objects.filter(person=source):
            kept, _ = BadgeProgress.objects.get_or_create(person=target, badge_id=progress.badge_id)
            BadgeProgress.objects.filter(pk=kept.pk).update(count=F("count") + progress.count)
            progress.delete()
        for streak in StreakState.objects.filter(person=source):
            # Runs cannot be joined after the fact; the longer record stays.
            kept = StreakState.objects.filter(person=target, streak_id=streak.streak_id).first()
            if kept is None:
                StreakState.objects.filter(pk=streak.pk).update(person=target)
            else:
                if streak.best > kept.best:
                    StreakState.objects.filter(pk=kept.pk).update(best=streak.best)
                streak.delete()
        LevelChange.objects.filter(person=source).update(person=target)
        ruleset, _ = active_ruleset()
        move_progress(source, target, ruleset)
        BadgeAudit.objects.filter(person=source).update(person=target)
        report.aliases_moved = PersonAlias.objects.filter(person=source).update(person=target)
        points = Award.objects.filter(recipient=target).aggregate(total=Sum("points"))["total"] or 0
        level = ruleset.level_for(points) if ruleset else None
        Person.objects.filter(pk=target.pk).update(
            points=points, level=level.name if level else target.level,
            name=target.name or source.name, team=target.team or source.team)
        source_key = source.key
        source.delete()

        request_rebuild()  # engagement rollups counted per person: recounted from the log
        if ruleset is not None and state is not None:
            totals = {k: v for k, v in ledger_totals(ruleset, state.last_batch, Award.objects.filter(recipient=target)).items()
                      if k[1] == target.key}
            report.board_entries_written = store.replace_people(r, [source_key, target.key], totals, hidden_on_boards(ruleset))
            # Past periods built on a read hold neither of them now: built again from the merged ledger
            # on the next read. Again once this commits, in case a read in between saw the old ledger.
            forget_built_periods(r)
            transaction.on_commit(lambda: forget_built_periods(r))
        names.forget(r, [source_key, target.key])
    return report


def _move_awards(source: Person, target: Person) -> tuple[int, int]:
    """Move the ledger rows; a row that would repeat (event, rule, target) adds its points to the one there."""
    clashes = Award.objects.filter(recipient=source, event_id__in=Award.objects.filter(recipient=target).values("event_id"))
    combined = 0
    for award in clashes:
        kept = Award.objects.filter(recipient=target, event_id=award.event_id, rule_id=award.rule_id).first()
        if kept is None:
            continue
        Award.objects.filter(pk=kept.pk).update(points=F("points") + award.points, base_points=F("base_points") + award.base_points)
        award.delete()
        combined += 1
    moved = Award.objects.filter(recipient=source).update(recipient=target)
    return moved, combined


@dataclass
class MergePreview:
    """What a merge of `source` into `target` would move, read without changing anything."""
    points: int
    events: int
    target_author_of: int
    mentions: int
    awards: int
    kudos_given: int
    kudos_received: int
    aliases: int
    badges: list[dict]  # {"id", "name", "tier", "duplicate": the target holds that step already}
    target_points_after: int


def merge_preview(source: Person, target: Person) -> MergePreview:
    """The counts a merge page shows before it is confirmed; ApiError same_person as do_merge_people."""
    if source.pk == target.pk:
        raise ApiError(422, "same_person", "a person cannot be merged into themselves")
    held_by_target = set(BadgeGrant.objects.filter(person=target).values_list("badge_id", "step"))
    badges = [{"id": g.badge_id, "name": g.badge_name, "tier": g.tier_name or None,
               "duplicate": (g.badge_id, g.step) in held_by_target}
              for g in BadgeGrant.objects.filter(person=source, revoked_at__isnull=True).order_by("badge_id", "step")]
    mentioning = events_mentioning(source.key)
    points = Award.objects.filter(recipient=source).aggregate(total=Sum("points"))["total"] or 0
    target_points = Award.objects.filter(recipient=target).aggregate(total=Sum("points"))["total"] or 0
    return MergePreview(
        points=points, events=Event.objects.filter(actor=source).count(),
        target_author_of=Event.objects.filter(target_author=source).count(), mentions=mentioning.count(),
        awards=Award.objects.filter(recipient=source).count(),
        kudos_given=Event.objects.filter(actor=source, type="kudos").count(),
        kudos_received=mentioning.filter(type="kudos").count(),
        aliases=PersonAlias.objects.filter(person=source).count(), badges=badges,
        target_points_after=points + target_points)
