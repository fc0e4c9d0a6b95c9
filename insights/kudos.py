"""Kudos as a dimension of insights: per company value, per team (given, received, between teams), and
givers and receivers per period, read from the stored kudos events (type `kudos`: actor = giver,
mentions = receivers, hashtags = values).

Undone kudos (an `undo` event naming one) count as if never given, as undone events do in every
other figure. Teams are the directory's current teams, as in the engagement figures. Nobody is named:
every figure is a count, so people who opted out of public boards are counted and never shown.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone as dt_timezone

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from base.models import Event, Person
from rules.core.periods import midnight
from rulesets.active import active_ruleset

from . import figures
from .reports import Privacy, check_range
from .rollup import rollup_timezone

KUDOS = "kudos"
LOOKUP_CHUNK = 500   # receiver keys per directory query (SQLite bounds a statement's parameters)
MAX_FLOWS = 50       # team pairs listed at most, busiest first
DEFAULT_DAYS = 28


@dataclass
class _Tally:
    kudos: int = 0
    receipts: int = 0
    givers: set = field(default_factory=set)
    receivers: set = field(default_factory=set)

    def add(self, giver, receivers: list) -> None:
        self.kudos += 1
        self.receipts += len(receivers)
        self.givers.add(giver)
        self.receivers.update(receivers)

    def figures(self) -> dict:
        return {"kudos": self.kudos, "receipts": self.receipts, "givers": len(self.givers),
                "receivers": len(self.receivers)}


def _kudos(start: date, end: date, tz):
    """The kudos that occurred in [start, end) (local days), without the undone ones."""
    since, until = (midnight(day, tz).astimezone(dt_timezone.utc) for day in (start, end))
    undone = Event.objects.filter(type="undo", target_id=OuterRef("source_id"))
    return Event.objects.filter(type=KUDOS, occurred_at__gte=since, occurred_at__lt=until).filter(~Exists(undone))


def _values(hashtags) -> frozenset[str]:
    return frozenset(str(v).casefold().lstrip("#") for v in hashtags or []) - {""}


class _Decoded(dict):
    """Stored JSON text -> what it says, each distinct text decoded once: a range's kudos name the same few
    values and often the same receivers, and decoding every row's JSON took longer than the query."""

    def __init__(self, read):
        super().__init__()
        self.read = read

    def __missing__(self, raw):
        decoded = self[raw] = self.read(json.loads(raw) if isinstance(raw, str) else raw)
        return decoded


def _receivers(mentions) -> tuple[str, ...]:
    if mentions and len(mentions) == 1:  # most kudos thank one person
        return (str(mentions[0]),)
    return tuple(dict.fromkeys(str(m) for m in mentions or []))


