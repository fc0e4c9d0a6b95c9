"""A CEL expression has a cost bound: refused at validation where it is written, and checked again
on each event so that one event can neither stall the scorer nor break it."""

from __future__ import annotations

import time
from textwrap import dedent

import pytest

from rules.core import FactsCache, RulesetError, evaluate, load_ruleset
from rules.core.conditions import COST_BUDGET, Cost

from .rules_core.helpers import make_event

# Thirty items, nested: the shape from the issue that took 43.6 s on one event.
THIRTY = "[" + ",".join(str(i) for i in range(30)) + "]"


def nested_all(depth: int) -> str:
    expr = 'event.type == "post"'
    for _ in range(depth):
        expr = f"{THIRTY}.all(event, {expr})"
    return expr


def ruleset_with(expr: str, style: str = "quoted") -> str:
    written = f"'{expr}'" if style == "quoted" else "|\n        " + expr.replace("\n", "\n        ")
    return dedent("""\
        ruleset: t
        rules:
          - id: plain
            when: {type: post}
            award: {to: actor, points: 1}
          - id: costly
            when:
              type: post
              expr: EXPR
            award: {to: actor, points: 5}
    """).replace("EXPR", written)


def errors_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text, "rules.yaml")
    return [issue.format("rules.yaml") for issue in caught.value.issues]


def test_nested_comprehensions_are_refused_at_validation_at_the_third_one():
    # given: the issue's shape, 1.5 KB of comprehensions nested sixteen deep
    expr = nested_all(16)
    assert len(expr) > 1500
    # when
    started = time.perf_counter()
    errors = errors_of(ruleset_with(expr))
    # then: refused promptly, at the line and column of the third `.all`
    assert time.perf_counter() - started < 1
    column = 13 + 1 + expr.index("all(", expr.index("all(", expr.index("all(") + 1) + 1)
    assert errors == [f"rules.yaml:9:{column}: rules[1].when.expr: CEL: `.all(` is a comprehension inside 2 others; "
                      "they nest at most 2 deep"]


def test_a_refused_expression_in_a_block_is_placed_on_its_own_line():
    # given: the expression written over lines with `|`
    expr = f'event.type == "post" &&'  f"\n  {THIRTY}.all(event,\n    {THIRTY}.all(event, {THIRTY}.all(event, true)))"
    # when
    errors = errors_of(ruleset_with(expr, style="block"))
    # then: line 12 is the expression's third line; the third `.all` follows the two lists there
    column = 8 + len(f"    {THIRTY}.all(event, {THIRTY}.") + 1
    assert errors == [f"rules.yaml:12:{column}: rules[1].when.expr: CEL: `.all(` is a comprehension inside 2 others; "
                      "they nest at most 2 deep"]


def test_too_many_steps_are_refused_even_when_shallow(admin):
    # given: two comprehensions of 100 items each, nested, that build a list of lists per item
    expr = "size(event.hashtags.map(event, " + THIRTY + ".map(event, " + " + ".join(["[event]"] * 12) + "))) > 0"
    # when: validated through the API
    response = admin.post("/rulesets/validate", ruleset_with(expr), content_type="application/yaml")
    # then: a 422 naming the place and what to change
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid_ruleset"
    [detail] = body["details"]
    assert (detail["line"], detail["path"]) == (9, "rules[1].when.expr")
    assert "too costly" in detail["message"] and "fewer or shallower comprehensions" in detail["message"]


def test_activation_refuses_the_issues_expression_and_keeps_the_active_ruleset(admin):
    # given
    first = admin.put_yaml("/ruleset", ruleset_with('event.type == "post"'))
    assert first.status_code == 200
    # when
    response = admin.put_yaml("/ruleset", ruleset_with(nested_all(16)))
    # then
    assert response.status_code == 422
    assert "nest at most 2 deep" in response.json()["details"][0]["message"]
    active = admin.get("/ruleset").json()
    assert (active["version"], "all(" in active["text"]) == (first.json()["version"], False)


# The most an event may carry: 100 hashtags and mentions, 10,000 characters of text, 4 KB of
# attributes (a list of 2,000 numbers, or a string of 4,000 characters).
BIGGEST = dict(hashtags=[f"tag{i}" for i in range(100)], mentions=[f"p{i}" for i in range(100)], text="ab" * 5000)
WORST_ALLOWED = [
    # deep and wide over the event's lists
    "event.hashtags.exists(event, " + THIRTY + ".exists(event, event == 99 || event == 98 || event == 97))",
    # lists built item by item (the library copies them for each item)
    "size(event.hashtags.map(event, " + THIRTY + ".filter(event, event > 0))) > 1",
    # regexes compiled on every call, over every hashtag
    'event.hashtags.exists(event, event.matches("^(a|b|c|d)+x{1,20}[a-z]*q$"))',
    # a long text scanned again and again
    " || ".join(['event.text.matches("^(a|b)*c$")'] * 12),
    " || ".join(['event.text.contains("zz")'] * 40),
]


@pytest.mark.parametrize("expr", WORST_ALLOWED)
@pytest.mark.parametrize("attributes", [{"a": [0] * 2000}, {"s": "x" * 4000}])
def test_the_worst_allowed_expressions_score_the_biggest_event_well_under_a_second(expr, attributes):
    # given: an expression validation accepts
    ruleset = load_ruleset(ruleset_with(expr))
    event = make_event("post", attributes=attributes, **BIGGEST)
    # when
    started = time.perf_counter()
    outcome = evaluate(ruleset, event, FactsCache())
    elapsed = time.perf_counter() - started
    # then: it ran (or was refused for this event) quickly, and the plain rule still fired
    assert elapsed < 0.5, f"{elapsed:.3f}s for {expr}"
    assert "plain" in [award.rule_id for award in outcome.awards]


def test_an_expression_over_budget_on_one_event_does_not_hold_and_is_counted():
    # given: nested comprehensions that are cheap over hashtags, but not over a list of 2,000
    expr = "event.attributes.items.exists(event, " + THIRTY + ".exists(event, event == -1))"
    ruleset = load_ruleset(ruleset_with(expr))
    small = make_event("post", attributes={"items": [1, 2, 3]})
    big = make_event("post", attributes={"items": list(range(1000))})
    # when
    evaluate(ruleset, small, FactsCache())
    started = time.perf_counter()
    outcome = evaluate(ruleset, big, FactsCache())
    # then: the big event is scored at once, by the other rules; the expression is counted as failed
    assert time.perf_counter() - started < 0.5
    assert [award.rule_id for award in outcome.awards] == ["plain"]
    assert ruleset.failures.counts["costly"] == 1
    assert ruleset.failures.last_error["costly"].startswith("ExpressionTooCostly: not run: about ")
    assert f"more than {COST_BUDGET:,}" in ruleset.failures.last_error["costly"]


def test_ordinary_expressions_cost_nothing_to_check():
    # given / when / then: no comprehension and no string scanned: the event's sizes do not matter
    assert Cost.of("event.attributes.score >= 80 && has(event.attributes.level)").fixed
    assert not Cost.of('"kubernetes" in event.hashtags && event.text.contains("https://")').fixed
