"""The `tests:` section of a ruleset: test cases with events in and expectations out.

The shape is checked here by pydantic (unknown keys are errors, as everywhere in a ruleset);
`check_tests` then checks what a case refers to (rules, badges, levels, its own events) once
the whole document has its shape. Running the cases is `ruletests.run_tests`.

Test events follow the event JSON of the contract (section 2) with the constraints of the
ingest layer, written in YAML; this module must not import the ingest layer (the rules core
imports no framework), so the event model is its own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Callable

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, StrictInt, model_validator

from .eventschema import EventDoc, PersonId
from .texts import every_text

if TYPE_CHECKING:
    from .schema import RulesetDoc

OFFSET_NEEDED = "occurred_at needs a time with an offset, e.g. 2026-11-17T09:00:00+01:00"

Text200 = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _aware_time(value: Any) -> Any:
    """YAML reads an unquoted time as a datetime (ruamel's subclass); a date or a naive time is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(OFFSET_NEEDED)
        return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        value.microsecond, tzinfo=value.tzinfo)
    if isinstance(value, date):
        raise ValueError(OFFSET_NEEDED)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time; {OFFSET_NEEDED}") from None
        if parsed.tzinfo is None:
            raise ValueError(OFFSET_NEEDED)
        return parsed
    return value


class CaseEvent(EventDoc):
    """One event of a test case: the contract's event JSON, as at ingest; `id` may be left out and an
    unquoted YAML time is accepted when it carries an offset."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: PersonId | None = None
    occurred_at: Annotated[AwareDatetime, BeforeValidator(_aware_time)]

    @model_validator(mode="after")
    def _undo_names_its_event(self):
        if self.type == "undo" and self.target is None:
            raise ValueError("an undo names the event it reverses: target.id")
        return self


def _event_ref(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value:
        return value
    raise ValueError("name the event by its 1-based position in `events` (1, 2, ...) or by its id")


EventRef = Annotated[int | str, PlainValidator(_event_ref, json_schema_input_type=Annotated[int, Field(ge=1)] | Text200)]


class ExpectedAward(_Strict):
    """An award the case's events must give."""

    event: EventRef = Field(description="The event that gives it: its 1-based position in `events`, or its id.")
    rule: Text200 = Field(description="The rule (or streak) id.")
    to: PersonId = Field(description="The recipient's person id.")
    points: StrictInt = Field(description="Points given, after limits and boosts: 0 when capped, negative for an undo.")
    capped: bool | None = Field(default=None, description="When given, whether the award was capped must match too.")


class Expect(_Strict):
    """What the case's events must give out; only what is written is checked."""

    points: dict[str, StrictInt] | None = Field(default=None, description="Person id -> all-time points after the case.")
    awards: list[ExpectedAward] | None = Field(default=None, description="Awards that must be given.")
    only: bool = Field(default=False, description="true: no award other than those in `awards` may be given.")
    badges: dict[str, list[Text200]] | None = Field(
        default=None, description="Person id -> exactly the badges held after the case: `badge-id` or `badge-id:Tier`.")
    levels: dict[str, Text200] | None = Field(default=None, description="Person id -> level name after the case.")

    @model_validator(mode="after")
    def _expects_something(self):
        if self.points is None and self.awards is None and self.badges is None and self.levels is None and not self.only:
            raise ValueError("expect at least one of `points`, `awards`, `badges`, `levels` (or `only: true` for no awards at all)")
        return self


class RuleTest(_Strict):
    """A test case: events in, expected awards, badges, levels and points out; starts from an empty past."""

    name: Text200 = Field(description="Unique among the cases.")
    description: str | None = None
    events: Annotated[list[CaseEvent], Field(min_length=1)] = Field(description="Events in the contract's event format, scored in order.")
    expect: Expect


def event_ids(case: RuleTest) -> list[str]:
    """The id of each event of the case: its own, or `<case name>-<n>` (1-based) when it has none."""
    return [e.id if e.id is not None else f"{case.name}-{n}" for n, e in enumerate(case.events, start=1)]


def split_badge(entry: str) -> tuple[str, str | None]:
    """`helper:Silver` -> ("helper", "Silver"); `first-post` -> ("first-post", None)."""
    badge_id, sep, tier = entry.partition(":")
    return badge_id, (tier if sep else None)


