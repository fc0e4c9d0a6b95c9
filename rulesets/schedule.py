"""Scheduled activation: a validated ruleset text waits for its moment, then the relay activates it
through do_activate_ruleset, exactly once, and the version history records it like any activation."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone as dt_timezone

from django.db import transaction

from base.errors import Conflict, Invalid, NotFound
from rules.core import RulesetError, load_ruleset

from .active import do_activate_ruleset
from .models import ScheduledActivation

log = logging.getLogger("plaudit.rulesets")


def pending_activations() -> list[ScheduledActivation]:
    return list(ScheduledActivation.objects.filter(status=ScheduledActivation.PENDING).order_by("activate_at", "id"))


def do_schedule_activation(text: str, activate_at: datetime, *, now: datetime, scheduled_by: str = "", note: str = "",
                           source: str = "ruleset.yaml") -> ScheduledActivation:
    """Validate the text (raises RulesetError) and keep it to activate at `activate_at`: an aware moment,
    or a naive one read in the ruleset's own timezone."""
    ruleset = load_ruleset(text, source=source)
    if activate_at.tzinfo is None:
        activate_at = activate_at.replace(tzinfo=ruleset.tz)
    if activate_at <= now:
        shown = activate_at.astimezone(ruleset.tz).strftime("%Y-%m-%d %H:%M")
        raise Invalid("activate_at_past", f"{shown} ({ruleset.tz}) has passed; choose a moment in the future")
    return ScheduledActivation.objects.create(
        name=ruleset.name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
        activate_at=activate_at.astimezone(dt_timezone.utc), timezone=str(ruleset.tz), note=note[:500],
        scheduled_by=scheduled_by[:100])


def do_cancel_scheduled_activation(schedule_id: int, *, cancelled_by: str = "") -> ScheduledActivation:
    """Cancel a pending schedule; one already activated or cancelled is a Conflict."""
    with transaction.atomic():
        changed = ScheduledActivation.objects.filter(pk=schedule_id, status=ScheduledActivation.PENDING).update(
            status=ScheduledActivation.CANCELLED, cancelled_by=cancelled_by[:100])
        schedule = ScheduledActivation.objects.filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"there is no scheduled activation {schedule_id}")
    if not changed:
        raise Conflict("schedule_not_pending", f"scheduled activation {schedule_id} is {schedule.status}, not pending")
    return schedule


def do_run_due_activations(now: datetime) -> list[ScheduledActivation]:
    """Activate every pending schedule whose moment has come, oldest first; returns those activated.

    Each one is claimed by a conditional update in the transaction that activates it, so two relays
    (or a relay and a retry) never activate it twice. A text the validator no longer accepts is
    marked failed, with why, and the active ruleset stays."""
    done = []
    due = ScheduledActivation.objects.filter(status=ScheduledActivation.PENDING, activate_at__lte=now)
    for schedule in due.order_by("activate_at", "id"):
        with transaction.atomic():
            if not ScheduledActivation.objects.filter(pk=schedule.pk, status=ScheduledActivation.PENDING).update(
                    status=ScheduledActivation.DONE):
                continue  # another relay took it
            note = schedule.note or f"scheduled activation {schedule.id}"
            try:
                version = do_activate_ruleset(schedule.text, activated_by=schedule.scheduled_by, note=note,
                                              source=f"scheduled activation {schedule.id}")
            except RulesetError as exc:
                ScheduledActivation.objects.filter(pk=schedule.pk).update(
                    status=ScheduledActivation.FAILED, error="; ".join(i.message for i in exc.issues)[:2000] or str(exc))
                log.warning("scheduled activation %s no longer validates: %s", schedule.id, exc)
                continue
            ScheduledActivation.objects.filter(pk=schedule.pk).update(version=version)
            schedule.status, schedule.version = ScheduledActivation.DONE, version
        done.append(schedule)
    return done
