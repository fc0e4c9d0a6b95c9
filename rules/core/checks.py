"""Cross-references and meaning, checked on the plain YAML data rather than the validated models.

Walking the plain dicts means these checks run even when the shape is wrong somewhere else, so
one upload lists every problem at once. Anything of an unexpected type is skipped here: the
schema already reports it. Each check yields (location, message); the caller adds line and column.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .conditions import ExpressionError, compile_expression, moment
from .schema import _as_moment
from .texts import DEFAULT_LANGUAGE, TIER_FIELDS, TRANSLATABLE, normal_tag

# (location, message) or (location, message, offset into the string at the location)
Problem = Callable[..., None]
# Rules and streaks both write awards under their id, so they share one id space.
ID_SECTIONS = (("rules", "streaks"), ("boosts",), ("badges",), ("leaderboards",), ("seasons",), ("challenges",))


def check_document(data: Any, problem: Problem) -> None:
    if not isinstance(data, dict):
        return
    tz = ruleset_timezone(data, problem)
    _check_ids(data, problem)
    _check_levels(data, problem)
    _check_rules(data, problem)
    _check_streaks(data, problem)
    _check_badges(data, problem)
    _check_leaderboards(data, problem)
    _check_seasons(data, problem)
    _check_notifications(data, problem)
    _check_kudos(data, problem)
    _check_privacy(data, problem)
    _check_texts(data, problem)
    for loc, condition in _conditions(data):
        _check_condition(condition, loc, tz, problem)
    _check_windows(data, tz, problem)
    _check_prompts(data, problem)
    _check_challenges(data, problem)


def ruleset_timezone(data: dict, problem: Problem | None = None) -> ZoneInfo:
    name = data.get("timezone", "UTC")
    if not isinstance(name, str):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory, a name too long...
        if problem:
            problem(("timezone",), f"unknown timezone {name!r}; use an IANA name like Europe/Berlin or UTC")
        return ZoneInfo("UTC")


def _language(data: dict) -> str:
    language = data.get("language", DEFAULT_LANGUAGE)
    return normal_tag(language) if isinstance(language, str) else DEFAULT_LANGUAGE


def _check_texts(data: dict, problem: Problem) -> None:
    """A name or description written per language has the ruleset's default language: it is the text
    anyone gets whose language the ruleset does not have."""
    language = _language(data)
    written = data.get("language", DEFAULT_LANGUAGE)

    def check(part: dict, fields: tuple[str, ...], loc: tuple) -> None:
        for field in fields:
            value = part.get(field)
            if isinstance(value, dict) and language not in {normal_tag(str(k)) for k in value}:
                problem((*loc, field), f"add the text in the ruleset's default language {written!r} "
                                       f"(`language:` at the top; en when left out), e.g. {field}: {{{written}: ...}}")

    for section, fields in TRANSLATABLE.items():
        for i, part in _items(data, section):
            check(part, fields, (section, i))
            tiers = part.get("tiers")
            for j, tier in enumerate(tiers if isinstance(tiers, list) else []):
                if isinstance(tier, dict):
                    check(tier, TIER_FIELDS, (section, i, "tiers", j))


def _items(data: dict, section: str) -> Iterator[tuple[int, dict]]:
    value = data.get(section)
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _listed(value: Any) -> list:
    """A value the schema accepts alone or in a list (`rules: post` or `rules: [post]`)."""
    return value if isinstance(value, list) else [value]


def _ids(data: dict, section: str) -> set[str]:
    return {item["id"] for _, item in _items(data, section) if isinstance(item.get("id"), str)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_ids(data: dict, problem: Problem) -> None:
    for sections in ID_SECTIONS:
        seen: dict[str, str] = {}
        for section in sections:
            for i, item in _items(data, section):
                item_id = item.get("id")
                if not isinstance(item_id, str):
                    continue
                if item_id in seen:
                    problem((section, i, "id"), f"the id {item_id!r} is already used by {seen[item_id]}")
                seen.setdefault(item_id, f"{section}[{i}]")


def _check_levels(data: dict, problem: Problem) -> None:
    levels = list(_items(data, "levels"))
    minimums = [(i, level.get("min_points")) for i, level in levels if _is_int(level.get("min_points"))]
    if minimums and minimums[0][0] == 0 and minimums[0][1] != 0:
        problem(("levels", 0, "min_points"), "the first level starts at min_points: 0")
    for (_, before), (i, after) in zip(minimums, minimums[1:]):
        if after <= before:
            problem(("levels", i, "min_points"), "levels go in ascending order of min_points")
    names: dict[str, int] = {}
    language = _language(data)
    for i, level in levels:
        name = level.get("name")
        if isinstance(name, dict):  # written per language: the default language's name must be unique
            name = {normal_tag(str(k)): v for k, v in name.items()}.get(language)
        if isinstance(name, str):
            if name in names:
                problem(("levels", i, "name"), f"the level name {name!r} is used twice")
            names.setdefault(name, i)


def _check_rules(data: dict, problem: Problem) -> None:
    for i, rule in _items(data, "rules"):
        limit = rule.get("limit")
        if isinstance(limit, dict) and _is_int(limit.get("max")) and limit["max"] == 0:
            problem(("rules", i, "limit", "max"),
                    "max: 0 caps every award, so this rule can never give points; use max: 1 or more, or remove the rule")


def _check_streaks(data: dict, problem: Problem) -> None:
    for i, streak in _items(data, "streaks"):
        bonus = streak.get("bonus")
        if not isinstance(bonus, list):
            continue
        # Lengths below 1 are the schema's to report.
        lengths = [(j, b["length"]) for j, b in enumerate(bonus)
                   if isinstance(b, dict) and _is_int(b.get("length")) and b["length"] >= 1]
        for (_, before), (j, after) in zip(lengths, lengths[1:]):
            if after <= before:
                problem(("streaks", i, "bonus", j, "length"),
                        "bonus lengths go in ascending order, each once (a run reaches each length once)")


def _check_badges(data: dict, problem: Problem) -> None:
    rule_ids, streak_ids = _ids(data, "rules"), _ids(data, "streaks")
    for i, badge in _items(data, "badges"):
        criteria = badge.get("criteria")
        if not isinstance(criteria, dict):
            continue
        rule, streak = criteria.get("rule"), criteria.get("streak")
        if isinstance(rule, str) and rule not in rule_ids:
            if rule in streak_ids:
                problem(("badges", i, "criteria", "rule"), f"{rule!r} is a streak; count its length with `streak: {rule}`")
            else:
                problem(("badges", i, "criteria", "rule"), f"no rule has the id {rule!r}")
        if isinstance(streak, str) and streak not in streak_ids:
            problem(("badges", i, "criteria", "streak"), f"no streak has the id {streak!r}")
        _check_tiers(badge, criteria, i, problem)


def _check_tiers(badge: dict, criteria: dict, i: int, problem: Problem) -> None:
    tiers = badge.get("tiers")
    if not isinstance(tiers, list):
        return
    unit = "points" if criteria.get("points") is not None else "count"
    other = "count" if unit == "points" else "points"
    needs = []
    for j, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            continue
        if tier.get(unit) is None or tier.get(other) is not None:
            problem(("badges", i, "tiers", j), f"each tier of this badge needs `{unit}` (and not `{other}`)")
        if _is_int(tier.get(unit)):
            needs.append(tier[unit])
    if needs != sorted(set(needs)):
        problem(("badges", i, "tiers"), "tiers must ask for strictly more at each step")


def _check_leaderboards(data: dict, problem: Problem) -> None:
    known = _ids(data, "rules") | _ids(data, "streaks")
    for i, board in _items(data, "leaderboards"):
        if board.get("period") == "season" and not _ids(data, "seasons"):
            problem(("leaderboards", i, "period"), "a `period: season` board needs `seasons:` in the ruleset")
        if board.get("aggregate") == "team" and board.get("scope") == "team":
            problem(("leaderboards", i, "scope"), "a board of teams cannot also be scoped by team; drop `scope: team`")
        if board.get("rank_by", "total") != "total" and board.get("aggregate") is None:
            problem(("leaderboards", i, "rank_by"), "`rank_by` applies to boards with `aggregate: team`")
        if "rules" not in board or board["rules"] is None:
            continue
        for j, rule_id in enumerate(_listed(board["rules"])):
            if isinstance(rule_id, str) and rule_id not in known:
                problem(("leaderboards", i, "rules", j), f"no rule has the id {rule_id!r}")


def _check_seasons(data: dict, problem: Problem) -> None:
    spans = []
    for i, season in _items(data, "seasons"):
        start, end = _as_date(season.get("from")), _as_date(season.get("until"))
        if start and end:
            if end <= start:
                problem(("seasons", i, "until"), "`until` must be after `from` (it is the day after the season's last)")
            else:
                spans.append((start, end, i, season.get("id")))
    spans.sort()
    for (_, end, _, first), (start, _, i, second) in zip(spans, spans[1:]):
        if start < end:
            problem(("seasons", i, "from"), f"season {second!r} overlaps season {first!r}; an event belongs to one season")


def _as_date(value: Any):
    from datetime import date

    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _check_notifications(data: dict, problem: Problem) -> None:
    boards = _ids(data, "leaderboards")
    for i, note in _items(data, "notifications"):
        if note.get("on") == "digest" and not note.get("schedule"):
            problem(("notifications", i), "a digest needs a `schedule` (cron, e.g. \"0 9 * * MON\")")
        schedule = note.get("schedule")
        if isinstance(schedule, str) and schedule and not _valid_cron(schedule):
            problem(("notifications", i, "schedule"), f"{schedule!r} is not a cron schedule; use five fields: "
                    "minute hour day-of-month month day-of-week, e.g. \"0 9 * * MON\"")
        if note.get("on") == "digest" and note.get("to") in (None, "origin"):
            problem(("notifications", i, "to"), "a digest needs `to`: the channel it is posted to (a digest has no origin event)")
        template = note.get("template")
        if isinstance(template, str) and template not in NOTIFICATION_TEMPLATES:
            problem(("notifications", i, "template"), f"unknown template {template!r}; use one of {', '.join(NOTIFICATION_TEMPLATES)}")
        board = note.get("board")
        if note.get("on") == "leaderboard_top" and isinstance(board, str) and board and board not in boards:
            problem(("notifications", i, "board"), f"no leaderboard has the id {board!r}")


# A value is named as a hashtag (`#teamwork` in a message), so it is written as one.
VALUE = re.compile(r"^#?\w[\w-]*$")


def value_key(value: str) -> str:
    """Values compare as hashtags do: without the `#`, in any case."""
    return value.lstrip("#").casefold()


def _check_kudos(data: dict, problem: Problem) -> None:
    kudos = data.get("kudos")
    if not isinstance(kudos, dict):
        return
    values = kudos.get("values")
    if kudos.get("require_value") is True and (values is None or values == []):
        problem(("kudos", "require_value"), "require_value: true needs `values:`, the company values a kudos may name")
    if not isinstance(values, list):
        return
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if not isinstance(value, str):
            continue  # the schema reports it
        if not VALUE.match(value):
            problem(("kudos", "values", i), f"the value {value!r} cannot be written as a hashtag; use letters, digits, "
                    "'_' and '-' without spaces, like teamwork or customer-first")
            continue
        key = value_key(value)
        if key in seen:
            problem(("kudos", "values", i), f"the value {value!r} is listed twice (values compare without case and `#`, "
                    f"like hashtags); it is already values[{seen[key]}]")
        seen.setdefault(key, i)


def _check_privacy(data: dict, problem: Problem) -> None:
    privacy = data.get("privacy")
    if not isinstance(privacy, dict):
        return
    ranking = privacy.get("individual_ranking")
    # `off`, `no` or "false" are text in YAML 1.2: a works council's "off" must not silently read as on.
    if isinstance(ranking, str):
        problem(("privacy", "individual_ranking"), f"individual_ranking is true or false, not the text {ranking!r}; "
                "write false without quotes to turn individual rankings off")
    size = privacy.get("min_group_size")
    if isinstance(size, str) and size.strip().isdigit():
        problem(("privacy", "min_group_size"), f"min_group_size is a whole number, not the text {size!r}; "
                "write it without quotes")


NOTIFICATION_TEMPLATES = ("badge_awarded", "level_up", "leaderboard_top", "weekly_digest")


def _valid_cron(schedule: str) -> bool:
    from croniter import croniter  # pure Python, like the rest of the core

    return len(schedule.split()) == 5 and croniter.is_valid(schedule)


def _conditions(data: dict) -> Iterator[tuple[tuple, dict]]:
    """Every condition mapping in the document, with its location."""
    for section in ("rules", "streaks", "boosts"):
        for i, item in _items(data, section):
            if isinstance(item.get("when"), dict):
                yield (section, i, "when"), item["when"]
    for i, badge in _items(data, "badges"):
        criteria = badge.get("criteria")
        for kind in ("event", "received"):
            if isinstance(criteria, dict) and isinstance(criteria.get(kind), dict):
                yield ("badges", i, "criteria", kind), criteria[kind]
    for i, challenge in _items(data, "challenges"):
        if isinstance(challenge.get("when"), dict):
            yield ("challenges", i, "when"), challenge["when"]
        goal = challenge.get("goal")
        if isinstance(goal, dict) and isinstance(goal.get("event"), dict):
            yield ("challenges", i, "goal", "event"), goal["event"]


def _check_windows(data: dict, tz: ZoneInfo, problem: Problem) -> None:
    """A badge's `available` window must not be empty."""
    for i, badge in _items(data, "badges"):
        window = badge.get("available")
        if isinstance(window, dict) and window.get("from") is not None and window.get("until") is not None:
            try:
                start, end = (moment(_as_moment(window[k]), tz) for k in ("from", "until"))
            except (ValueError, TypeError):
                continue  # the schema reports the bad value
            if end <= start:
                problem(("badges", i, "available", "until"), "`until` must be after `from`; in an empty window the badge can never be earned")


