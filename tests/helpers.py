"""Builders for events and rulesets used across the tests."""

from __future__ import annotations

import itertools
import textwrap

_ids = itertools.count(1)


def event(type_: str = "post", actor="ana@example.com", *, at: str = "2026-11-25T10:00:00+00:00", **fields) -> dict:
    body = {"id": fields.pop("id", f"t:{next(_ids)}"), "type": type_, "occurred_at": at, "actor": actor}
    body.update(fields)
    return body


def yaml(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


BASIC_RULESET = yaml("""
    ruleset: basic
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 30}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
        limit: {max: 3, per: day}
      - id: comment
        when: {type: comment, not_self: true}
        award: [{to: actor, points: 2}, {to: target_author, points: 1}]
      - id: liked
        when: {type: reaction, not_self: true}
        award: {to: target_author, points: 1}
      - id: certification-shoutout
        when: {type: shoutout, hashtags_any: [certification, certified]}
        award: [{to: mentioned, points: 25}, {to: actor, points: 2}]
    badges:
      - id: first-post
        name: First Post
        criteria: {rule: original-post}
      - id: commenter
        name: Commenter
        criteria: {rule: comment}
        tiers: [{name: Bronze, count: 2}, {name: Silver, count: 4}]
    leaderboards:
      - id: all-time
      - {id: weekly, period: week}
      - {id: channels, period: month, scope: channel}
      - {id: teams, period: all, scope: team}
      - {id: posting, rules: [original-post]}
""")
