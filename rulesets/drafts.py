"""Workbench drafts: the ruleset text an admin is editing and has not activated, one per admin,
kept on the server so it survives leaving the page, another device, a crash of the browser."""

from __future__ import annotations

from .models import RulesetDraft

MAX_DRAFT_CHARS = 256 * 1024  # as the workbench form and PUT /ruleset bound the text


def draft_of(user) -> RulesetDraft | None:
    if user is None or not user.is_authenticated:
        return None
    return RulesetDraft.objects.filter(user=user).first()


def do_save_draft(user, text: str) -> RulesetDraft:
    """Keep `text` as this admin's draft (replacing the one before)."""
    draft, _ = RulesetDraft.objects.update_or_create(user=user, defaults={"text": text[:MAX_DRAFT_CHARS]})
    return draft


def do_discard_draft(user) -> bool:
    """Drop the admin's draft (after activating it, or when they go back to the active text)."""
    return RulesetDraft.objects.filter(user=user).delete()[0] > 0
