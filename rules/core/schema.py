"""The YAML ruleset format as pydantic models: types, required keys, unknown keys.

Cross-references (a badge naming an unknown rule, levels out of order...) are checked
in `checks.py`, on the plain data, so they are reported even when these models refuse it.
The `description`s here also end up in the JSON Schema editors use (`jsonschema.py`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, PrivateAttr, StrictBool, StrictInt,
                      field_validator, model_validator)

from .ruletests_schema import RuleTest
from .texts import DEFAULT_LANGUAGE, LANGUAGE_TAG, TIER_FIELDS, TRANSLATABLE, pick

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
LanguageTag = Annotated[str, Field(pattern=LANGUAGE_TAG.pattern, max_length=35)]
MAX_LANGUAGES = 50


def _texts_check(max_chars: int | None, min_chars: int):
    def check(value: Any) -> Any:
        if isinstance(value, str):
            if not min_chars <= len(value) <= (max_chars or len(value)):
                raise ValueError(f"write {min_chars} to {max_chars} characters" if max_chars else "write a text")
            return value
        if isinstance(value, dict) and value:
            if len(value) > MAX_LANGUAGES:
                raise ValueError(f"at most {MAX_LANGUAGES} languages")
            for tag, text in value.items():
                if not isinstance(tag, str) or len(tag) > 35 or not LANGUAGE_TAG.match(tag):
                    raise ValueError(f"{tag!r} is not a language tag; write a BCP 47 tag like en, de or de-AT")
                if not isinstance(text, str) or not min_chars <= len(text) <= (max_chars or len(text)):
                    limit = f"{min_chars} to {max_chars} characters" if max_chars else "a text"
                    raise ValueError(f"the {tag} text must be {limit}")
            return dict(value)
        raise ValueError("write a text, or one per language: `{en: Helper, de: Helfer}`")
    return check


# A text shown to people: one string in the ruleset's default language, or one per language
# (`name: {en: Helper, de: Helfer}`); rules/core/texts.py picks one for a reader.
TranslatedName = Annotated[Any, PlainValidator(_texts_check(200, 1), json_schema_input_type=Name | dict[LanguageTag, Name])]
TranslatedText = Annotated[Any, PlainValidator(_texts_check(None, 0), json_schema_input_type=str | dict[LanguageTag, str])]


def _as_list(value: Any) -> Any:
    """YAML authors write `type: post` as often as `type: [post, comment]`."""
    if value is None or isinstance(value, list):
        return value
    return [value]


def _as_moment(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("write a date (2026-12-01) or a time with an offset (2026-12-01T09:00:00+01:00)") from None
    raise ValueError("write a date (2026-12-01) or a time with an offset (2026-12-01T09:00:00+01:00)")


Text = Annotated[str, Field(min_length=1, max_length=200)]
_IMAGE = re.compile(r"(?:https?://[^\x00-\x20\x7f/?#\\@]+|/(?![/\\]))[^\x00-\x20\x7f\\]{0,2000}", re.ASCII | re.IGNORECASE)
# json_schema_input_type: the JSON Schema shows what authors may write (one value or a list),
# not the list the validator turns it into.
Strings = Annotated[list[Text], BeforeValidator(_as_list, json_schema_input_type=Text | list[Text])]
Moment = Annotated[date | datetime, BeforeValidator(_as_moment, json_schema_input_type=date | datetime)]
Points = Annotated[StrictInt, Field(ge=-1_000_000, le=1_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Translatable(Strict):
    """A part with texts in several languages: after validation each such field holds the default
    language's text, and the mapping as written is kept aside for rules/core/texts.py."""

    _texts: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)

    def _settle_texts(self, fields: tuple[str, ...], default_language: str) -> None:
        for field in fields:
            value = getattr(self, field, None)
            if isinstance(value, dict):
                self._texts[field] = dict(value)
                # frozen models: the field is settled once, right after validation
                object.__setattr__(self, field, pick(value, default_language, default_language))