def _check_condition(condition: dict, loc: tuple, tz: ZoneInfo, problem: Problem) -> None:
    expr = condition.get("expr")
    if isinstance(expr, str) and expr:
        try:
            compile_expression(expr)
        except ExpressionError as exc:
            if exc.offset is None:
                problem((*loc, "expr"), f"CEL: {exc}")
            else:
                problem((*loc, "expr"), f"CEL: {exc}", exc.offset)
    between = condition.get("between")
    if isinstance(between, dict) and between.get("from") is not None and between.get("until") is not None:
        try:
            start, end = (moment(_as_moment(between[k]), tz) for k in ("from", "until"))
        except ValueError:
            return  # not a date or time: the schema says so
        if end <= start:
            problem((*loc, "between", "until"), "`until` must be after `from`; this window is empty, so the condition never holds")


def _check_prompts(data: dict, problem: Problem) -> None:
    """Prompts: ids used once, a five-field cron, a reward rule that exists."""
    rule_ids, seen = _ids(data, "rules") | _ids(data, "streaks"), {}
    for i, prompt in _items(data, "prompts"):
        prompt_id = prompt.get("id")
        if isinstance(prompt_id, str):
            if prompt_id in seen:
                problem(("prompts", i, "id"), f"the id {prompt_id!r} is already used by prompts[{seen[prompt_id]}]")
            seen.setdefault(prompt_id, i)
        schedule = prompt.get("schedule")
        if isinstance(schedule, str) and schedule and not _valid_cron(schedule):
            problem(("prompts", i, "schedule"), f"{schedule!r} is not a cron schedule; use five fields: "
                    "minute hour day-of-month month day-of-week, e.g. \"0 9 * * MON\"")
        reward = prompt.get("reward")
        rule = reward.get("rule") if isinstance(reward, dict) else None
        if isinstance(rule, str) and rule not in rule_ids:
            problem(("prompts", i, "reward", "rule"), f"no rule has the id {rule!r}; name a rule of `rules:` that "
                    f"matches the replies, e.g. expr: event.attributes.prompt == \"{prompt_id}\"")


