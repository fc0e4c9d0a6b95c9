"""Who is shown on which board: not people who opted out or were deprovisioned, not roles a board excludes.

Hidden people are kept in each board's hidden twin set, so they can still see where they would
stand. Boards of teams hide no one.
"""

from __future__ import annotations

from typing import Iterable

from django.db.models import Q

from base.models import Person
from rules.core import Ruleset

from .store import Hidden, nobody_hidden


class Visibility:
    def __init__(self, ruleset: Ruleset, people: Iterable[tuple[str, bool, str]]):
        """people: (person id, public, role) of at least everyone who is private or has a role; `public`
        is False for a deprovisioned person too (Person.active), who is hidden like one who opted out."""
        self.excluded = {b.id: frozenset(b.exclude_roles or ()) for b in ruleset.leaderboards}
        self.team_boards = {b.id for b in ruleset.leaderboards if b.aggregate}
        self.private: set[str] = set()
        self.roles: dict[str, str] = {}
        for key, public, role in people:
            if not public:
                self.private.add(key)
            if role:
                self.roles[key] = role

    @classmethod
    def from_database(cls, ruleset: Ruleset) -> "Visibility":
        rows = Person.objects.filter(Q(public=False) | Q(active=False) | ~Q(role="")).values_list("key", "public", "active", "role")
        return cls(ruleset, ((key, public and active, role) for key, public, active, role in rows.iterator(chunk_size=5000)))

    def hidden_check(self) -> Hidden:
        """`hidden`, or store.nobody_hidden when none of these people is hidden anywhere (most batches):
        the scorer then asks nothing per board member."""
        hides_roles = self.roles and any(self.excluded.values())
        return self.hidden if self.private or hides_roles else nobody_hidden

    def hidden(self, board_id: str, member: str) -> bool:
        if board_id in self.team_boards:
            return False
        return member in self.private or self.roles.get(member) in self.excluded.get(board_id, ())