class Between(Strict):
    """A time window: `from` inclusive, `until` exclusive; a date is midnight in the ruleset's timezone."""

    from_: Moment | None = Field(default=None, alias="from", description="Start, inclusive: a date or a time.")
    until: Moment | None = Field(default=None, description="End, exclusive: a date or a time; after `from`.")

    @model_validator(mode="after")
    def _one_bound(self):
        if self.from_ is None and self.until is None:
            raise ValueError("between needs `from`, `until` or both")
        return self


class Condition(Strict):
    """Every condition given must hold; an empty mapping holds for every event."""

    type: Strings | None = Field(default=None, description="The event type is one of these.")
    channel: Strings | None = Field(default=None, description="The event's channel is one of these.")
    program: Strings | None = Field(default=None, description="The event's program is one of these.")
    hashtags_any: Strings | None = Field(default=None, description="The event has at least one of these hashtags (any case, `#` optional).")
    hashtags_all: Strings | None = Field(default=None, description="The event has all of these hashtags.")
    mentions_any: Strings | None = Field(default=None, description="The event mentions at least one of these person ids.")
    not_self: bool | None = Field(default=None, description="true: the actor is not the target's author.")
    text_min_length: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="The trimmed text has at least this many characters.")
    between: Between | None = None
    expr: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None, description="A CEL expression over `event`, e.g. event.attributes.score >= 80.")


class Award(Strict):
    to: Literal["actor", "target_author", "mentioned"] = Field(description="Who receives the points.")
    points: Points = Field(description="Whole points; negative is allowed.")


class Limit(Strict):
    """At most `max` awards per recipient and period give points; later ones are capped at 0."""

    # 0 passes the shape so the checks can say why it is refused; editors flag it already.
    max: Annotated[StrictInt, Field(ge=0)] = Field(description="Awards per recipient and period that give points; at least 1.",
                                                   json_schema_extra={"minimum": 1})
    per: Literal["day", "week", "month", "ever"] = Field(description="The period, in the ruleset's timezone.")


class Rule(Strict):
    id: Id = Field(description="Unique among rules and streaks: lower-case letters, digits and dashes.")
    description: str | None = None
    explain: TranslatedText | None = Field(
        default=None, description="For employees, on the Ways to earn page: a text, or one per language ({en: ..., de: ...}); `description` stays an admin note.")
    when: Condition = Field(default_factory=Condition, description="Which events the rule fires on; every event when left out.")
    award: Annotated[list[Award], BeforeValidator(_as_list, json_schema_input_type=Award | list[Award]),
                     Field(min_length=1)] = Field(description="One award or a list, at most one per `to`.")
    limit: Limit | None = None
    once_per: Literal["target"] | None = Field(
        default=None, description="target: a recipient scores this rule at most once per target id, even after an undo.")

    @field_validator("award")
    @classmethod
    def _one_award_per_recipient_kind(cls, awards: list[Award]) -> list[Award]:
        kinds = [a.to for a in awards]
        for kind in set(kinds):
            if kinds.count(kind) > 1:
                raise ValueError(f"two awards go `to: {kind}`; add their points into one award")
        return awards


class Boost(Strict):
    id: Id
    description: str | None = None
    when: Condition = Field(default_factory=Condition, description="Events whose awards are multiplied.")
    factor: Annotated[float, Field(gt=0, le=100)] = Field(description="Multiplies the points of every award of the event.")


class StreakBonus(Strict):
    length: Annotated[StrictInt, Field(ge=1, le=10_000)] = Field(description="Consecutive days or weeks that earn the bonus.")
    points: Points


class Streak(Strict):
    """Consecutive days or ISO weeks in which the person was the actor of an event meeting `when`."""

    id: Id = Field(description="Unique among rules and streaks; the rule id of the bonus awards.")
    description: str | None = None
    explain: TranslatedText | None = Field(
        default=None, description="For employees, on the Ways to earn page: a text, or one per language ({en: ..., de: ...}); `description` stays an admin note.")
    when: Condition = Field(default_factory=Condition, description="Which of the actor's events keep the streak going.")
    per: Literal["day", "week"] = Field(description="Count consecutive days or ISO weeks (ruleset timezone).")
    bonus: list[StreakBonus] = Field(default=[], description="Points given when the streak reaches each length.")