# -- challenges ------------------------------------------------------------------------------


def _check_challenges(data: dict, problem: Problem) -> None:
    """Windows, the names a challenge refers to, and goals no participant could ever reach."""
    rules = {item["id"]: item for _, item in _items(data, "rules") if isinstance(item.get("id"), str)}
    streaks = _ids(data, "streaks")
    badges = _ids(data, "badges")
    for i, badge in _items(data, "badges"):
        if badge.get("criteria") is None and badge.get("tiers") is not None:
            problem(("badges", i, "tiers"), "a badge without criteria is given whole (by a challenge or an admin); "
                    "drop `tiers`, or give it `criteria`")
    for i, challenge in _items(data, "challenges"):
        here = ("challenges", i)
        starts, ends = _as_date(challenge.get("starts")), _as_date(challenge.get("ends"))
        if starts and ends and ends <= starts:
            problem((*here, "ends"), "`ends` must be after `starts` (it is the day after the challenge's last)")
        kind = challenge.get("kind", "individual")
        winners = challenge.get("winners")
        if _is_int(winners) and winners < 1:
            problem((*here, "winners"), "winners must be 1 or more; leave it out to reward everyone who reaches the goal")
        if kind == "collective" and winners is not None:
            problem((*here, "winners"), "a collective challenge has one goal for everyone, so no winners; drop `winners`")
        reward = challenge.get("reward")
        if isinstance(reward, dict) and isinstance(reward.get("badge"), str) and reward["badge"] not in badges:
            problem((*here, "reward", "badge"), f"no badge has the id {reward['badge']!r}; declare it under `badges:` "
                    "(a badge only challenges give may leave out `criteria`)")
        goal = challenge.get("goal")
        if isinstance(goal, dict):
            _check_goal(goal, challenge, here, kind, starts, ends, rules, streaks, problem)


