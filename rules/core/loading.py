"""YAML text -> validated RulesetDoc, with every problem reported as file:line:column.

Untrusted text: the size, nesting depth and alias count are checked on the parser's
event stream before anything is built, and explicit tags (python objects...) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.composer import Composer
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.parser import Parser as ParserInPython

from .schema import RulesetDoc

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
# Values after aliases are expanded: a 256 KB document written out has far fewer.
MAX_NODES = 200_000
# No number in a ruleset needs more digits; Python refuses to read an int of over 4,300 digits.
MAX_INT_CHARACTERS = 30
# Tags YAML itself resolves; anything else (python/object, custom tags) is refused.
INT_TAG = "tag:yaml.org,2002:int"
ALLOWED_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
                "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp"}


@dataclass(frozen=True)
class Issue:
    line: int  # 1-based; 0 when the problem is the whole document
    column: int  # 1-based
    path: str  # rules[2].award.to
    message: str

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}:{self.column}" if self.line else source
        return f"{where}: {self.path + ': ' if self.path else ''}{self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "path": self.path, "message": self.message}


class RulesetError(ValueError):
    """The ruleset text is not valid; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue], source: str = "ruleset.yaml"):
        self.issues = issues
        self.source = source
        super().__init__("\n".join(issue.format(source) for issue in issues))


def in_order(issues: list[Issue]) -> list[Issue]:
    """By position, each problem once (the schema and the checks may find the same one)."""
    return sorted(dict.fromkeys(issues), key=lambda issue: (issue.line, issue.column))


@dataclass(frozen=True)
class Document:
    """A parsed ruleset: the plain data, and the node tree that knows where each value was written."""

    root: MappingNode
    data: dict


class _TooMuch(MarkedYAMLError):
    """A limit against hostile YAML, met while composing: reported at the node that broke it."""


