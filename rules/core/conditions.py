"""`when:` mappings compiled into predicates over an Event.

Every condition given must hold. A CEL `expr` that fails on an event (a missing field,
a wrong type) does not hold; the failure is counted so admins can see it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

import cel

from .eventschema import MAX_ATTRIBUTES_BYTES
from .model import Event
from .periods import midnight
from .schema import Condition

Predicate = Callable[[Event], bool]


class ExpressionError(ValueError):
    """A refused expression; `offset` is where in its source the problem is, when known."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


class ExpressionTooCostly(Exception):
    """The expression would take more steps on this event than an expression may."""


@dataclass
class ExpressionFailures:
    """How often each rule's expression failed, with the last reason, for the admin pages."""

    counts: Counter = field(default_factory=Counter)
    last_error: dict[str, str] = field(default_factory=dict)

    def record(self, owner: str, error: Exception) -> None:
        self.counts[owner] += 1
        self.last_error[owner] = f"{type(error).__name__}: {error}"


def compile_expression(source: str):
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ExpressionError(str(exc).replace("\n", " ")) from None
    unknown = set(program.variables()) - {"event"}
    if unknown:
        raise ExpressionError(f"expressions can only use `event`, not {', '.join(sorted(unknown))}")
    Cost.of(source).check()
    return program


