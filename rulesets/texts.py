"""Badge, tier, level, board and season texts of the active ruleset in a reader's language.

The pages pass nothing: the language active for the request (the person's locale, else
Accept-Language, engine/locale.py). The API passes `api_language(request)`: the language an
Accept-Language header asks for, else None, which answers the ruleset's default language.
Stored names (a grant's badge and tier, a person's level) are the default language's text; these
helpers find the spec they name and answer its text in the language asked."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from rules.core.texts import text


def _language(language: str | None, asked: bool) -> str | None:
    return language if not asked else (language or translation.get_language())


def api_language(request) -> str | None:
    """The language an API caller asked for with Accept-Language (one we speak), else None."""
    if not request.headers.get("Accept-Language"):
        return None
    return translation.get_language_from_request(request)


def localized(ruleset, spec: Any, field: str = "name", language: str | None = None, *, asked: bool = True) -> Any:
    """A spec's field in `language` (the active one when None and `asked`); the default language's
    text when the ruleset has none in it. asked=False with language None: the default language."""
    if spec is None:
        return None
    default = ruleset.doc.language if ruleset is not None else "en"
    return text(spec, field, _language(language, asked), default)


def badge_text(ruleset, badge_id: str, field: str = "name", fallback: str | None = None,
               language: str | None = None, *, asked: bool = True) -> str | None:
    badge = ruleset.badge(badge_id) if ruleset is not None else None
    if badge is None:
        return fallback
    return localized(ruleset, badge.spec, field, language, asked=asked)


def tier_name(ruleset, badge_id: str, tier: str | None, language: str | None = None, *, asked: bool = True) -> str | None:
    """A stored tier name (the default language's) in the language asked."""
    badge = ruleset.badge(badge_id) if ruleset is not None and tier else None
    for spec in (badge.spec.tiers or ()) if badge is not None else ():
        if spec.name == tier:
            return localized(ruleset, spec, "name", language, asked=asked)
    return tier


def level_name(ruleset, name: str | None, language: str | None = None, *, asked: bool = True) -> str | None:
    """A stored level name (the default language's) in the language asked."""
    for spec in ruleset.doc.levels if ruleset is not None and name else ():
        if spec.name == name:
            return localized(ruleset, spec, "name", language, asked=asked)
    return name


def board_name(ruleset, board, language: str | None = None, *, asked: bool = True) -> str:
    return localized(ruleset, board, "name", language, asked=asked) or board.id