class Level(Translatable):
    name: TranslatedName
    min_points: StrictInt = Field(description="All-time points needed; the first level has 0, then ascending.")


class Criteria(Strict):
    """Exactly one of `rule`, `event`, `received`, `points` or `streak`."""

    rule: Id | None = Field(default=None, description="Counts the person's awards from this rule.")
    event: Condition | None = Field(default=None, description="Counts events with the person as actor that meet this.")
    received: Condition | None = Field(
        default=None, description="Counts events that mention the person (not as their actor) and meet this, e.g. kudos received.")
    points: StrictInt | None = Field(default=None, description="The person's all-time points.")
    streak: Id | None = Field(default=None, description="The person's current length of this streak.")
    count: Annotated[StrictInt, Field(ge=1)] = Field(default=1, description="The threshold for rule, event, received and streak criteria.")

    @model_validator(mode="after")
    def _exactly_one_kind(self):
        given = [k for k in ("rule", "event", "received", "points", "streak") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("criteria need exactly one of `rule`, `event`, `received`, `points` or `streak`")
        return self


class Tier(Translatable):
    name: TranslatedName
    count: Annotated[StrictInt, Field(ge=1)] | None = Field(default=None, description="The threshold of rule, event and streak badges.")
    points: StrictInt | None = Field(default=None, description="The threshold of points badges.")


class Badge(Translatable):
    id: Id
    name: TranslatedName
    description: TranslatedText | None = None
    explain: TranslatedText | None = Field(
        default=None, description="For employees, on the Ways to earn page: a text, or one per language ({en: ..., de: ...}); `description` stays an admin note.")
    image: str | None = Field(default=None, description="A URL or path of the badge's image; a generated SVG when left out.")
    secret: bool = Field(default=False, description="true: hidden from the catalog, and from people's unearned badges, until someone holds it.")
    available: Between | None = Field(
        default=None, description="Only events in this window (from inclusive, until exclusive) can grant the badge.")
    valid_for_days: Annotated[StrictInt, Field(ge=1, le=36_500)] | None = Field(
        default=None, description="A grant is shown as expired this many days after the event that earned it.")
    criteria: Criteria | None = Field(
        default=None, description="What earns the badge; left out for a badge only a challenge's reward (or an admin) gives.")
    tiers: Annotated[list[Tier], Field(min_length=1)] | None = Field(
        default=None, description="Ascending thresholds, each granted once; replaces `criteria.count`.")

    @field_validator("image")
    @classmethod
    def _image_is_a_web_address(cls, image: str | None) -> str | None:
        # The image is published in pages and Open Badges data: a javascript: or data: URL there runs
        # or shows whatever it holds, so only web addresses and the site's own paths are taken.
        if image is not None and not _IMAGE.fullmatch(image):
            raise ValueError("give an https:// (or http://) URL or a path on this site starting with /, "
                             "without spaces; other schemes (javascript:, data:) are not allowed")
        return image


class Leaderboard(Translatable):
    id: Id
    name: TranslatedName | None = None
    period: Literal["day", "week", "month", "all", "season"] = Field(
        default="all", description="Sums points of events in this period; `season` uses the ruleset's `seasons`.")
    scope: Literal["channel", "team", "program"] | None = Field(default=None, description="One board per value of this.")
    rules: Annotated[list[Id], BeforeValidator(_as_list, json_schema_input_type=Id | list[Id])] | None = Field(
        default=None, description="Only these rules' (and streaks') points count; every rule when left out.")
    aggregate: Literal["team"] | None = Field(default=None, description="Rank teams instead of people.")
    rank_by: Literal["total", "per_member"] = Field(
        default="total", description="With `aggregate: team`: a team's total, or its points per member.")
    exclude_roles: Annotated[list[Name], BeforeValidator(_as_list, json_schema_input_type=Name | list[Name])] | None = Field(
        default=None, description="People with these roles (set by an admin) are kept off this board.")


class Season(Translatable):
    """A named stretch of time with boards of its own, kept as an archive once it ends."""

    id: Id
    name: TranslatedName | None = None
    from_: date = Field(alias="from", description="The first day (midnight in the ruleset's timezone).")
    until: date = Field(description="The day after the last (exclusive).")


class Notification(Strict):
    on: Literal["badge_awarded", "level_up", "leaderboard_top", "digest"]
    to: Name | None = None
    template: Name | None = None
    schedule: str | None = None
    board: Id | None = None
    top: Annotated[StrictInt, Field(ge=1, le=100)] | None = None


class KudosAllowance(Strict):
    """How many kudos one person may give per calendar period; a kudos to 3 people uses 3."""

    amount: Annotated[StrictInt, Field(ge=1, le=100_000)] = Field(description="Kudos a person may give per period; at least 1.")
    per: Literal["day", "week", "month"] = Field(description="The period, a calendar day, ISO week or month in the ruleset's timezone.")


class KudosPerReceiver(Strict):
    """At most `max` kudos from one giver to one receiver per period."""

    max: Annotated[StrictInt, Field(ge=1, le=100_000)] = Field(description="Kudos one giver may give one receiver per period.")
    per: Literal["day", "week", "month"] = Field(description="The period, in the ruleset's timezone.")


class Kudos(Strict):
    """Peer recognition: who may give how many kudos, and the company values they may name."""

    allowance: KudosAllowance = Field(description="Kudos a person may give per period; checked when given, not when scored.")
    per_receiver: KudosPerReceiver | None = Field(default=None, description="At most this many kudos from one giver to one receiver per period.")
    values: Annotated[list[Text], Field(max_length=200)] | None = Field(
        default=None, description="The company values (hashtags, any case, `#` optional); a kudos naming another hashtag is refused.")
    require_value: bool = Field(default=False, description="true: a kudos must name at least one of `values`.")


class ChallengeGoal(Strict):
    """Exactly one of `rule`, `event` or `points`: what a participant's progress counts."""

    rule: Id | None = Field(default=None, description="Counts the participant's uncapped awards from this rule.")
    event: Condition | None = Field(default=None, description="Counts events with the participant as actor that meet this.")
    points: StrictInt | None = Field(default=None, description="Counts the points the participant earns in the window; the goal is this many.")
    count: StrictInt = Field(default=1, description="The goal of rule and event goals: this many awards or events.")

    @model_validator(mode="after")
    def _exactly_one_kind(self):
        given = [k for k in ("rule", "event", "points") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a goal needs exactly one of `rule`, `event` or `points`")
        return self


class ChallengeReward(Strict):
    points: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = Field(
        default=None, description="Points given to each rewarded person, in the ledger under the rule id `challenge:<id>`.")
    badge: Id | None = Field(default=None, description="A badge declared under `badges:` (its criteria may be left out).")


class ChallengeAnnounce(Strict):
    to: Name = Field(description="The channel id (as in PUT /channels/{id}) the announcements go to.")
    at: Annotated[list[Literal["start", "halfway", "last_day", "end"]],
                  BeforeValidator(_as_list, json_schema_input_type=str | list[str])] = Field(
        default=["start", "end"], description="When: start, halfway, last_day, end.")


class Challenge(Strict):
    """A dated goal: the first `winners` to reach it win the reward (every member who counted, for teams)."""

    id: Id = Field(description="Unique among challenges; the reward's rule id is `challenge:<id>`.")
    name: Name
    description: str | None = Field(default=None, max_length=2000)
    starts: date = Field(description="The first day, midnight in the ruleset's timezone.")
    ends: date = Field(description="The day after the last (exclusive), midnight in the ruleset's timezone.")
    kind: Literal["individual", "team", "collective"] = Field(
        default="individual", description="individual: each person; team: each team (Person.team); collective: everyone towards one goal.")
    goal: ChallengeGoal
    when: Condition | None = Field(default=None, description="An extra condition on the events that count.")
    winners: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="The first N to reach the goal win; every participant who reaches it when left out. Not for collective.")
    reward: ChallengeReward | None = None
    announce: ChallengeAnnounce | None = None


class Privacy(Strict):
    """Works-council mode: whether named people are ranked, and how small a group may be and still be shown."""

    individual_ranking: StrictBool = Field(
        default=True, description="false: no page, API answer, CSV, notification or digest ranks or compares named "
                                  "people; boards of people answer 403 `individual_ranking_off`, boards of teams remain.")
    min_group_size: Annotated[StrictInt, Field(ge=1, le=10_000)] = Field(
        default=1, description="Boards of teams and insights show only groups of at least this many people; "
                               "smaller groups are left out.")


class PromptReward(Strict):
    """The rule that rewards replies in the prompt's thread (its `when` matches `event.attributes.prompt`)."""

    rule: Id = Field(description="The id of a rule in `rules:`.")


class Prompt(Strict):
    """A topic prompt: posted to a Slack channel by the app's bot on a schedule; replies in its thread carry
    `attributes.prompt` (this id), so rules can reward them."""

    id: Id = Field(description="Unique among prompts; replies carry it as `attributes.prompt`.")
    schedule: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Cron with five fields (names allowed), in the ruleset's timezone, e.g. \"0 9 * * MON\".")
    to: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s<>]+$")] = Field(
        description="The Slack channel id (C0123ABCD) the installed bot posts to.")
    text: Annotated[str, Field(min_length=1, max_length=3000)] = Field(description="The message, in Slack's mrkdwn.")
    reward: PromptReward | None = Field(default=None, description="The rule that rewards replies (documentation and checks).")


