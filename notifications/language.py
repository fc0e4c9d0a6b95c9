"""The language of channel messages: the ruleset's `language:` when it sets one Plaudit speaks, else
the server's default language (PLAUDIT_LANGUAGE). A channel is read by many people, so no one
person's locale picks it; the badge and level names in its data are the ruleset's default language."""

from __future__ import annotations

from base.languages import default_language, supported_language


def channel_language(ruleset=None) -> str:
    if ruleset is None:
        from rulesets.active import active_ruleset

        ruleset, _ = active_ruleset()
    doc = getattr(ruleset, "doc", None)
    if doc is not None and "language" in doc.model_fields_set:
        return supported_language(doc.language) or default_language()
    return default_language()