def _check_goal(goal: dict, challenge: dict, here: tuple, kind: Any, starts, ends, rules: dict, streaks: set,
                problem: Problem) -> None:
    count = goal.get("count", 1)
    if _is_int(count) and count < 1:
        problem((*here, "goal", "count"), "count must be 1 or more")
    points = goal.get("points")
    if _is_int(points):
        if points <= 0:
            problem((*here, "goal", "points"), "a points goal must be more than 0; every participant starts there")
        elif rules and not any(_gives_points(rule) for rule in rules.values()):
            problem((*here, "goal", "points"), "no rule gives positive points, so this goal cannot be reached")
    rule_id = goal.get("rule")
    if not isinstance(rule_id, str):
        return
    if rule_id not in rules and rule_id not in streaks:
        problem((*here, "goal", "rule"), f"no rule has the id {rule_id!r}")
        return
    rule = rules.get(rule_id)
    if rule is None:
        return  # a streak: its bonuses count like a rule's awards
    when = challenge.get("when")
    rule_types = _type_set(rule.get("when"))
    wanted = _type_set(when)
    if rule_types is not None and wanted is not None and not rule_types & wanted:
        problem((*here, "goal", "rule"), f"the rule {rule_id!r} fires on {', '.join(sorted(rule_types))} and the challenge's "
                f"`when` counts only {', '.join(sorted(wanted))}, so this goal cannot be reached")
        return
    limit = rule.get("limit")
    # A limit is per recipient: only a person alone is bound by it; a team or everyone add up.
    if kind == "individual" and isinstance(limit, dict) and _is_int(limit.get("max")) and limit["max"] >= 1 \
            and _is_int(count) and starts and ends and ends > starts:
        most = limit["max"] * _periods_in(limit.get("per"), starts, ends)
        if count > most:
            problem((*here, "goal", "count"), f"the rule {rule_id!r} gives at most {limit['max']} award(s) per "
                    f"{limit.get('per')}, {most} in this window at most, so a count of {count} cannot be reached")


def _gives_points(rule: dict) -> bool:
    award = rule.get("award")
    awards = award if isinstance(award, list) else [award]
    return any(isinstance(a, dict) and _is_int(a.get("points")) and a["points"] > 0 for a in awards)


def _type_set(condition: Any) -> set[str] | None:
    """The event types a condition admits; None: any type."""
    if not isinstance(condition, dict) or condition.get("type") is None:
        return None
    return {t for t in _listed(condition["type"]) if isinstance(t, str)}


def _periods_in(per: Any, starts, ends) -> int:
    """How many calendar periods of a limit the days [starts, ends) touch."""
    from datetime import timedelta

    if per == "ever":
        return 1
    keys = set()
    day = starts
    while day < ends and len(keys) <= 100_000:
        keys.add(day if per == "day" else day.isocalendar()[:2] if per == "week" else (day.year, day.month))
        day += timedelta(days=1)
    return len(keys)