class Nudges(Strict):
    """Direct messages in Slack that ask people to take part; only to people who opted in, at most one a week."""

    unanswered_question: StrictBool = Field(
        default=True, description="Nudge a person mentioned in a question that has had no answer or comment for a day.")
    quiet_weeks: Annotated[StrictInt, Field(ge=1, le=52)] | None = Field(
        default=None, description="Nudge people active in a programme who have not posted in it for this many whole weeks; "
                                  "off when left out.")
    allow_in_works_council: StrictBool = Field(
        default=False, description="true: `quiet_weeks` nudges are sent even with `privacy: {individual_ranking: false}`.")


class RulesetDoc(Strict):
    ruleset: Id = Field(description="The ruleset's name.")
    description: str | None = None
    language: LanguageTag = Field(
        default=DEFAULT_LANGUAGE,
        description="The default language (a BCP 47 tag: en, de, de-AT) of the names and descriptions; "
                    "a name written per language (`name: {en: Helper, de: Helfer}`) must have it.")
    timezone: str = Field(default="UTC", description="IANA zone (Europe/Berlin) in which days, weeks and months are counted.")
    levels: list[Level] = []
    rules: list[Rule] = []
    streaks: list[Streak] = []
    boosts: list[Boost] = []
    badges: list[Badge] = []
    leaderboards: list[Leaderboard] = []
    seasons: list[Season] = []
    notifications: list[Notification] = []
    kudos: Kudos | None = Field(default=None, description="Peer recognition (kudos): allowance, values; no kudos can be given without it.")
    challenges: list[Challenge] = Field(default=[], description="Dated goals with winners and rewards (contract section 8).")
    privacy: Privacy = Field(default_factory=Privacy, description="Works-council mode: individual rankings on or off, "
                                                                   "the smallest group shown.")
    prompts: list[Prompt] = Field(default=[], description="Topic prompts the Slack app posts on a schedule.")
    nudges: Nudges | None = Field(default=None, description="Direct messages asking opted-in people to take part; none when left out.")
    tests: list[RuleTest] = []  # test cases, run by ruletests.run_tests

    @model_validator(mode="after")
    def _settle_texts(self) -> "RulesetDoc":
        """Names written per language keep the default language's text in the field (checks.py reports
        a mapping without the default language)."""
        for section, fields in TRANSLATABLE.items():
            for part in getattr(self, section):
                part._settle_texts(fields, self.language)
                for tier in getattr(part, "tiers", None) or ():
                    tier._settle_texts(TIER_FIELDS, self.language)
        return self
