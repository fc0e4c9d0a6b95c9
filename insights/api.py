"""GET /insights/integrity: reciprocal rings for admins to review, with the evidence. Never penalises anyone.
GET /insights/engagement and /insights/report: engagement figures for learning leaders (insights/reports.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone as dt_timezone
from typing import Literal

from django.http import HttpResponse

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from base.schemas import IsoDate
from ninja import Query, Router

from base import auth
from base.errors import Invalid
from base.models import Award
from rulesets.active import active_ruleset
from rules.core.periods import midnight

from . import kudos, reports
from .integrity import MAX_GROUP, Flow, Ring, find_rings
from .queries import Scope

router = Router(tags=["insights"])

MAX_DAYS = 366
MAX_RINGS = 50  # listed at most, best first; `rings_found` says how many there were
EXAMPLES = 5


def window(since: date | None, until: date | None, tz) -> tuple[date, date, datetime, datetime]:
    """The dates and their midnights in `tz`; by default the last 30 days up to and including today."""
    try:
        until = until or datetime.now(tz).date() + timedelta(days=1)
        since = since or until - timedelta(days=30)
        start, end = (midnight(day, tz).astimezone(dt_timezone.utc) for day in (since, until))
    except OverflowError:
        raise Invalid("invalid_range", "`from` and `until` must be dates from 0001-01-02 to 9999-12-31") from None
    if since >= until:
        raise Invalid("invalid_range", f"`from` ({since}) must be before `until` ({until}); `until` is exclusive")
    if (until - since).days > MAX_DAYS:
        raise Invalid("invalid_range", f"look at most {MAX_DAYS} days at a time; "
                                      f"{since}..{until} is {(until - since).days} days")
    return since, until, start, end


def counted_awards(start: datetime, end: datetime):
    """Awards that count as one person giving points to another: positive, not a compensation, not undone,
    not to the event's own actor, for events that occurred in [start, end)."""
    undone = Award.objects.filter(reverses_event=OuterRef("event"), rule_id=OuterRef("rule_id"),
                                  recipient=OuterRef("recipient"))
    return (Award.objects.filter(points__gt=0, reverses_event__isnull=True,
                                 event__occurred_at__gte=start, event__occurred_at__lt=end)
            .exclude(recipient=F("event__actor")).filter(~Exists(undone)))


@router.get("/insights/integrity", auth=auth.admin, response=dict,
            summary="Reciprocal rings: pairs or small groups whose points mostly come from each other")
def integrity(request, from_: IsoDate | None = Query(None, alias="from"), until: IsoDate | None = None,
              min_share: float = Query(0.5, ge=0, le=1), min_awards: int = Query(5, ge=1, le=1_000_000)):
    """Lists rings with the evidence for an admin to review; nothing is penalised automatically."""
    ruleset, _ = active_ruleset()
    tz = ruleset.tz if ruleset else dt_timezone.utc
    since, until, start, end = window(from_, until, tz)
    awards = counted_awards(start, end)

    pairs = awards.values("event__actor__key", "recipient__key").annotate(points=Sum("points"), n=Count("id"))
    flows = (Flow(row["event__actor__key"], row["recipient__key"], row["points"], row["n"]) for row in pairs)
    result = find_rings(flows, min_share=min_share, min_awards=min_awards)
    rings = result.rings[:MAX_RINGS]
    return {
        "window": {"from": since.isoformat(), "until": until.isoformat(), "timezone": str(tz)},
        "thresholds": {"min_share": min_share, "min_awards": min_awards, "max_group_size": MAX_GROUP},
        "complete": result.complete,
        "rings_found": len(result.rings),
        "rings": _with_evidence(awards, rings),
    }