def check_tests(doc: RulesetDoc, problem: Callable[[tuple, str], None]) -> None:
    """What the cases refer to must exist: rules, badges, tiers, levels and the case's own events."""
    # A streak's bonus awards carry the streak's id as their rule id.
    streak_ids = {s.id for s in getattr(doc, "streaks", None) or ()}
    rule_ids = {r.id for r in doc.rules} | streak_ids
    unknown_rule = "no rule or streak has the id {!r}" if streak_ids else "no rule has the id {!r}"
    badges = {b.id: b for b in doc.badges}
    level_names = [level.name for level in doc.levels]
    any_level_name = {name for level in doc.levels for name in every_text(level)}
    names: dict[str, int] = {}
    for i, case in enumerate(doc.tests):
        here = ("tests", i)
        if case.name in names:
            problem((*here, "name"), f"the name {case.name!r} is already used by tests[{names[case.name]}]")
        names.setdefault(case.name, i)
        ids = event_ids(case)
        _check_events(case, ids, here, problem)
        expect = case.expect
        seen_awards: dict[tuple, int] = {}
        for j, award in enumerate(expect.awards or ()):
            at = (*here, "expect", "awards", j)
            if award.rule not in rule_ids:
                problem((*at, "rule"), unknown_rule.format(award.rule))
            index = event_index(award.event, ids)
            if index is None:
                if isinstance(award.event, int):
                    problem((*at, "event"), f"this case has {len(ids)} event(s); there is no event {award.event}")
                else:
                    problem((*at, "event"), f"no event of this case has the id {award.event!r}")
                continue
            key = (index, award.rule, award.to)
            if key in seen_awards:
                problem(at, f"the same award (event, rule and `to`) is already expected by awards[{seen_awards[key]}]")
            seen_awards.setdefault(key, j)
        for person, entries in (expect.badges or {}).items():
            listed: set[str] = set()
            for j, entry in enumerate(entries):
                at = (*here, "expect", "badges", person, j)
                badge_id, tier = split_badge(entry)
                badge = badges.get(badge_id)
                if badge is None:
                    problem(at, f"no badge has the id {badge_id!r}")
                    continue
                if badge_id in listed:
                    problem(at, f"the badge {badge_id!r} is listed twice; name it once, with the highest tier held")
                listed.add(badge_id)
                tier_names = [t.name for t in badge.tiers or ()]
                any_tier_name = {name for t in badge.tiers or () for name in every_text(t)}
                if tier is None and tier_names:
                    problem(at, f"the badge {badge_id!r} has tiers; write '{badge_id}:{tier_names[0]}' for the highest tier "
                                f"held (its tiers: {', '.join(tier_names)})")
                elif tier is not None and not tier_names:
                    problem(at, f"the badge {badge_id!r} has no tiers; write just '{badge_id}'")
                elif tier is not None and tier not in any_tier_name:
                    problem(at, f"the badge {badge_id!r} has no tier {tier!r} (its tiers: {', '.join(tier_names)})")
        for person, level in (expect.levels or {}).items():
            if level not in any_level_name:
                known = f"the levels are {', '.join(level_names)}" if level_names else "this ruleset has no levels"
                problem((*here, "expect", "levels", person), f"no level has the name {level!r}; {known}")


def _check_events(case: RuleTest, ids: list[str], here: tuple, problem) -> None:
    first_use: dict[str, int] = {}
    types: dict[str, str] = {}
    for k, (event, event_id) in enumerate(zip(case.events, ids)):
        at = (*here, "events", k)
        if event_id in first_use:
            problem((*at, "id"), f"the id {event_id!r} is already used by events[{first_use[event_id]}] of this case")
        else:
            first_use[event_id] = k
        if event.type == "undo" and event.target is not None:
            target = event.target.id
            if target not in types:
                problem((*at, "target", "id"), f"undo of {target!r}: no earlier event of this case has that id")
            elif types[target] == "undo":
                problem((*at, "target", "id"), f"undo of {target!r}: an undo cannot be undone")
        types.setdefault(event_id, event.type)


def event_index(ref: int | str, ids: list[str]) -> int | None:
    """The 1-based position an expected award's `event` names, or None."""
    if isinstance(ref, int):
        return ref if ref <= len(ids) else None
    return ids.index(ref) + 1 if ref in ids else None

