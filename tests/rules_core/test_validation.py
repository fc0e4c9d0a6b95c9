"""Ruleset validation: every problem reported as `file:line:column: path: message`."""

from __future__ import annotations

from datetime import date
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.core import FactsCache, RulesetError, evaluate, load_ruleset
from rules.core.checks import check_document
from rules.core.loading import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, Issue, in_order

from .helpers import make_event


def errors_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text, "rules.yaml")
    return str(caught.value).splitlines()


def test_unknown_key_is_reported_at_its_line_and_column():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            when:
              typ: post
            award: {to: actor, points: 1}
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:5:7: rules[0].when.typ: unknown key")


def test_unknown_top_level_key_is_reported():
    # given
    text = dedent("""\
        ruleset: t
        timezone: UTC
        scoring: fast
    """)
    # when / then
    assert errors_of(text)[0].startswith("rules.yaml:3:1: scoring: unknown key")


@pytest.mark.parametrize(
    ("text", "prefix", "message"),
    [
        (
            """\
            ruleset: t
            rules:
              - id: post
                award: {to: actor, points: ten}
            """,
            "rules.yaml:4:", "rules[0].award[0].points: Input should be a valid integer",
        ),
        (
            """\
            ruleset: t
            rules:
              - id: post
                award:
                  to: actor
                  points: ten
            """,
            "rules.yaml:6:7: ", "rules[0].award[0].points: Input should be a valid integer",
        ),
        (
            """\
            ruleset: t
            rules:
              - id: post
                award:
                  - {to: actor, points: 1}
                  - to: boss
                    points: 1
            """,
            "rules.yaml:6:9: ", "rules[0].award[1].to: must be 'actor', 'target_author' or 'mentioned'",
        ),
        (
            """\
            ruleset: t
            rules:
              - id: post
                award: {to: actor, points: 1}
                limit: {max: 5, per: fortnight}
            """,
            "rules.yaml:5:", "rules[0].limit.per: must be 'day', 'week', 'month' or 'ever'",
        ),
        (
            """\
            ruleset: t
            rules:
              - id: post
                when:
                  not_self: true
                  text_min_length: long
                award: {to: actor, points: 1}
            """,
            "rules.yaml:6:7: ", "rules[0].when.text_min_length: Input should be a valid integer",
        ),
    ],
    ids=["flow-award", "block-award", "second-award", "limit-per", "text-min-length"],
)
def test_wrong_type_is_reported_at_the_offending_line(text, prefix, message):
    # when
    errors = errors_of(dedent(text))
    # then
    assert len(errors) == 1
    assert errors[0].startswith(prefix)
    assert errors[0].endswith(message)


def test_missing_required_key_is_reported():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:3:5: rules[0].award: this key is required"]


def test_duplicate_yaml_key_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
            award: {to: actor, points: 2}
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:5:5: ")
    assert 'duplicate key "award"' in errors[0]


def test_duplicate_rule_id_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
          - id: post
            award: {to: actor, points: 2}
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:5:5: rules[1].id: the id 'post' is already used by rules[0]"]


def test_badge_naming_an_unknown_rule_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
        badges:
          - id: chatty
            name: Chatty
            criteria: {rule: comment, count: 3}
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:8:16: badges[0].criteria.rule: no rule has the id 'comment'"]


def test_leaderboard_rules_naming_an_unknown_rule_are_refused():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1}
        leaderboards:
          - id: learning
            rules: [post, comment]
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:7:19: leaderboards[0].rules[1]: no rule has the id 'comment'"]