def _with_evidence(awards, rings: list[Ring]) -> list[dict]:
    if not rings:
        return []
    people = {m for ring in rings for m in ring.members}
    details: dict[tuple[str, str], dict] = {}
    rows = (awards.filter(event__actor__key__in=people, recipient__key__in=people)
            .values("event__actor__key", "recipient__key", "rule_id")
            .annotate(n=Count("id"), first=Min("event__occurred_at"), last=Max("event__occurred_at")))
    for row in rows:
        d = details.setdefault((row["event__actor__key"], row["recipient__key"]), {"rules": {}, "first": None, "last": None})
        d["rules"][row["rule_id"]] = row["n"]
        d["first"] = min(filter(None, (d["first"], row["first"])))
        d["last"] = max(filter(None, (d["last"], row["last"])))
    out = []
    for ring in rings:
        evidence = []
        for f in sorted(ring.flows, key=lambda f: (-f.points, f.giver, f.receiver)):
            d = details[(f.giver, f.receiver)]
            evidence.append({"from": f.giver, "to": f.receiver, "points": f.points, "awards": f.awards,
                             "rules": dict(sorted(d["rules"].items(), key=lambda kv: (-kv[1], kv[0]))),
                             "first": d["first"], "last": d["last"]})
        within = Q()
        for f in ring.flows:
            within |= Q(event__actor__key=f.giver, recipient__key=f.receiver)
        examples: list[str] = []
        for source_id in (awards.filter(within).order_by("-event__occurred_at", "-event_id")
                          .values_list("event__source_id", flat=True)[:EXAMPLES * 4]):
            if source_id not in examples:
                examples.append(source_id)
        out.append({"members": list(ring.members), "size": len(ring.members), "points_within": ring.points_within,
                    "points_received_total": ring.points_received_total, "share": round(ring.share, 2),
                    "member_shares": {m: round(s, 2) for m, s in sorted(ring.member_shares.items())},
                    "awards_within": ring.awards_within, "evidence": evidence, "example_events": examples[:EXAMPLES]})
    return out



@router.get("/insights/engagement", auth=auth.reader, response=dict,
            summary="Engagement per channel, programme, team or all, per day, week or month, with the previous period")
def engagement(request, from_: date | None = Query(None, alias="from"), until: date | None = None,
               group: Literal["channel", "program", "team", "all"] = "all",
               interval: Literal["day", "week", "month"] = "week",
               channel: str | None = Query(None, max_length=200), program: str | None = Query(None, max_length=200),
               team: str | None = Query(None, max_length=100), format: Literal["json", "csv"] | None = None,
               table: Literal["engagement", "hashtags", "top_posts"] = "engagement"):
    """Periods are whole days, ISO weeks or months in the ruleset's timezone; `until` is exclusive.
    `format=csv` (or `Accept: text/csv`) answers one table as CSV: `table=engagement|hashtags|top_posts`."""
    answer = reports.engagement(group, interval, from_, until, Scope(channel=channel, program=program, team=team))
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("Accept", ""))
    if not wants_csv:
        return answer
    response = HttpResponse(reports.to_csv(answer, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.csv_filename(answer, table)}"'
    return response


@router.get("/insights/report", auth=auth.reader, response=dict,
            summary="A class, programme or portfolio report: headline figures, weekly trend, breakdown, hashtags, quotes")
def report(request, level: Literal["class", "program", "portfolio"] = "portfolio",
           from_: date | None = Query(None, alias="from"), until: date | None = None,
           channel: str | None = Query(None, max_length=200), program: str | None = Query(None, max_length=200)):
    """The JSON behind the printable page at /insights/report; by default the last 28 days."""
    return reports.report(level, from_, until, channel=channel, program=program)


@router.get("/insights/kudos", auth=auth.admin, response=dict,
            summary="Kudos per company value, per team (given, received, between teams), givers and receivers per period")
def kudos_figures(request, from_: date | None = Query(None, alias="from"), until: date | None = None,
                  interval: Literal["day", "week", "month"] = "week"):
    """Periods are whole days, ISO weeks or months in the ruleset's timezone; `until` is exclusive; by default
    the last 28 days. Undone kudos are left out; nobody is named."""
    return kudos.kudos_insights(interval, from_, until)
