"""Nudges: a direct message in Slack asking one person to take part. Opt-in, at most one a week.

Two kinds, both switched on in the ruleset's `nudges:` section (no section: no nudges at all):

- `unanswered_question`: a person mentioned in a `question` that has had no `answer` or `comment`
  for a day is asked whether they can help;
- `quiet_weeks: N`: a person active in a programme (reactions, views, courses: the insights'
  weekly rollups, insights.models.ActivityWeek) who has not written anything in it for the last N
  whole weeks is invited to share something. It singles people out by what they did, so
  works-council mode (`privacy: {individual_ranking: false}`) turns it off unless
  `allow_in_works_council: true`.

Only people who switched nudges on (NudgeSetting, off by default) and are known to Slack get one.
The relay calls `run_due_nudges` every round; once a day, from NUDGE_HOUR in the ruleset's
timezone, a NudgeRun row (unique per day) lets one relay work the day out. Each nudge is a Nudge
row, unique per person and ISO week, inserted before the message is sent: a second nudge in the
same week cannot be stored, whichever relay tries. Every message has a "Stop these messages"
button (action_id `stop_nudges`, handled in interactivity.py). People switch nudges on and off
themselves on their preferences page (/me/preferences). A message is written in the person's
language (their `locale`, when Plaudit speaks it; else the default language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from base.languages import speaking
from base.models import Event, Person, PersonAlias
from insights.models import ActivityWeek
from rulesets.active import active_ruleset

from ...models import Nudge, NudgeRun, NudgeSetting
from .blocks import escape
from .workspaces import bot_client

log = logging.getLogger(__name__)

NUDGE_HOUR = 10  # local time: nudges go out in working hours, not at midnight
ANSWER_WAIT = timedelta(days=1)
QUESTION_WINDOW = timedelta(days=7)  # older unanswered questions are not worth a message any more
MAX_QUESTIONS = 2000
QUOTE_CHARS = 200
STOP_ACTION = "stop_nudges"


def do_set_nudges(person: Person, enabled: bool) -> None:
    """Switch a person's nudges on (the opt-in) or off (the stop button, or PATCH /people/{id})."""
    NudgeSetting.objects.update_or_create(person=person, defaults={"enabled": enabled})


def nudges_enabled(person: Person) -> bool:
    return NudgeSetting.objects.filter(person=person, enabled=True).exists()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def run_due_nudges(now: datetime | None = None) -> list[Nudge]:
    """Once a day from NUDGE_HOUR (ruleset timezone): work out who to nudge and message them."""
    now = now or timezone.now()
    ruleset, _ = active_ruleset()
    if ruleset is None or ruleset.doc.nudges is None:
        return []
    local = now.astimezone(ruleset.tz)
    if local.hour < NUDGE_HOUR:
        return []
    try:
        with transaction.atomic():
            NudgeRun.objects.create(day=local.date())
    except IntegrityError:
        return []  # today's run happened (here or in another relay)
    return send_nudges(ruleset, now)


def send_nudges(ruleset, now: datetime) -> list[Nudge]:
    settings = ruleset.doc.nudges
    opted_in = {key: (pk, locale) for key, pk, locale in
                Person.objects.filter(nudge_setting__enabled=True, active=True).values_list("key", "pk", "locale")}
    if not opted_in:
        return []
    candidates: dict[str, tuple[str, str, Words]] = {}  # person key -> (kind, about, its words)
    if settings.unanswered_question:
        for key, found in _unanswered(now, set(opted_in)).items():
            candidates.setdefault(key, found)
    if settings.quiet_weeks and (ruleset.ranks_people or settings.allow_in_works_council):
        for key, found in _quiet(now.astimezone(ruleset.tz).date(), settings.quiet_weeks, set(opted_in)).items():
            candidates.setdefault(key, found)
    week = monday(now.astimezone(ruleset.tz).date())
    sent = []
    for key, (kind, about, words) in sorted(candidates.items()):
        pk, locale = opted_in[key]
        alias = PersonAlias.objects.filter(person_id=pk, source="slack").order_by("pk").first()
        if alias is None or ":" not in alias.external_id:
            continue  # not known to Slack: no way to message them
        try:
            with transaction.atomic():  # the weekly bound: the unique (person, week) refuses a second one
                nudge = Nudge.objects.create(person_id=pk, week=week, kind=kind, about=about[:200], sent_at=now)
        except IntegrityError:
            continue
        with speaking(locale):
            _send(nudge, alias.external_id, words())
        sent.append(nudge)
    return sent


