"""Changing a person in ways the boards show: whether they appear, and their role.

Orchestration, because one change crosses the base (the person's row) and the leaderboards (their
entries on every board the active ruleset has)."""

from __future__ import annotations

from django.db import transaction

from base.models import Person, ScorerState
from base.redis import get_redis
from leaderboards import store
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
        ruleset, _ = active_ruleset()
        if ruleset is not None:
            visibility = Visibility(ruleset, [(person.key, person.public, person.role)])
            r = get_redis()
            for board in ruleset.leaderboards:
                if not board.aggregate:
                    store.set_visibility(r, [board.id], person.key, not visibility.hidden(board.id, person.key))