def test_levels_out_of_order_and_first_level_not_zero_are_both_reported():
    # given
    text = dedent("""\
        ruleset: t
        levels:
          - {name: Newcomer, min_points: 10}
          - {name: Contributor, min_points: 100}
          - {name: Expert, min_points: 50}
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == [
        "rules.yaml:3:22: levels[0].min_points: the first level starts at min_points: 0",
        "rules.yaml:5:20: levels[2].min_points: levels go in ascending order of min_points",
    ]


def test_equal_level_minimums_are_out_of_order():
    # given
    text = dedent("""\
        ruleset: t
        levels:
          - {name: Newcomer, min_points: 0}
          - {name: Contributor, min_points: 0}
    """)
    # when / then
    assert errors_of(text) == [
        "rules.yaml:4:25: levels[1].min_points: levels go in ascending order of min_points"]


def test_bad_timezone_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        timezone: Mars/Olympus
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:2:1: timezone: unknown timezone 'Mars/Olympus'")


@pytest.mark.parametrize("bad_id", ["Post", "post_1", "-post", "a" * 65, "'post 1'"])
def test_bad_id_pattern_is_refused(bad_id):
    # given
    text = dedent(f"""\
        ruleset: t
        rules:
          - id: ok
            award: {{to: actor, points: 1}}
          - id: {bad_id}
            award: {{to: actor, points: 1}}
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:5:5: rules[1].id: ids are lower-case letters, digits and dashes")


def test_good_id_pattern_is_accepted():
    # given
    text = dedent(f"""\
        ruleset: social-learning-2026
        rules:
          - id: {"a" * 64}
            award: {{to: actor, points: 1}}
          - id: 9-lives
            award: {{to: actor, points: 1}}
    """)
    # when
    ruleset = load_ruleset(text)
    # then
    assert [rule.id for rule in ruleset.rules] == ["a" * 64, "9-lives"]


def test_cel_syntax_error_is_refused_at_the_expression():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: high-score
            when:
              type: course_completed
              expr: 'event.attributes.score >='
            award: {to: actor, points: 1}
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:6:7: rules[0].when.expr: CEL: ")


def test_cel_expression_using_another_variable_than_event_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        boosts:
          - id: vip
            when: {expr: 'user.vip == true'}
            factor: 2
    """)
    # when
    errors = errors_of(text)
    # then
    assert errors == ["rules.yaml:4:12: boosts[0].when.expr: CEL: expressions can only use `event`, not user"]


def test_python_tag_is_refused_and_never_constructed(tmp_path):
    # given
    marker = tmp_path / "pwned"
    text = dedent(f"""\
        ruleset: t
        rules:
          - id: post
            description: !!python/object/apply:os.system ["touch {marker}"]
            award: {{to: actor, points: 1}}
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:4:18: the tag ")
    assert "python/object" in errors[0] and "not allowed" in errors[0]
    assert not marker.exists()


def test_custom_tag_is_refused():
    # given
    text = dedent("""\
        ruleset: t
        description: !include other.yaml
    """)
    # when / then
    assert errors_of(text) == ["rules.yaml:2:14: the tag '!include' is not allowed in a ruleset"]


def _aliased_ruleset(aliases: int) -> str:
    return dedent("""\
        ruleset: t
        rules:
          - id: &r post
            award: {to: actor, points: 1}
        leaderboards:
          - id: posts
            rules: [%s]
    """) % ", ".join(["*r"] * aliases)


def test_up_to_100_aliases_are_allowed():
    # when
    ruleset = load_ruleset(_aliased_ruleset(MAX_ALIASES))
    # then
    assert MAX_ALIASES == 100
    assert ruleset.leaderboard("posts").rules == ["post"] * 100


def test_more_than_100_aliases_are_refused():
    # when
    errors = errors_of(_aliased_ruleset(101))
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:7:")
    assert errors[0].endswith("more than 100 aliases; write the values out")


def test_billion_laughs_is_refused():
    # given
    lines = ["ruleset: t", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    # when
    errors = errors_of("\n".join(lines) + "\n")
    # then
    assert "more than 100 aliases" in errors[0]


def _padded_ruleset(size: int) -> str:
    head = dedent("""\
        ruleset: t
        description: "
    """).rstrip("\n")
    tail = '"\n'
    return head + "x" * (size - len(head) - len(tail)) + tail


def test_a_document_of_256_kb_loads():
    # given
    text = _padded_ruleset(256 * 1024)
    assert len(text.encode("utf-8")) == MAX_BYTES == 256 * 1024
    # when
    ruleset = load_ruleset(text)
    # then
    assert ruleset.name == "t"


def test_a_document_over_256_kb_is_refused():
    # given
    text = _padded_ruleset(256 * 1024 + 1)
    # when / then
    assert errors_of(text) == ["rules.yaml: the ruleset is larger than 256 KB"]


def test_the_size_limit_counts_bytes_not_characters():
    # given: under 256 K characters, over 256 KB in UTF-8
    text = "ruleset: t\ndescription: \"" + "é" * (MAX_BYTES // 2) + "\"\n"
    assert len(text) < MAX_BYTES
    # when / then
    assert errors_of(text) == ["rules.yaml: the ruleset is larger than 256 KB"]


def _nested(depth: int) -> str:
    # the top-level mapping is one level; the rest are nested lists
    lists = depth - 1
    return "ruleset: t\ndescription: " + "[" * lists + "]" * lists + "\n"


def test_nesting_deeper_than_32_is_refused():
    # when
    errors = errors_of(_nested(MAX_DEPTH + 1))
    # then
    assert MAX_DEPTH == 32
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:2:")
    assert errors[0].endswith("nested deeper than 32 levels")


def test_nesting_of_32_gets_past_the_parser():
    # when: the depth is allowed; the value is then refused by the schema, not the parser
    errors = errors_of(_nested(MAX_DEPTH))
    # then
    assert errors and not any("nested deeper" in e for e in errors)
    assert errors[0].startswith("rules.yaml:2:1: description: ")


def test_yaml_syntax_error_is_reported_with_its_position():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            award: {to: actor, points: 1
    """)
    # when
    errors = errors_of(text)
    # then
    assert len(errors) == 1
    assert "YAML syntax" in errors[0]
    assert errors[0].startswith("rules.yaml:5:")


def test_a_document_that_is_not_a_mapping_is_refused():
    # when / then
    assert errors_of("- ruleset: t\n") == ["rules.yaml:1:1: a ruleset is a mapping that starts with `ruleset: <id>`"]


def test_several_problems_are_all_reported_in_line_order():
    # given
    text = dedent("""\
        ruleset: t
        timezone: Nowhere/City
        rules:
          - id: post
            award: {to: actor, points: 1}
          - id: post
            award: {to: actor, points: 1}
        badges:
          - id: b
            name: B
            criteria: {rule: missing}
    """)
    # when
    errors = errors_of(text)
    # then
    assert [e.split(": ")[0] for e in errors] == ["rules.yaml:2:1", "rules.yaml:6:5", "rules.yaml:11:16"]


CONTRACT_EXAMPLE = dedent("""\
    ruleset: social-learning
    timezone: Europe/Berlin          # days, ISO weeks (Monday) and months are counted here; default UTC

    levels:                          # ascending; the first has min_points 0
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 100}

    rules:
      - id: original-post            # unique, [a-z0-9-]+
        when:                        # every condition given must hold
          type: post                 # a type or a list of types
        award: {to: actor, points: 10}
        limit: {max: 5, per: day}    # per recipient; per: day | week | month | ever
      - id: liked
        when: {type: reaction, not_self: true}
        award: {to: target_author, points: 1}
      - id: certification-shoutout
        when: {type: shoutout, hashtags_any: [certification, certified]}
        award:                       # one award or a list
          - {to: mentioned, points: 25}
          - {to: actor, points: 2}
      # not in the contract's example, which names a `comment` rule without defining it
      - id: comment
        when: {type: comment}
        award: {to: actor, points: 3}

    boosts:
      - id: learning-week
        when: {hashtags_any: [SocialLearning], between: {from: 2026-12-01, until: 2026-12-08}}
        factor: 2

    badges:
      - id: first-post
        name: First Post
        criteria: {rule: original-post, count: 1}
      - id: conversation-starter
        name: Conversation Starter
        criteria: {rule: comment}
        tiers: [{name: Bronze, count: 10}, {name: Silver, count: 50}, {name: Gold, count: 200}]
      - id: centurion
        name: Centurion
        criteria: {points: 100}
      - id: certified
        name: Certified
        criteria: {event: {type: certification_earned}, count: 1}

    leaderboards:
      - id: all-time                 # period: all is the default
      - {id: weekly, period: week}   # day | week | month | all
      - {id: channels, period: month, scope: channel}   # one board per value; channel | team | program
      - {id: learning, rules: [original-post, comment]} # counts only these rules' points

    notifications:
      - {on: badge_awarded, to: origin, template: badge_awarded}
      - {on: level_up, to: origin, template: level_up}
      - {on: digest, schedule: "0 9 * * MON", to: learning-general, template: weekly_digest}
""")


def test_the_contract_example_loads_and_scores():
    # when
    ruleset = load_ruleset(CONTRACT_EXAMPLE)
    facts = FactsCache()
    post = evaluate(ruleset, make_event("post", "ana", occurred_at="2026-12-02T10:00:00+01:00",
                                        hashtags={"sociallearning"}), facts)
    # then
    assert ruleset.name == "social-learning"
    assert str(ruleset.tz) == "Europe/Berlin"
    assert [r.id for r in ruleset.rules] == ["original-post", "liked", "certification-shoutout", "comment"]
    assert [b.id for b in ruleset.badges] == ["first-post", "conversation-starter", "centurion", "certified"]
    assert [b.id for b in ruleset.leaderboards] == ["all-time", "weekly", "channels", "learning"]
    assert ruleset.leaderboard("all-time").period == "all"
    assert [(a.rule_id, a.points) for a in post.awards] == [("original-post", 20)]
    assert [(b.badge_id, b.person) for b in post.badges] == [("first-post", "ana")]


# -- every problem at once ------------------------------------------------------------


def test_shape_and_cross_reference_problems_are_reported_together_in_position_order():
    # given: misspelt keys and wrong types (the shape) next to an unknown zone, levels out of order,
    # a duplicate id, impossible limits, a broken expression and unknown rules (the meaning)
    text = dedent("""\
        ruleset: t
        timezone: Mars/Olympus
        levels:
          - {name: Newcomer, min_points: 10}
        rules:
          - id: post
            when: {typ: post}
            award: {to: actor, points: 10}
            limit: {max: 0, per: day}
          - id: post
            award: {to: actor, points: ten}
        boosts:
          - id: week
            when: {between: {from: 2026-12-08, until: 2026-12-01}, expr: 'event.type =='}
            factor: 2
        badges:
          - id: chatty
            name: Chatty
            criteria: {rule: comment}
        leaderboards:
          - {id: learning, rules: [post, missing]}
    """)
    # when
    errors = errors_of(text)
    # then
    assert [e.split(": ")[:2] for e in errors] == [
        ["rules.yaml:2:1", "timezone"],
        ["rules.yaml:4:22", "levels[0].min_points"],
        ["rules.yaml:7:12", "rules[0].when.typ"],
        ["rules.yaml:9:13", "rules[0].limit.max"],
        ["rules.yaml:10:5", "rules[1].id"],
        ["rules.yaml:11:24", "rules[1].award[0].points"],
        ["rules.yaml:14:40", "boosts[0].when.between.until"],
        ["rules.yaml:14:60", "boosts[0].when.expr"],
        ["rules.yaml:19:16", "badges[0].criteria.rule"],
        ["rules.yaml:21:34", "leaderboards[0].rules[1]"],
    ]
    assert "unknown key" in errors[2] and "valid integer" in errors[5]
    assert errors[4].endswith("the id 'post' is already used by rules[0]")
    assert errors[8].endswith("no rule has the id 'comment'")
    assert len(errors) == len(set(errors))


def test_cross_references_are_checked_where_the_shape_around_them_is_broken():
    # given: rules that are not mappings, a badge with a wrongly typed name, boards with odd values
    text = dedent("""\
        ruleset: t
        rules:
          - just a string
          - id: post
            award: {to: actor, points: 1}
          - id: 7
            award: {to: actor, points: 1}
        badges:
          - id: b
            name: [not, a, name]
            criteria: {rule: comment}
            tiers: [{name: Bronze, count: 3}, oops, {name: Silver, count: 2}]
        leaderboards:
          - {id: one, rules: missing}
          - {id: two, rules: {a: b}}
    """)
    # when
    errors = errors_of(text)
    # then
    assert "rules.yaml:11:16: badges[0].criteria.rule: no rule has the id 'comment'" in errors
    assert "rules.yaml:12:5: badges[0].tiers: tiers must ask for strictly more at each step" in errors
    assert "rules.yaml:14:15: leaderboards[0].rules[0]: no rule has the id 'missing'" in errors
    assert "rules.yaml:3:5: rules[0]: must be a mapping (`key: value` lines or `{key: value}`)" in errors
    assert "rules.yaml:10:5: badges[0].name: write a text, or one per language: `{en: Helper, de: Helfer}`" in errors
    positions = [tuple(map(int, e.split(": ")[0].split(":")[1:])) for e in errors]
    assert positions == sorted(positions)


def test_a_problem_found_twice_is_listed_once():
    # given: the same problem from two sources
    issue = Issue(3, 5, "rules[0].id", "the id 'post' is already used by rules[0]")
    # when
    listed = in_order([Issue(9, 1, "x", "later"), issue, issue])
    # then
    assert listed == [issue, Issue(9, 1, "x", "later")]


def test_limit_max_zero_is_refused_because_the_rule_could_never_give_points():
    # given
    text = dedent("""\
        ruleset: t
        rules:
          - id: paused
            when: {type: post}
            award: {to: actor, points: 10}
            limit: {max: 0, per: ever}
    """)
    # when / then
    assert errors_of(text) == [
        "rules.yaml:6:13: rules[0].limit.max: max: 0 caps every award, so this rule can never give points; "
        "use max: 1 or more, or remove the rule"]


@pytest.mark.parametrize(
    ("between", "refused"),
    [
        ("{from: 2026-12-08, until: 2026-12-01}", True),
        ("{from: 2026-12-01, until: 2026-12-01}", True),
        # midnight in Berlin is 23:00 UTC the day before: the window is empty
        ("{from: 2026-12-01, until: '2026-11-30T23:00:00+00:00'}", True),
        ("{from: 2026-12-01, until: '2026-11-30T23:00:01+00:00'}", False),
        ("{from: 2026-12-01, until: 2026-12-01T00:00:01}", False),
        ("{from: 2026-12-01}", False),
    ],
)
def test_between_whose_until_is_not_after_from_is_refused(between, refused):
    # given: boosts, rules and badge events all use conditions
    text = dedent(f"""\
        ruleset: t
        timezone: Europe/Berlin
        rules:
          - id: post
            when: {{between: {between}}}
            award: {{to: actor, points: 1}}
        badges:
          - id: b
            name: B
            criteria: {{event: {{between: {between}}}}}
    """)
    # when
    if not refused:
        load_ruleset(text)
        return
    errors = errors_of(text)
    # then
    assert [e.split(": ")[1] for e in errors] == ["rules[0].when.between.until", "badges[0].criteria.event.between.until"]
    assert all(e.endswith("`until` must be after `from`; this window is empty, so the condition never holds") for e in errors)


@pytest.mark.parametrize("zone", ["Europe", "Europe/", "x" * 300, "../../etc/passwd"])
def test_timezones_that_are_paths_rather_than_zones_are_refused_not_crashed_on(zone):
    # when
    errors = errors_of(f"ruleset: t\ntimezone: '{zone}'\n")
    # then
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml:2:1: timezone: unknown timezone")


def test_the_cross_reference_checks_survive_any_shape():
    # given: documents of every shape, built from the format's own keys so the checks reach deep
    keys = st.sampled_from(["ruleset", "timezone", "levels", "rules", "streaks", "boosts", "badges", "leaderboards",
                            "notifications", "id", "name", "min_points", "when", "award", "limit", "max", "per",
                            "bonus", "length", "criteria", "rule", "streak", "points", "count", "tiers", "between",
                            "from", "until", "expr", "on", "schedule", "board", "type"])
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["post", "x", "", "UTC", "Europe"]),
                        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 3)))
    documents = st.dictionaries(keys, st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                                                   | st.dictionaries(keys, inner, max_size=4), max_leaves=20))

    @settings(max_examples=300, deadline=None, database=None)
    @given(documents)
    def check(document):
        # when / then: problems may be found, nothing is raised
        check_document(document, lambda loc, message: None)

    check()


def test_an_alias_bomb_under_the_alias_limit_is_refused_before_it_expands():
    # given nine levels of ten aliases each: 90 aliases, a billion values once expanded
    lines = ["ruleset: t", 'a0: &a0 ["lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    # when
    errors = errors_of("\n".join(lines) + "\n")
    # then
    assert errors == ["rules.yaml:1:1: the aliases expand to more than 200,000 values; write less"]


def test_a_flow_mapping_with_an_unquoted_time_loads_although_libyaml_refuses_it():
    # given a test event written the way admins write them (libyaml rejects the ':' inside the flow)
    text = (
        "ruleset: t\n"
        "rules:\n"
        "  - {id: p, when: {type: post, between: {from: 2026-11-01T00:00:00+01:00}}, award: {to: actor, points: 1}}\n"
    )
    # when
    ruleset = load_ruleset(text, "rules.yaml")
    # then
    assert ruleset.rules[0].spec.when.between.from_.isoformat() == "2026-11-01T00:00:00+01:00"


def test_an_integer_too_long_to_read_is_refused_at_its_line():
    # given: a number Python would refuse to convert (over 4,300 digits)
    text = dedent("""\
        ruleset: t
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: %s}
        """) % ("9" * 5000)
    # when
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text)
    # then: a validation error at the number, not a crash
    issue = caught.value.issues[0]
    assert (issue.line, issue.column) == (5, 32)
    assert "5,000 characters" in issue.message and "at most 30" in issue.message