Words = Callable[[], str]  # a nudge's text, written when called, in the language active then


def _unanswered(now: datetime, people: set[str]) -> dict[str, tuple[str, str, Words]]:
    questions = (Event.objects.filter(type="question", occurred_at__gte=now - QUESTION_WINDOW - ANSWER_WAIT,
                                      occurred_at__lt=now - ANSWER_WAIT)
                 .select_related("actor").order_by("occurred_at")[:MAX_QUESTIONS])
    found: dict[str, tuple[str, str, Words]] = {}
    for q in questions:
        asked = [m for m in q.mentions if isinstance(m, str) and m in people and m != q.actor.key and m not in found]
        if not asked or Event.objects.filter(target_id=q.source_id, type__in=("answer", "comment")).exists():
            continue
        quote = " ".join(q.text.split())
        quote = quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
        for key in asked:
            found[key] = ("unanswered_question", q.source_id, _question_words(escape(q.actor.display_name), escape(quote)))
    return found


def _quiet(today: date, weeks: int, people: set[str]) -> dict[str, tuple[str, str, str]]:
    """People active in a programme during the last `weeks` whole weeks who wrote nothing there in that time."""
    last = monday(today) - timedelta(days=7)
    first = last - timedelta(days=7 * (weeks - 1))
    rows = (ActivityWeek.objects.filter(start__gte=first, start__lte=last, person__key__in=people).exclude(program="")
            .values("person__key", "program").annotate(total=Sum("total"), contributions=Sum("contributions"))
            .order_by("person__key", "program"))
    found: dict[str, tuple[str, str, Words]] = {}
    for row in rows:
        if row["total"] and not row["contributions"] and row["person__key"] not in found:
            found[row["person__key"]] = ("quiet", row["program"], _quiet_words(escape(row["program"]), weeks))
    return found


def _question_words(asker: str, quote: str) -> Words:
    def words() -> str:
        if quote:
            return gettext("%(name)s asked you a question that has had no answer for a day: _%(quote)s_ Can you help?") \
                % {"name": asker, "quote": quote}
        return gettext("%(name)s asked you a question that has had no answer for a day. Can you help?") % {"name": asker}
    return words


def _quiet_words(program: str, weeks: int) -> Words:
    def words() -> str:
        return ngettext("You have been following *%(program)s* for %(n)s week without posting there. What is one thing "
                        "you learned? Others would like to hear it.",
                        "You have been following *%(program)s* for %(n)s weeks without posting there. What is one thing "
                        "you learned? Others would like to hear it.", weeks) % {"program": program, "n": weeks}
    return words


def nudge_blocks(text: str) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=text[:3000])).to_dict(),
            ActionsBlock(elements=[ButtonElement(text=gettext("Stop these messages"), action_id=STOP_ACTION, value="stop")]).to_dict()]


def _send(nudge: Nudge, external_id: str, text: str) -> None:
    team, user = external_id.split(":", 1)
    slack = bot_client(team)
    error, channel, ts = "", "", ""
    if slack is None:
        error = f"the Slack app is not installed in workspace {team}"
    else:
        try:
            answer = slack.chat_postMessage(channel=user, text=text[:3000], blocks=nudge_blocks(text))
            channel, ts = str(answer.get("channel") or ""), str(answer.get("ts") or "")
        except SlackApiError as exc:
            error = f"Slack answered {exc.response.get('error')!r}"
        except (SlackClientError, OSError) as exc:  # OSError: urllib's URLError, a refused connection
            error = f"Slack could not be reached: {type(exc).__name__}"
    if error:
        log.warning("nudge to %s not sent: %s", external_id, error)
    Nudge.objects.filter(pk=nudge.pk).update(channel=channel[:64], ts=ts[:32], error=error[:300])
