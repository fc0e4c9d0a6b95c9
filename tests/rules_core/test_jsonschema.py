"""The JSON Schema of the ruleset format, as editors' YAML language servers would use it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from textwrap import dedent

import jsonschema
import pytest

from rules.core.jsonschema import ruleset_json_schema
from rules.core.loading import parse_yaml, plain

EXAMPLE = Path(__file__).resolve().parents[2] / "rules" / "examples" / "social-learning.yaml"


def as_json(yaml_text: str):
    """What a YAML language server validates: the document as JSON, dates and times as ISO strings."""
    data = plain(parse_yaml(yaml_text))
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, date) else str(v)))


def problems(instance) -> list[str]:
    validator = jsonschema.Draft202012Validator(ruleset_json_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_the_schema_is_a_valid_draft_2020_12_schema_with_a_title_and_no_made_up_id():
    # when
    schema = ruleset_json_schema()
    # then
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Plaudit ruleset" and "docs/rules.md" in schema["description"]
    assert "$id" not in schema
    assert json.loads(json.dumps(schema)) == schema


def test_the_example_ruleset_is_valid_against_the_schema():
    # when / then
    assert problems(as_json(EXAMPLE.read_text())) == []


def test_unknown_keys_are_rejected_at_every_level():
    # given
    top = as_json("ruleset: t\nscoring: fast\n")
    nested = as_json(dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {typ: post}
            award: {to: actor, points: 1}
    """))
    # when / then
    assert any(p.startswith(": Additional properties are not allowed ('scoring'") for p in problems(top))
    assert any(p.startswith("rules/0/when: Additional properties are not allowed ('typ'") for p in problems(nested))


@pytest.mark.parametrize("text", [
    "ruleset: t\nrules: [{id: post, when: {type: post}, award: {to: actor, points: 1}}]\n",
    "ruleset: t\nrules: [{id: post, when: {type: [post, comment]}, award: [{to: actor, points: 1}]}]\n",
    "ruleset: t\nleaderboards: [{id: b, rules: post}]\n",
    "ruleset: t\nboosts: [{id: b, when: {between: {from: 2026-12-01, until: '2026-12-08T09:00:00+01:00'}}, factor: 2}]\n",
    "ruleset: t\nstreaks: [{id: s, per: week, bonus: [{length: 2, points: 5}]}]\n"
    "badges: [{id: b, name: B, criteria: {streak: s}, tiers: [{name: Bronze, count: 2}]}]\n",
    "ruleset: t\nrules: [{id: react, award: {to: actor, points: 1}, once_per: target}]\n",
])
def test_what_authors_may_write_is_accepted(text):
    # when / then: one value or a list, `from` (not the Python name `from_`), streaks, once_per
    assert problems(as_json(text)) == []


@pytest.mark.parametrize(("text", "where"), [
    ("ruleset: Not An Id\n", "ruleset"),
    ("ruleset: t\nrules: [{id: post, award: {to: boss, points: 1}}]\n", "rules/0/award"),
    ("ruleset: t\nrules: [{id: post, award: {to: actor, points: 1.5}}]\n", "rules/0/award"),
    ("ruleset: t\nrules: [{id: post, award: {to: actor, points: 1}, once_per: post}]\n", "rules/0/once_per"),
    ("ruleset: t\nstreaks: [{id: s, per: month}]\n", "streaks/0/per"),
    ("ruleset: t\nrules: [{id: post, award: {to: actor, points: 1}, limit: {max: 0, per: day}}]\n", "rules/0/limit"),
])
def test_wrong_values_are_rejected(text, where):
    # when
    found = problems(as_json(text))
    # then
    assert found
    assert all(p.startswith(f"{where}: ") or p.startswith(f"{where}/") for p in found), found


def test_fields_that_matter_carry_descriptions():
    # given
    defs = ruleset_json_schema()["$defs"]
    # when / then
    assert "once per target" in defs["Rule"]["properties"]["once_per"]["description"]
    assert "ISO weeks" in defs["Streak"]["properties"]["per"]["description"]
    assert "CEL" in defs["Condition"]["properties"]["expr"]["description"]
    assert set(defs["Between"]["properties"]) == {"from", "until"}