def _rows(queryset) -> list[tuple]:
    """The queryset's rows as the database gives them: JSON columns stay text (Django's own reading of them
    decodes each one, and costs a third of the kudos figures)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _events(tz, windows: list) -> list[tuple]:
    """(window index, giver id, giver's team, receiver keys, values) of the kudos in the windows. The
    database places each kudos in its window (local midnights as instants), so no row's time is read back."""
    # The latest window first: the first whose start a kudos is at or after holds it.
    window = Case(*[When(occurred_at__gte=midnight(w.start, tz).astimezone(dt_timezone.utc), then=Value(i))
                    for i, w in reversed(list(enumerate(windows)))], default=Value(-1), output_field=IntegerField())
    rows = (_kudos(windows[0].start, windows[-1].end, tz).annotate(window=window)
            .values_list("window", "actor_id", "actor__team", "mentions", "hashtags"))
    receivers, values = _Decoded(_receivers), _Decoded(_values)
    return [(i, giver, team, receivers[mentions], values[hashtags]) for i, giver, team, mentions, hashtags in _rows(rows)]


def _previous_values(start: date, end: date, tz) -> Counter:
    """Kudos per value in [start, end): the period before needs nothing else, so nothing else is read."""
    # Counted per distinct stored text first: a range's kudos name a few combinations of values.
    texts = Counter(raw for raw, in _rows(_kudos(start, end, tz).values_list("hashtags")))
    values, previous = _Decoded(_values), Counter()
    for raw, n in texts.items():
        for value in values[raw]:
            previous[value] += n
    return previous


def _teams(keys: set[str]) -> dict[str, str]:
    """Receiver key -> current team ("" for someone the directory does not know)."""
    ordered, teams = sorted(keys), {}
    table, key, team = (connection.ops.quote_name(n) for n in (Person._meta.db_table, "key", "team"))
    with connection.cursor() as cursor:
        # Plain SQL: the ORM takes longer to build a query of 500 parameters than the database to answer it.
        for i in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[i:i + LOOKUP_CHUNK]
            cursor.execute(f"SELECT {key}, {team} FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            teams.update(cursor.fetchall())
    return teams


def kudos_insights(interval: str, since: date | None, until: date | None) -> dict:
    """GET /insights/kudos: [since, until) widened to whole periods (by default the last 28 days up to and
    including today), values compared with the same number of days just before."""
    tz = rollup_timezone()
    if since is None and until is None:
        until = datetime.now(tz).date() + timedelta(days=1)
        since = until - timedelta(days=DEFAULT_DAYS)
    since, until = check_range(since, until)
    windows = figures.calendar_windows(interval, since, until)[1:]
    start, end = windows[0].start, windows[-1].end
    before = start - (end - start)

    rows = _events(tz, windows)
    teams = _teams({k for r in rows for k in r[3]})

    periods = [_Tally() for _ in windows]
    values, previous = {}, _previous_values(before, start, tz)
    given: dict[str, _Tally] = {}
    received: dict[str, _Tally] = {}  # only receipts and receivers
    flows: Counter = Counter()
    # A tally is made only for a value or team not seen yet: this loop runs once per kudos and receipt.
    for i, giver, giver_team, receivers, tags in rows:
        periods[i].add(giver, receivers)
        for tag in tags:
            (values.get(tag) or values.setdefault(tag, _Tally())).add(giver, receivers)
        (given.get(giver_team) or given.setdefault(giver_team, _Tally())).add(giver, ())
        for receiver in receivers:
            team = teams.get(receiver, "")
            tally = received.get(team) or received.setdefault(team, _Tally())
            tally.receipts += 1
            tally.receivers.add(receiver)
            flows[(giver_team, team)] += 1
    total = _Tally(sum(p.kudos for p in periods), sum(p.receipts for p in periods),
                   set().union(*(p.givers for p in periods)), set().union(*(p.receivers for p in periods)))

    across = sum(n for (a, b), n in flows.items() if a != b)
    # The company values no kudos named are listed too: which values are never recognised is worth seeing.
    ruleset, _ = active_ruleset()
    for value in (getattr(ruleset, "kudos_values", None) or {}) if ruleset else ():
        values.setdefault(value, _Tally())
    value_rows = [{"value": v, **{k: n for k, n in t.figures().items() if k != "receipts"},
                   "previous": previous.get(v, 0), "change": t.kudos - previous.get(v, 0)}
                  for v, t in values.items()]
    value_rows.sort(key=lambda r: (-r["kudos"], r["value"]))
    # Teams of fewer than the ruleset's privacy.min_group_size people in the directory are left out, and so
    # are the flows to or from them: a team of two's kudos are two people's.
    privacy = Privacy.of_active_ruleset()
    small = privacy.small_teams(set(given) | set(received) | {t for pair in flows for t in pair})
    team_rows = []
    for team in sorted((set(given) | set(received)) - small):
        g, r = given.get(team, _Tally()), received.get(team, _Tally())
        team_rows.append({"team": team, "given": g.kudos, "received": r.receipts, "givers": len(g.givers),
                          "receivers": len(r.receivers)})
    shown_flows = {pair: n for pair, n in flows.items() if not set(pair) & small}
    return {
        "interval": interval, "from": start.isoformat(), "until": end.isoformat(),
        "requested": {"from": since.isoformat(), "until": until.isoformat()}, "timezone": str(tz),
        "totals": {**total.figures(), "across_teams": across,
                   "across_teams_share": round(across / total.receipts, 3) if total.receipts else None},
        "periods": [{"period": w.label, "from": w.start.isoformat(), "until": w.end.isoformat(), **p.figures()}
                    for w, p in zip(windows, periods)],
        "values": value_rows,
        "teams": team_rows,
        "between_teams": [{"from_team": a, "to_team": b, "receipts": n}
                          for (a, b), n in sorted(shown_flows.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_FLOWS]],
        "privacy": privacy.out(len(small)),
    }