# The cost of an expression. The CEL library has no cost estimate and cannot be interrupted once
# it runs (it holds the GIL), so the cost is bounded before it runs: statically at validation,
# and again with each event's own sizes before that event is evaluated.
#
# Steps are counted on the tokens of the source. A token inside k nested comprehensions
# (.all, .exists, .exists_one, .map, .filter) runs once per item of each of them, so it counts
# items**k. Lists and maps in the event (or written in the expression) have at most `items`
# entries, and `+` can only concatenate what exists, so no list grows past items * (pluses + 1);
# likewise for strings. Tokens that scan strings (contains, matches, `+`...) count their length.
# One step is about 0.1 microsecond; COST_BUDGET steps take well under a second
# (tests/test_expression_cost.py measures the worst shapes).
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
MAX_NESTING = 2
MAX_COMPREHENSIONS = 8
COST_BUDGET = 2_000_000
# What validation assumes of an event: the ingest limits of hashtags and mentions (100 each)
# and of text (10,000 characters). An event with longer lists (in attributes) is checked on its own.
ASSUMED_ITEMS = 100
ASSUMED_CHARS = 10_000
# The most any event ingest accepts holds: 4 KB of attributes hold at most a list of 2,048
# numbers; no string is longer than the text. An expression within budget at these sizes
# needs no check per event.
INGEST_ITEMS = MAX_ATTRIBUTES_BYTES // 2
INGEST_CHARS = 10_000
# Characters a string-scanning token reads per step; a regex costs its pattern too.
CHARS_PER_STEP = 32
STRING_TOKENS = frozenset({"contains", "startsWith", "endsWith", "matches", "+", "size", "string"})

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>[bB]?[rR][bB]?(?:'\'\'.*?'\'\'|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*")
             |[bB]?(?:'\'\'(?:\\.|[^\\])*?'\'\'|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<number>\d[\w.]*)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<op>.)
""", re.X | re.S)
_OPEN = frozenset({"(", "[", "{"})
_CLOSE = frozenset({")", "]", "}"})
# .map and .filter copy the list built so far for every item; a step copies about this many.
COPIES_PER_STEP = 2
_KEYWORDS = frozenset({"in", "true", "false", "null"})


@dataclass(frozen=True)
class Cost:
    """An expression's steps as a polynomial in the sizes of an event's lists and strings."""

    source: str
    # Per nesting depth: the steps of its tokens run once, how many of them scan a string, and
    # how many .map/.filter build a list there (the library copies the list for every item).
    base: tuple[int, ...]
    scans: tuple[int, ...]
    builds: tuple[int, ...]
    list_pluses: int  # `+` that may join lists
    string_pluses: int  # `+` that may join strings
    literal_items: int  # the longest list or map written in the expression
    literal_chars: int  # the longest string written in the expression
    comprehensions: tuple[tuple[int, int], ...]  # (offset of the macro's name, its depth)

    @classmethod
    def of(cls, source: str) -> "Cost":
        tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(source) if m.lastgroup != "space"]
        levels = MAX_NESTING + 2
        base, scans, builds = [0] * levels, [0] * levels, [0] * levels
        # Open brackets: [is a comprehension, commas so far, holds anything, is a list or map literal]
        stack: list[list] = []
        depth = list_pluses = string_pluses = literal_items = literal_chars = 0
        comprehensions = []
        for i, (kind, text, offset) in enumerate(tokens):
            previous = tokens[i - 1] if i else None
            if stack and text not in _CLOSE:
                stack[-1][2] = True
            if kind == "string":
                literal_chars = max(literal_chars, len(text))
            if text == "+":
                around = {t[0] for t in tokens[i - 1:i + 2:2]} | {t[1] for t in tokens[i - 1:i + 2:2]}
                list_pluses += not around & {"number", "string"}
                string_pluses += not around & {"number", "[", "]"}
            level = min(depth, levels - 1)
            base[level] += _weight(tokens, i)
            scans[level] += text in STRING_TOKENS
            if text in _OPEN:
                macro = (text == "(" and i >= 2 and tokens[i - 1][0] == "ident" and tokens[i - 1][1] in MACROS
                         and tokens[i - 2][1] == ".")
                literal = text != "(" and not (previous and (previous[1] in _CLOSE or (
                    previous[0] in ("ident", "number", "string") and previous[1] not in _KEYWORDS)))
                stack.append([macro, 0, False, literal])
                if macro:
                    depth += 1
                    comprehensions.append((tokens[i - 1][2], depth))
                    if tokens[i - 1][1] in ("map", "filter"):
                        builds[min(depth, levels - 1)] += 1
            elif text == "," and stack:
                stack[-1][1] += 1
            elif text in _CLOSE and stack:
                macro, commas, nonempty, literal = stack.pop()
                depth -= macro
                if literal and nonempty:
                    literal_items = max(literal_items, commas + 1)
        return cls(source, tuple(base), tuple(scans), tuple(builds), list_pluses, string_pluses,
                   literal_items, literal_chars, tuple(comprehensions))

    def steps(self, items: int, chars: int) -> int:
        """The steps on an event whose longest list or map has `items` entries and longest string `chars`."""
        items = max(items, self.literal_items, 1) * (self.list_pluses + 1)
        per_scan = max(chars, self.literal_chars) * (self.string_pluses + 1) // CHARS_PER_STEP
        return sum(items ** depth * (base + scans * per_scan + builds * items // COPIES_PER_STEP)
                   for depth, (base, scans, builds) in enumerate(zip(self.base, self.scans, self.builds)))

    @property
    def fixed(self) -> bool:
        """True when the steps do not depend on the event: no comprehension and no string scanned."""
        return not any(self.scans) and not any(self.base[1:])

    def check(self) -> None:
        """Refuse what costs too much whatever the event: deep or many comprehensions, or too many
        steps on an event within the ingest limits. Raises ExpressionError at the place to change."""
        for offset, depth in self.comprehensions:
            if depth > MAX_NESTING:
                raise ExpressionError(f"`.{self._name_at(offset)}(` is a comprehension inside {depth - 1} others; "
                                      f"they nest at most {MAX_NESTING} deep", offset)
        if len(self.comprehensions) > MAX_COMPREHENSIONS:
            offset = self.comprehensions[MAX_COMPREHENSIONS][0]
            raise ExpressionError(f"more than {MAX_COMPREHENSIONS} comprehensions (.all, .exists, .exists_one, "
                                  f".map, .filter) in one expression", offset)
        steps = self.steps(ASSUMED_ITEMS, ASSUMED_CHARS)
        if steps > COST_BUDGET:
            offset = self.comprehensions[-1][0] if self.comprehensions else 0
            raise ExpressionError(f"too costly: about {steps:,} steps on an event with {ASSUMED_ITEMS} hashtags "
                                  f"and {ASSUMED_CHARS:,} characters of text, more than {COST_BUDGET:,}; "
                                  "use fewer or shallower comprehensions, `+` or string functions", offset)

    def _name_at(self, offset: int) -> str:
        return re.match(r"\w+", self.source[offset:]).group()

    def check_event(self, value: dict[str, Any]) -> None:
        """Raise ExpressionTooCostly when this event's own sizes would take the expression over budget."""
        items, chars = _sizes(value)
        steps = self.steps(items, chars)
        if steps > COST_BUDGET:
            raise ExpressionTooCostly(f"not run: about {steps:,} steps on this event (lists of up to {items} items, "
                                      f"strings of up to {chars:,} characters), more than {COST_BUDGET:,}")


# Compiling a regex costs about a microsecond per state; `matches` compiles its pattern on every call.
STEPS_PER_REGEX_STATE = 15
# A pattern that is not written in the expression is as big as the regex library allows (its
# size limit stops compiling after about 30 ms).
UNKNOWN_REGEX_STEPS = 300_000


def _weight(tokens: list[tuple[str, str, int]], i: int) -> int:
    """The steps of one run of token i, before the string it scans: `matches` compiles its pattern."""
    if tokens[i][1] != "matches":
        return 1
    following = tokens[i + 1:i + 4]
    if [t[1] for t in following[:1]] == ["("] and len(following) == 3 and following[1][0] == "string" and following[2][1] == ")":
        return 1 + STEPS_PER_REGEX_STATE * _regex_states(following[1][1])
    return UNKNOWN_REGEX_STEPS


def _regex_states(literal: str) -> int:
    """A generous count of the states a regex compiles to: counted repetitions ({n}, {m,n}) copy
    what they repeat, and classes like \\w or . stand for many byte ranges."""
    pattern = literal.lstrip("bBrR").strip("'\"")
    groups, last, i = [0], 1, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            last = 20 if pattern[i + 1:i + 2].isalpha() else 1
            i += 2
        elif c == "[":
            end = pattern.find("]", i + 2)
            last = 20 if end < 0 or "\\" in pattern[i:end] else 2
            i = len(pattern) if end < 0 else end + 1
        elif c == "(":
            groups.append(0)
            i += 1
            continue
        elif c == ")" and len(groups) > 1:
            last = max(groups.pop(), 1)
            i += 1
        elif c == "{" and (counted := re.match(r"\{(\d*)(?:,(\d*))?\}", pattern[i:])):
            times = max(int(n) for n in counted.groups("0") if n) if any(counted.groups()) else 1
            groups[-1] += last * max(times - 1, 0)
            i += counted.end()
            continue
        else:
            last = 4 if c == "." else 1
            i += 1
        groups[-1] += last
    return sum(groups) + 1


def _sizes(value: Any) -> tuple[int, int]:
    """The most entries of any list or map and the most characters of any string in a CEL value."""
    if isinstance(value, str):
        return 0, len(value)
    if isinstance(value, dict):
        items, chars = len(value), 0
        for key, item in value.items():
            i, c = _sizes(item)
            items, chars = max(items, i), max(chars, c, len(key) if isinstance(key, str) else 0)
        return items, chars
    if isinstance(value, (list, tuple)):
        items, chars = len(value), 0
        for item in value:
            i, c = _sizes(item)
            items, chars = max(items, i), max(chars, c)
        return items, chars
    return 0, 0


def event_as_cel(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        # In UTC: the CEL library cannot convert zoneinfo timezones, only fixed offsets.
        "occurred_at": event.occurred_at.astimezone(timezone.utc),
        "actor": event.actor,
        "channel": event.channel or "",
        "program": event.program or "",
        "target": {"id": event.target_id or "", "author": event.target_author or ""},
        "text": event.text,
        "hashtags": sorted(event.hashtags),
        "mentions": list(event.mentions),
        "attributes": dict(event.attributes),
    }


def moment(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A `between` bound as an instant: a date is midnight, a time without offset is local, in `tz`."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return midnight(value, tz)


def compile_condition(cond: Condition, tz: ZoneInfo, owner: str, failures: ExpressionFailures,
                      *, type_and_channel_known: bool = False) -> Predicate:
    """`type_and_channel_known`: the caller only asks about events of the condition's types and
    channels (Ruleset.rules_for picks rules that way), so those checks can be left out."""
    checks: list[Predicate] = []
    if cond.type and not type_and_channel_known:
        types = frozenset(cond.type)
        checks.append(lambda e: e.type in types)
    if cond.channel and not type_and_channel_known:
        channels = frozenset(cond.channel)
        checks.append(lambda e: e.channel in channels)
    if cond.program:
        programs = frozenset(cond.program)
        checks.append(lambda e: e.program in programs)
    if cond.hashtags_any:
        any_tags = frozenset(normalize_hashtag(t) for t in cond.hashtags_any)
        checks.append(lambda e: not any_tags.isdisjoint(e.hashtags))
    if cond.hashtags_all:
        all_tags = frozenset(normalize_hashtag(t) for t in cond.hashtags_all)
        checks.append(lambda e: all_tags <= e.hashtags)
    if cond.mentions_any:
        people = frozenset(cond.mentions_any)
        checks.append(lambda e: not people.isdisjoint(e.mentions))
    if cond.not_self:
        checks.append(lambda e: e.target_author is None or e.target_author != e.actor)
    if cond.text_min_length:  # a minimum of 0 always holds
        length = cond.text_min_length
        checks.append(lambda e: len(e.text.strip()) >= length)
    if cond.between:
        start = moment(cond.between.from_, tz) if cond.between.from_ else None
        end = moment(cond.between.until, tz) if cond.between.until else None
        checks.append(lambda e: (start is None or e.occurred_at >= start) and (end is None or e.occurred_at < end))
    if cond.expr:
        program = compile_expression(cond.expr)
        cost = Cost.of(cond.expr)
        if cost.fixed or cost.steps(INGEST_ITEMS, INGEST_CHARS) <= COST_BUDGET:
            cost = None

        def expression_holds(e: Event) -> bool:
            try:
                value = event_as_cel(e)
                if cost is not None:
                    cost.check_event(value)
                return program.execute({"event": value}) is True
            except Exception as exc:  # the library raises KeyError, TypeError, ValueError...
                failures.record(owner, exc)
                return False

        checks.append(expression_holds)

    if not checks:
        return lambda e: True
    if len(checks) == 1:
        return checks[0]

    def every(e: Event) -> bool:  # a plain loop: measurably cheaper than all() over a generator
        for check in checks:
            if not check(e):
                return False
        return True

    return every


def normalize_hashtag(tag: str) -> str:
    return tag.lstrip("#").casefold()
