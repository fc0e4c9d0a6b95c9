"""The ruleset format as a JSON Schema (draft 2020-12), for editors' YAML language servers.

Generated from the pydantic models, so it cannot drift from what validation accepts. It
describes the shape only; cross-references (a badge naming an unknown rule, levels out of
order...) need the full validation (`POST /api/v1/rulesets/validate`).
"""

from __future__ import annotations

from .schema import RulesetDoc

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def ruleset_json_schema() -> dict:
    # by_alias: the YAML key is `from`, not the Python name `from_`.
    schema = RulesetDoc.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": DRAFT,
        **schema,
        "title": "Plaudit ruleset",
        "description": (
            "One YAML document that configures Plaudit's scoring: levels, rules, streaks, boosts, badges, "
            "leaderboards and notifications. Reference: docs/rules.md."
        ),
    }
