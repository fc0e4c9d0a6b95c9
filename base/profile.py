"""A person's own details: the name and team other people see."""

from __future__ import annotations

from .models import Person
from .names import forget
from .redis import get_redis


def do_update_profile(person: Person, *, name: str | None = None, team: str | None = None) -> None:
    """Change the name or team given (None leaves one as it is), and drop the person's cached
    display name, so boards show what the database holds."""
    changes = {k: v for k, v in (("name", name), ("team", team)) if v is not None}
    if changes:
        Person.objects.filter(pk=person.pk).update(**changes)
        for field_name, value in changes.items():
            setattr(person, field_name, value)
    forget(get_redis(), [person.key])
