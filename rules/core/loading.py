"""YAML text -> validated RulesetDoc, with every problem reported as file:line:column.

Untrusted text: the size, nesting depth and alias count are checked on the parser's
event stream before anything is built, and explicit tags (python objects...) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

from .schema import RulesetDoc

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
# Tags YAML itself resolves; anything else (python/object, custom tags) is refused.
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


def parse_yaml(text: str, source: str = "ruleset.yaml") -> Any:
    """Parse with limits; returns ruamel's position-carrying maps and lists."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise RulesetError([Issue(0, 0, "", f"the ruleset is larger than {MAX_BYTES // 1024} KB")], source)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        _check_event_stream(yaml.parse(text), source)
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = " ".join(str(p).strip() for p in (exc.context, exc.problem) if p) or str(exc)
        raise RulesetError([Issue(line, column, "", f"YAML syntax: {problem}")], source) from None
    except YAMLError as exc:
        raise RulesetError([Issue(0, 0, "", f"YAML syntax: {exc}")], source) from None
    if not isinstance(data, CommentedMap):
        raise RulesetError([Issue(1, 1, "", "a ruleset is a mapping that starts with `ruleset: <id>`")], source)
    return data


def _check_event_stream(events: Iterable, source: str) -> None:
    depth = aliases = 0
    for event in events:
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _at(event, f"more than {MAX_ALIASES} aliases; write the values out", source)
        if isinstance(event, NodeEvent) and getattr(event, "tag", None) not in ALLOWED_TAGS:
            raise _at(event, f"the tag {event.tag!r} is not allowed in a ruleset", source)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _at(event, f"nested deeper than {MAX_DEPTH} levels", source)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _at(event, message: str, source: str) -> RulesetError:
    mark = event.start_mark
    return RulesetError([Issue(mark.line + 1, mark.column + 1, "", message)], source)


def plain(node: Any) -> Any:
    """ruamel's containers and scalars as plain Python values for pydantic."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def position(root: Any, loc: tuple) -> tuple[int, int]:
    """The line and column (1-based) of the deepest node on `loc` that exists in the YAML."""
    node, line, column = root, 1, 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.key(part)
            line, column = line + 1, column + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            line, column = line + 1, column + 1
            node = node[part]
        elif isinstance(part, int) and not isinstance(node, CommentedSeq):
            continue  # a single value the schema wraps into a list (`award: {to: actor, ...}`)
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and part not in (node or {}) and hasattr(node, "lc"):
                # a missing key: point at the mapping that should hold it
                line, column = node.lc.line + 1, node.lc.col + 1
            break
    return line, column


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