class _LimitedComposer(Composer):
    """Composes the node graph in one pass over the text, refusing deep nesting and many aliases
    as it goes. Aliases stay shared nodes here; their expansion is measured before construction."""

    collections = aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooMuch(problem=f"more than {MAX_ALIASES} aliases; write the values out",
                               problem_mark=self.parser.peek_event().start_mark)
            return super().compose_node(parent, index)
        opens = self.parser.check_event(CollectionStartEvent)
        if opens:
            self.collections += 1
            if self.collections > MAX_DEPTH:
                raise _TooMuch(problem=f"nested deeper than {MAX_DEPTH} levels",
                               problem_mark=self.parser.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if opens:
                self.collections -= 1


def _yaml(pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.allow_duplicate_keys = False
    if pure:
        yaml.Composer = _LimitedComposer
    return yaml


def _compose(text: str) -> tuple[YAML, Node | None]:
    """libyaml when it is installed and agrees; the pure parser otherwise.

    libyaml is several times faster, but stricter than YAML 1.2 in places (an unquoted
    `2026-11-10T09:00:00+01:00` inside a flow mapping), so any error it raises is left to the
    pure parser to confirm or accept. Its events are checked for the limits before it
    composes anything, since its composer cannot be limited from Python.
    """
    fast = _yaml(pure=False)
    if fast.Parser is not ParserInPython:
        try:
            _check_events(fast.parse(text))
            return fast, fast.compose(text)
        except _TooMuch:
            raise
        except YAMLError:
            pass
    slow = _yaml(pure=True)
    return slow, slow.compose(text)


def _check_events(events) -> None:
    depth = aliases = 0
    for event in events:
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _TooMuch(problem=f"more than {MAX_ALIASES} aliases; write the values out", problem_mark=event.start_mark)
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooMuch(problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=event.start_mark)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, source: str = "ruleset.yaml") -> Document:
    """Parse with limits: size first, depth and aliases while composing, tags and alias expansion
    before any value is built."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise RulesetError([Issue(0, 0, "", f"the ruleset is larger than {MAX_BYTES // 1024} KB")], source)
    try:
        yaml, root = _compose(text)
        if root is not None:
            _check_nodes(root, source)
        data = yaml.constructor.construct_document(root) if root is not None else None
    except _TooMuch as exc:
        mark = exc.problem_mark
        raise RulesetError([Issue(mark.line + 1, mark.column + 1, "", exc.problem)], source) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = " ".join(str(p).strip() for p in (exc.context, exc.problem) if p) or str(exc)
        raise RulesetError([Issue(line, column, "", f"YAML syntax: {problem}")], source) from None
    except YAMLError as exc:
        raise RulesetError([Issue(0, 0, "", f"YAML syntax: {exc}")], source) from None
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        raise RulesetError([Issue(1, 1, "", "a ruleset is a mapping that starts with `ruleset: <id>`")], source)
    return Document(root, data)


def _check_nodes(root: Node, source: str) -> None:
    """Every node's tag is one YAML resolves by itself, and aliases do not expand past MAX_NODES."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:  # recursion is bounded by MAX_DEPTH
        if id(node) in sizes:
            return sizes[id(node)]
        tag = str(getattr(node.tag, "value", node.tag))
        if tag not in ALLOWED_TAGS:
            mark = node.start_mark
            raise RulesetError([Issue(mark.line + 1, mark.column + 1, "", f"the tag {tag!r} is not allowed in a ruleset")], source)
        if tag == INT_TAG and len(node.value) > MAX_INT_CHARACTERS:
            mark = node.start_mark
            raise RulesetError([Issue(mark.line + 1, mark.column + 1, "", f"a number of {len(node.value):,} characters; "
                                      f"write at most {MAX_INT_CHARACTERS}")], source)
        if isinstance(node, MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = total
        return total

    if size(root) > MAX_NODES:
        raise RulesetError([Issue(1, 1, "", f"the aliases expand to more than {MAX_NODES:,} values; write less")], source)


def plain(document: Document) -> Any:
    """The document's values as plain Python (str keys) for pydantic."""
    return _plain(document.data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _child(node: Node, part) -> tuple[Node, Node] | None:
    """(the node that marks `part`, its value): a mapping's key node, or a sequence's item."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part], node.value[part]
    return None


def position(document: Document, loc: tuple) -> tuple[int, int]:
    """The line and column (1-based) of the deepest node on `loc` that exists in the YAML."""
    node, line, column = document.root, 1, 1
    for part in loc:
        found = _child(node, part)
        if found is not None:
            mark_node, node = found
            line, column = mark_node.start_mark.line + 1, mark_node.start_mark.column + 1
        elif isinstance(part, int) and not isinstance(node, SequenceNode):
            continue  # a single value the schema wraps into a list (`award: {to: actor, ...}`)
        else:
            if isinstance(node, (MappingNode, SequenceNode)):
                # a missing key: point at the mapping that should hold it
                line, column = node.start_mark.line + 1, node.start_mark.column + 1
            break
    return line, column


def position_within(document: Document, loc: tuple, offset: int, text: str) -> tuple[int, int]:
    """The line and column (1-based) of character `offset` of the string value at `loc`, where the
    YAML wrote it as is: on one line (plain or quoted, without escapes) or as a `|` block. Elsewhere
    (folded, escaped), the position of the value itself."""
    node = document.root
    for part in loc:
        found = _child(node, part)
        if found is None:
            return position(document, loc)
        node = found[1]
    if not isinstance(node, ScalarNode) or not 0 <= offset <= len(node.value):
        return position(document, loc)
    start, end = node.start_mark, node.end_mark
    before = node.value[:offset]
    if node.style in (None, "'", '"') and start.line == end.line:
        quotes = 0 if node.style is None else 1
        if end.column - start.column == len(node.value) + 2 * quotes:
            return start.line + 1, start.column + 1 + quotes + offset
    elif node.style == "|":
        lines = text.splitlines()
        row = start.line + 1 + before.count("\n")  # 0-based: the block starts on the line after `|`
        # The block's indentation is its first written line's; deeper lines keep the rest as text.
        first = next((line for line in lines[start.line + 1:row + 1] if line.strip()), None)
        if row < len(lines) and first is not None:
            indent = len(first) - len(first.lstrip(" "))
            return row + 1, indent + 1 + len(before) - (before.rfind("\n") + 1)
    return start.line + 1, start.column + 1


def path_text(loc: Iterable) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against docs/rules.md"
    if kind == "missing":
        return "this key is required"
    if kind == "string_pattern_mismatch" and error["loc"][-1:] == ("type",):
        return "an event type is 1 to 64 letters, digits and `_ . : -`, as at ingest"
    if kind == "string_pattern_mismatch":
        return "ids are lower-case letters, digits and dashes ([a-z0-9-]+), at most 64 characters"
    if kind == "literal_error":
        return msg.replace("Input should be", "must be")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a mapping (`key: value` lines or `{key: value}`)"
    return msg.removeprefix("Value error, ")


def validate_shape(root: Any, data: Any) -> tuple[RulesetDoc | None, list[Issue]]:
    """The document as models, or None and every shape problem (types, required and unknown keys)."""
    try:
        return RulesetDoc.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line, column = position(root, loc)
            issues.append(Issue(line, column, path_text(loc), _message(error)))
        return None, issues
