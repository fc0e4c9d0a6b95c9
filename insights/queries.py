"""Reads the rollups into insights/figures.py's rows: a few grouped, indexed queries per answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, Value, When

from engine.models import Event, Person

from . import figures
from .figures import History, PersonRow, QuestionRow, Window
from .models import ActivityDay, CONTRIBUTION_COLUMNS, COUNT_COLUMNS, ContentStats, HashtagDay

GROUPS = ("channel", "program", "team", "all")
ALL = "all"


@dataclass(frozen=True)
class Scope:
    """Filters: only this channel, programme or (current) team of the person who acted."""

    channel: str | None = None
    program: str | None = None
    team: str | None = None

    def q(self, person: str = "person") -> Q:
        q = Q()
        if self.channel is not None:
            q &= Q(channel=self.channel)
        if self.program is not None:
            q &= Q(program=self.program)
        if self.team is not None:
            q &= Q(**{f"{person}__team": self.team})
        return q

    def as_dict(self) -> dict:
        return {k: v for k, v in (("channel", self.channel), ("program", self.program), ("team", self.team)) if v is not None}


def _group_field(group: str, person: str = "person") -> str | None:
    return {"channel": "channel", "program": "program", "team": f"{person}__team", ALL: None}[group]


def _bucket(windows: list[Window], interval: str | None):
    """An expression giving each row's window index: the stored period column, or a CASE for custom windows."""
    if interval in figures.INTERVALS:
        return F(interval), {w.start: i for i, w in enumerate(windows)}
    whens = [When(day__gte=w.start, day__lt=w.end, then=Value(i)) for i, w in enumerate(windows)]
    return Case(*whens, default=Value(-1), output_field=IntegerField()), None


def _index(value, mapping):
    return mapping.get(value, -1) if mapping is not None else value


def engagement(group: str, windows: list[Window], scope: Scope, interval: str | None = None) -> list[dict]:
    """figures.compute over the rollups, for windows[1:] (windows[0] is the previous period)."""
    field = _group_field(group)
    expr, mapping = _bucket(windows, interval)
    span = Q(day__gte=windows[0].start, day__lt=windows[-1].end) & scope.q()
    keys = ["bucket", "person__key"] + ([field] if field else [])
    rows = (ActivityDay.objects.filter(span).annotate(bucket=expr).values(*keys)
            .annotate(**{f"n_{c}": Sum(c) for c in COUNT_COLUMNS}))
    people = [PersonRow(group=str(r[field]) if field else ALL, window=_index(r["bucket"], mapping), person=r["person__key"],
                        counts={c: r[f"n_{c}"] for c in COUNT_COLUMNS}) for r in rows]

    qfield = _group_field(group, "author")
    q_keys = ["bucket", "occurred_at", "first_answer_at"] + ([qfield] if qfield else [])
    asked = (ContentStats.objects.filter(Q(type="question", removed=False, day__gte=windows[0].start,
                                           day__lt=windows[-1].end) & scope.q("author"))
             .annotate(bucket=expr).values(*q_keys))
    questions = [QuestionRow(group=str(r[qfield]) if qfield else ALL, window=_index(r["bucket"], mapping),
                             seconds_to_first_answer=(r["first_answer_at"] - r["occurred_at"]).total_seconds()
                             if r["first_answer_at"] else None) for r in asked]

    contributed = Q()
    for column in CONTRIBUTION_COLUMNS:
        contributed |= Q(**{f"{column}__gt": 0})
    h_keys = ["person__key"] + ([field] if field else [])
    history = {(str(r[field]) if field else ALL, r["person__key"]): History(r["first_active"], r["first_contribution"])
               for r in ActivityDay.objects.filter(Q(day__lt=windows[-1].end) & scope.q()).values(*h_keys)
               .annotate(first_active=Min("day"), first_contribution=Min("day", filter=contributed))}

    directory = None
    if scope.channel is None and scope.program is None and group in (ALL, "team"):
        people_dir = Person.objects.all() if scope.team is None else Person.objects.filter(team=scope.team)
        if group == ALL:
            directory = {ALL: people_dir.count()}
        else:
            directory = {r["team"]: r["n"] for r in people_dir.values("team").annotate(n=Count("id"))}
    return figures.compute(windows, [p for p in people if p.window >= 0], [q for q in questions if q.window >= 0],
                           history, directory=directory, groups=[ALL] if group == ALL else ())


def top_hashtags(since: date, until: date, scope: Scope, limit: int = 10) -> list[dict]:
    """The most used hashtags in [since, until), with the uses in the same number of days before."""
    previous_start = since - (until - since)
    current = list(HashtagDay.objects.filter(Q(day__gte=since, day__lt=until) & scope.q()).values("tag")
                   .annotate(uses=Sum("uses"), people=Count("person", distinct=True))
                   .filter(uses__gt=0).order_by("-uses", "tag")[:limit])
    before = dict(HashtagDay.objects.filter(Q(day__gte=previous_start, day__lt=since, tag__in=[r["tag"] for r in current])
                                            & scope.q()).values("tag").annotate(uses=Sum("uses")).values_list("tag", "uses"))
    return [{"tag": r["tag"], "uses": r["uses"], "people": r["people"], "previous": before.get(r["tag"], 0),
             "change": r["uses"] - before.get(r["tag"], 0)} for r in current]


def top_posts(since: date, until: date, scope: Scope, limit: int = 10) -> list[dict]:
    """The content with the most responses from others in [since, until), with a short quote.

    Poll votes are listed but not ranked: a poll collects votes by design, and the point of the list is
    the conversation a post started (comments, answers, likes, reshares)."""
    engagement = F("comments") + F("answers") + F("reactions") + F("reshares")
    stats = list(ContentStats.objects.filter(Q(day__gte=since, day__lt=until, removed=False) & scope.q("author"))
                 .annotate(engagement=engagement).filter(engagement__gt=0)
                 .order_by("-engagement", "-comments", "occurred_at", "event_seq").select_related("author")[:limit])
    texts = dict(Event.objects.filter(seq__in=[s.event_seq for s in stats]).values_list("seq", "text"))
    out = []
    for s in stats:
        shown = s.author.public  # people who opted out of public boards are quoted without their name
        out.append({
            "id": s.source_id, "type": s.type, "occurred_at": s.occurred_at.isoformat(), "channel": s.channel,
            "program": s.program, "author": s.author.key if shown else None,
            "author_name": s.author.display_name if shown else None, "team": s.author.team,
            "quote": figures.quote(texts.get(s.event_seq, "")), "engagement": s.engagement, "comments": s.comments,
            "answers": s.answers, "reactions": s.reactions, "reshares": s.reshares, "votes": s.votes,
        })
    return out


def names(keys: set[str]) -> dict[str, str | None]:
    """Display names of these people, None for those who opted out of public boards."""
    return {p.key: (p.display_name if p.public else None) for p in Person.objects.filter(key__in=keys)}
