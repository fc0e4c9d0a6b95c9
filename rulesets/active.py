"""The active ruleset: activation, and a per-process cache so every worker follows it without a restart."""

from __future__ import annotations

import difflib
import hashlib

from django.db import connection, transaction

from base.scoring_queue import enqueue_scoring
from rules.core import Ruleset, load_ruleset

from .models import RulesetVersion

# Keyed by id and text hash: an id can come back after a rolled-back activation (SQLite reuses it).
_compiled: dict[tuple[int, str], Ruleset] = {}


def active_version() -> RulesetVersion | None:
    return RulesetVersion.objects.filter(active=True).only("id", "sha256", "text", "activated_by").first()


def active_ruleset() -> tuple[Ruleset, int] | tuple[None, None]:
    """The compiled active ruleset and its version id; compiled once per process and version."""
    # Plain SQL: the scorer asks once per batch, and the ORM's query cost more than the database's answer.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, sha256 FROM {RulesetVersion._meta.db_table} WHERE active = %s ORDER BY id LIMIT 1",
                       [True])
        key = cursor.fetchone()
    if key is None:
        return None, None
    key = tuple(key)
    if key not in _compiled:
        text = RulesetVersion.objects.values_list("text", flat=True).get(pk=key[0])
        _compiled.clear()
        _compiled[key] = load_ruleset(text, source=f"ruleset v{key[0]}")
    return _compiled[key], key[0]


def do_activate_ruleset(text: str, *, activated_by: str = "", note: str = "", source: str = "ruleset.yaml") -> RulesetVersion:
    """Validate (raises RulesetError) and make this text the active ruleset for events scored from now on.

    Once committed it queues scoring: events that waited for a ruleset can be scored now."""
    ruleset = load_ruleset(text, source=source)
    with transaction.atomic():
        RulesetVersion.objects.filter(active=True).update(active=False)
        version = RulesetVersion.objects.create(
            name=ruleset.name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), active=True,
            activated_by=activated_by[:100], note=note[:500],
        )
        transaction.on_commit(enqueue_scoring)
    return version


def do_roll_back_ruleset(version_id: int, *, activated_by: str = "", note: str = "") -> RulesetVersion:
    """Activate an earlier version's text again, as a new version, so the history stays a straight line.
    Raises RulesetError for an old text the current validator no longer accepts."""
    earlier = RulesetVersion.objects.get(pk=version_id)
    return do_activate_ruleset(earlier.text, activated_by=activated_by,
                               note=note or f"roll back to version {earlier.id}", source=f"ruleset v{earlier.id}")


def diff_versions(old: RulesetVersion, new: RulesetVersion) -> str:
    return "".join(difflib.unified_diff(
        old.text.splitlines(keepends=True), new.text.splitlines(keepends=True),
        fromfile=f"v{old.id}", tofile=f"v{new.id}",
    ))
