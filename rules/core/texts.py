"""Texts of a ruleset in several languages: badge, tier, level, board and season names and badge
descriptions are a string (the ruleset's default language) or a mapping of BCP 47 tags to strings,
`name: {en: Helper, de: Helfer}`. The models keep the default language's text in the field itself,
so every reader that does not ask for a language gets it; `text(spec, field, language)` picks one."""

from __future__ import annotations

import re
from typing import Any, Mapping

DEFAULT_LANGUAGE = "en"
# BCP 47 as authors write it: a language (2-3 letters), then optional script, region and variants.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$")
TRANSLATABLE = {"levels": ("name",), "badges": ("name", "description"), "leaderboards": ("name",),
                "seasons": ("name",)}
TIER_FIELDS = ("name",)


def normal_tag(tag: str) -> str:
    return tag.replace("_", "-").lower()


def candidates(language: str | None) -> list[str]:
    """de-AT-1996 -> [de-at-1996, de-at, de]: the tag, then each shorter prefix."""
    if not language:
        return []
    parts = normal_tag(language).split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def pick(texts: Mapping[str, str], language: str | None, default_language: str) -> str | None:
    """The text for a language, falling back de-AT -> de -> the default language -> any."""
    if not texts:
        return None
    by_tag = {normal_tag(tag): value for tag, value in texts.items()}
    for tag in candidates(language) + candidates(default_language):
        if tag in by_tag:
            return by_tag[tag]
    return next(iter(texts.values()))


def translations(spec: Any, field: str) -> dict[str, str]:
    """The mapping an author wrote for a field ({} when they wrote one string)."""
    return dict((getattr(spec, "__pydantic_private__", None) or {}).get("_texts", {}).get(field, {}))


def text(spec: Any, field: str, language: str | None, default_language: str = DEFAULT_LANGUAGE) -> Any:
    """A field of a badge, tier, level, board or season in a language (the field as written when it
    has one text only); None stays None."""
    written = translations(spec, field)
    if written:
        return pick(written, language, default_language)
    return getattr(spec, field, None)


def every_text(spec: Any, field: str = "name") -> set[str]:
    """The field in every language written: a rule test may name a level or tier in any of them."""
    return {getattr(spec, field)} | set(translations(spec, field).values())
