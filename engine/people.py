"""A person as the boards show them: whether they appear, their role, and the summary of their standing.

Orchestration, because both cross the base (the person's row), the badges and the leaderboards (their
entries on every board the active ruleset has)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from badges.models import BadgeGrant
from base.levels import level_progress
from base.models import Person, ScorerState
from base.redis import get_redis
from leaderboards import store
from leaderboards.reads import person_standings
from leaderboards.visibility import Visibility
from rulesets.active import active_ruleset


def do_update_person(person: Person, *, public: bool | None = None, role: str | None = None) -> None:
    """Change whether a person is shown, or their role, and move their entries on every board to match."""
    with transaction.atomic():
        # Same row the scorer locks: no batch can write this person's board entries meanwhile.
        ScorerState.objects.select_for_update().get_or_create(pk=1)
        changes = {k: v for k, v in (("public", public), ("role", role)) if v is not None}
        Person.objects.filter(pk=person.pk).update(**changes)
        for field_name, value in changes.items():
            setattr(person, field_name, value)
        _place_on_boards(person)


def do_set_person_active(person: Person, active: bool) -> None:
    """Deprovision a person (active=False) or provision them again. Deprovisioned: off every board (like
    one who opted out, so their points stay and come back with them), signed out of the pages, refused
    at sign-in (web/signin.py); their events and ledger are kept, and events about them still score."""
    with transaction.atomic():
        ScorerState.objects.select_for_update().get_or_create(pk=1)
        Person.objects.filter(pk=person.pk).update(active=active)
        person.active = active
        _place_on_boards(person)
        if not active:
            _end_sessions(person.key)


def _place_on_boards(person: Person) -> None:
    """Move the person's entries on every board of people to match who they are now (under the scorer's lock)."""
    ruleset, _ = active_ruleset()
    if ruleset is not None:
        visibility = Visibility(ruleset, [(person.key, person.public and person.active, person.role)])
        r = get_redis()
        for board in ruleset.leaderboards:
            if not board.aggregate:
                store.set_visibility(r, [board.id], person.key, not visibility.hidden(board.id, person.key))


def _end_sessions(username: str) -> None:
    """Delete the page sessions of the sign-in named like the person. Sessions are signed blobs, not
    rows per user, so the unexpired ones are decoded; there are about as many as people signed in."""
    user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    if user_id is None:
        return
    ended = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
             if s.get_decoded().get("_auth_user_id") == str(user_id)]
    Session.objects.filter(pk__in=ended).delete()


def person_summary(person: Person) -> dict:
    """What the API, the chat apps and the Home tab say about a person: points, level, badges, ranks."""
    ruleset, _ = active_ruleset()
    level = ruleset.level_for(person.points) if ruleset else None
    upcoming = ruleset.next_level(person.points) if ruleset else None
    grants = BadgeGrant.objects.filter(person=person, revoked_at__isnull=True).order_by("granted_at", "id")
    return {
        "id": person.key, "name": person.display_name, "team": person.team or None, "role": person.role or None,
        "public": person.public,
        "aliases": [{"source": a.source, "id": a.external_id} for a in person.aliases.order_by("source", "external_id")],
        "points": person.points,
        "level": {"name": level.name, "min_points": level.min_points} if level else None,
        "next_level": {"name": upcoming.name, "min_points": upcoming.min_points,
                       "points_needed": upcoming.min_points - person.points,
                       "progress": level_progress(person.points, level, upcoming)} if upcoming else None,
        "badges": [{"id": g.badge_id, "name": g.badge_name, "tier": g.tier_name or None, "granted_at": g.granted_at} for g in grants],
        "ranks": person_standings(get_redis(), ruleset, person) if ruleset else [],
    }
