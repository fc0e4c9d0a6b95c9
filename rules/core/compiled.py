"""A validated ruleset compiled for evaluation: predicates built, rules indexed by type."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import schema
from .conditions import ExpressionError, ExpressionFailures, Predicate, compile_condition
from .loading import Issue, RulesetError, parse_yaml, position, validate_document


@dataclass(frozen=True)
class CompiledRule:
    spec: schema.Rule
    order: int
    holds: Predicate

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledBoost:
    spec: schema.Boost
    holds: Predicate


@dataclass(frozen=True)
class Threshold:
    tier: int | None
    name: str | None
    need: int


@dataclass(frozen=True)
class CompiledBadge:
    spec: schema.Badge
    thresholds: tuple[Threshold, ...]  # ascending
    event_holds: Predicate | None = None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Ruleset:
    doc: schema.RulesetDoc
    text: str
    tz: ZoneInfo
    rules: list[CompiledRule]
    rules_by_type: dict[str, list[CompiledRule]]
    untyped_rules: list[CompiledRule]
    boosts: list[CompiledBoost]
    badges: list[CompiledBadge]
    badges_by_rule: dict[str, list[CompiledBadge]]
    event_badges: list[CompiledBadge]
    points_badges: list[CompiledBadge]
    levels: list[schema.Level]
    failures: ExpressionFailures = field(default_factory=ExpressionFailures)

    @property
    def name(self) -> str:
        return self.doc.ruleset

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def leaderboards(self) -> list[schema.Leaderboard]:
        return self.doc.leaderboards

    def leaderboard(self, board_id: str) -> schema.Leaderboard | None:
        return next((b for b in self.doc.leaderboards if b.id == board_id), None)

    def badge(self, badge_id: str) -> CompiledBadge | None:
        return next((b for b in self.badges if b.id == badge_id), None)

    def rules_for(self, event_type: str) -> list[CompiledRule]:
        typed = self.rules_by_type.get(event_type, ())
        if not self.untyped_rules:
            return list(typed)
        if not typed:
            return self.untyped_rules
        return sorted((*typed, *self.untyped_rules), key=lambda r: r.order)

    def level_for(self, points: int) -> schema.Level | None:
        current = None
        for level in self.levels:
            if points >= level.min_points:
                current = level
        return current

    def next_level(self, points: int) -> schema.Level | None:
        return next((level for level in self.levels if level.min_points > points), None)


def load_ruleset(text: str, source: str = "ruleset.yaml") -> Ruleset:
    """Parse, validate and compile; raises RulesetError listing every problem."""
    root = parse_yaml(text, source)
    doc = validate_document(root, source)
    issues: list[Issue] = []

    def problem(loc: tuple, message: str) -> None:
        line, column = position(root, loc)
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        issues.append(Issue(line, column, path, message))

    try:
        tz = ZoneInfo(doc.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem(("timezone",), f"unknown timezone {doc.timezone!r}; use an IANA name like Europe/Berlin or UTC")
        tz = ZoneInfo("UTC")

    _check_ids(doc, problem)
    _check_levels(doc, problem)
    rule_ids = {r.id for r in doc.rules}
    for i, badge in enumerate(doc.badges):
        if badge.criteria.rule and badge.criteria.rule not in rule_ids:
            problem(("badges", i, "criteria", "rule"), f"no rule has the id {badge.criteria.rule!r}")
        for j, tier in enumerate(badge.tiers or ()):
            unit = "points" if badge.criteria.points is not None else "count"
            other = "count" if unit == "points" else "points"
            if getattr(tier, unit) is None or getattr(tier, other) is not None:
                problem(("badges", i, "tiers", j), f"each tier of this badge needs `{unit}` (and not `{other}`)")
        thresholds = _thresholds(badge)
        needs = [t.need for t in thresholds if t.need is not None]
        if needs != sorted(set(needs)):
            problem(("badges", i, "tiers"), "tiers must ask for strictly more at each step")
    for i, board in enumerate(doc.leaderboards):
        for j, rule_id in enumerate(board.rules or ()):
            if rule_id not in rule_ids:
                problem(("leaderboards", i, "rules", j), f"no rule has the id {rule_id!r}")
    for i, note in enumerate(doc.notifications):
        if note.on == "digest" and not note.schedule:
            problem(("notifications", i), "a digest needs a `schedule` (cron, e.g. \"0 9 * * MON\")")
        if note.on == "leaderboard_top" and note.board and note.board not in {b.id for b in doc.leaderboards}:
            problem(("notifications", i, "board"), f"no leaderboard has the id {note.board!r}")

    failures = ExpressionFailures()

    def condition(cond: schema.Condition, loc: tuple, owner: str):
        try:
            return compile_condition(cond, tz, owner, failures)
        except ExpressionError as exc:
            problem((*loc, "expr"), f"CEL: {exc}")
            return lambda e: False

    rules = [CompiledRule(r, i, condition(r.when, ("rules", i, "when"), r.id)) for i, r in enumerate(doc.rules)]
    boosts = [CompiledBoost(b, condition(b.when, ("boosts", i, "when"), b.id)) for i, b in enumerate(doc.boosts)]
    badges = []
    for i, badge in enumerate(doc.badges):
        holds = None
        if badge.criteria.event is not None:
            holds = condition(badge.criteria.event, ("badges", i, "criteria", "event"), badge.id)
        badges.append(CompiledBadge(badge, _thresholds(badge), holds))

    if issues:
        issues.sort(key=lambda issue: (issue.line, issue.column))
        raise RulesetError(issues, source)

    by_type: dict[str, list[CompiledRule]] = {}
    untyped = []
    for rule in rules:
        if rule.spec.when.type:
            for event_type in rule.spec.when.type:
                by_type.setdefault(event_type, []).append(rule)
        else:
            untyped.append(rule)
    badges_by_rule: dict[str, list[CompiledBadge]] = {}
    for badge in badges:
        if badge.spec.criteria.rule:
            badges_by_rule.setdefault(badge.spec.criteria.rule, []).append(badge)
    return Ruleset(
        doc=doc, text=text, tz=tz, rules=rules, rules_by_type=by_type, untyped_rules=untyped,
        boosts=boosts, badges=badges, badges_by_rule=badges_by_rule,
        event_badges=[b for b in badges if b.event_holds is not None],
        points_badges=[b for b in badges if b.spec.criteria.points is not None],
        levels=list(doc.levels), failures=failures,
    )


def _thresholds(badge: schema.Badge) -> tuple[Threshold, ...]:
    criteria = badge.criteria
    if not badge.tiers:
        need = criteria.points if criteria.points is not None else criteria.count
        return (Threshold(None, None, need),)
    if criteria.points is not None:
        return tuple(Threshold(i, t.name, t.points) for i, t in enumerate(badge.tiers))
    return tuple(Threshold(i, t.name, t.count) for i, t in enumerate(badge.tiers))


def _check_ids(doc: schema.RulesetDoc, problem) -> None:
    for section in ("rules", "boosts", "badges", "leaderboards"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(doc, section)):
            if item.id in seen:
                problem((section, i, "id"), f"the id {item.id!r} is already used by {section}[{seen[item.id]}]")
            seen.setdefault(item.id, i)


def _check_levels(doc: schema.RulesetDoc, problem) -> None:
    if not doc.levels:
        return
    if doc.levels[0].min_points != 0:
        problem(("levels", 0, "min_points"), "the first level starts at min_points: 0")
    for i in range(1, len(doc.levels)):
        if doc.levels[i].min_points <= doc.levels[i - 1].min_points:
            problem(("levels", i, "min_points"), "levels go in ascending order of min_points")
    names = [level.name for level in doc.levels]
    for i, name in enumerate(names):
        if names.index(name) != i:
            problem(("levels", i, "name"), f"the level name {name!r} is used twice")
