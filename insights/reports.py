"""The engagement answer and the learning leader's report: what the API, the CSV and the report page show."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from base.errors import ApiError
from base.models import Person
from rulesets.active import active_ruleset

from . import figures, queries, rollup
from .queries import ALL, Scope
from .rollup import Progress, do_catch_up_rollups, rollup_timezone

MAX_RANGE_DAYS = 400
MAX_ROWS = 20_000
FIRST_DAY, LAST_DAY = date(2, 1, 1), date(9999, 1, 1)
TOP = 10
LEVELS = {"class": "channel", "program": "program", "portfolio": None}  # report level -> the filter it needs
BREAKDOWN = {"class": "team", "program": "channel", "portfolio": "program"}  # and what it breaks down by


def check_range(since: date | None, until: date | None) -> tuple[date, date]:
    if since is None or until is None:
        raise ApiError(422, "invalid_range", "give both `from` and `until` (dates like 2026-11-01; `until` is exclusive)")
    if since >= until:
        raise ApiError(422, "invalid_range", f"`from` ({since}) must be before `until` ({until}); `until` is exclusive")
    if since < FIRST_DAY or until > LAST_DAY:
        # Every answer also computes the period before (and the calendar has ends).
        raise ApiError(422, "invalid_range", f"`from` and `until` must be dates from {FIRST_DAY} to {LAST_DAY}")
    if (until - since).days > MAX_RANGE_DAYS:
        raise ApiError(422, "invalid_range", f"look at most {MAX_RANGE_DAYS} days at a time; "
                                             f"{since}..{until} is {(until - since).days} days")
    return since, until


def rollup_info(progress: Progress) -> dict:
    return {"up_to_seq": progress.last_seq, "pending_events": progress.pending, "complete": progress.pending == 0,
            "timezone": progress.timezone}


def engagement(group: str, interval: str, since: date, until: date, scope: Scope) -> dict:
    """GET /insights/engagement: rows per group and period, top hashtags and the most engaged posts."""
    since, until = check_range(since, until)
    progress = do_catch_up_rollups(rollup.CATCH_UP_LIMIT)
    windows = figures.calendar_windows(interval, since, until)
    rows = queries.engagement(group, windows, scope, interval)
    if len(rows) > MAX_ROWS:
        raise ApiError(422, "too_many_rows", f"{len(rows):,} rows: use a longer interval, a shorter range or a filter "
                                             f"(at most {MAX_ROWS:,})")
    start, end = windows[1].start, windows[-1].end
    _hide_opted_out(rows)
    privacy = Privacy.of_active_ruleset()
    rows, hidden = privacy.rows(rows, group)
    return {
        "group": group, "interval": interval, "from": start.isoformat(), "until": end.isoformat(),
        "requested": {"from": since.isoformat(), "until": until.isoformat()},
        "filters": scope.as_dict(), "rollup": rollup_info(progress),
        "figures": list(figures.FIGURES), "rows": rows,
        "hashtags": queries.top_hashtags(start, end, scope, TOP),
        "top_posts": privacy.posts(queries.top_posts(start, end, scope, TOP)),
        "privacy": privacy.out(hidden),
    }


class Privacy:
    """Works-council mode in insights (the ruleset's `privacy:`): with individual ranking off nobody is named
    (no top poster, no authors of the most engaged posts); rows of a group (team, channel, programme) with
    fewer than `min_group_size` distinct active people are left out, and a shown row's previous values
    when the period before had fewer."""

    def __init__(self, names_people: bool = True, min_group_size: int = 1):
        self.names_people, self.min_group_size = names_people, min_group_size

    @classmethod
    def of_active_ruleset(cls) -> "Privacy":
        ruleset, _ = active_ruleset()
        return cls(ruleset.ranks_people, ruleset.min_group_size) if ruleset else cls()

    def rows(self, rows: list[dict], group: str) -> tuple[list[dict], int]:
        """The rows to show, and how many were left out; the whole company's row (`all`) is never left out."""
        for row in rows:
            if not self.names_people:
                row["top_poster"] = row["top_poster_name"] = None
        if self.min_group_size <= 1 or group == ALL:
            return rows, 0
        shown = []
        for row in rows:
            active = row["figures"]["active_people"]
            if (active["value"] or 0) < self.min_group_size:
                continue
            if (active["previous"] or 0) < self.min_group_size:
                for f in row["figures"].values():
                    f["previous"] = f["change"] = None
            shown.append(row)
        return shown, len(rows) - len(shown)

    def posts(self, posts: list[dict]) -> list[dict]:
        """The most engaged posts: without their authors when no one is ranked, without a small team's name."""
        small = self.small_teams({p["team"] for p in posts if p.get("team")})
        for post in posts:
            if not self.names_people:
                post["author"] = post["author_name"] = None
            if post.get("team") in small:
                post["team"] = None
        return posts

    def small_teams(self, teams: set[str]) -> set[str]:
        """The teams among these with fewer than min_group_size people in the directory."""
        if self.min_group_size <= 1 or not teams:
            return set()
        sizes = dict(Person.objects.filter(team__in=sorted(teams)).values("team").annotate(n=Count("id"))
                     .values_list("team", "n"))
        return {t for t in teams if sizes.get(t, 0) < self.min_group_size}

    def out(self, hidden_groups: int = 0) -> dict:
        return {"individual_ranking": self.names_people, "min_group_size": self.min_group_size,
                "hidden_groups": hidden_groups}


def _hide_opted_out(rows: list[dict]) -> None:
    names = queries.names({r["top_poster"] for r in rows if r["top_poster"]})
    for row in rows:
        key = row["top_poster"]
        row["top_poster"] = key if key and names.get(key) else None
        row["top_poster_name"] = names.get(key) if key else None


def report(level: str, since: date | None, until: date | None, *, channel: str | None = None,
           program: str | None = None) -> dict:
    """A class (one channel), programme or portfolio (everything) report over [since, until)."""
    if level not in LEVELS:
        raise ApiError(422, "invalid_level", f"level is one of {', '.join(LEVELS)}, not {level!r}")
    needed = LEVELS[level]
    given = {"channel": channel, "program": program}
    if needed and not given[needed]:
        raise ApiError(422, "missing_scope", f"a {level} report needs `{needed}=`")
    scope = Scope(channel=channel if level == "class" else None, program=program if level == "program" else None)
    tz = rollup_timezone()
    if since is None and until is None:
        until = datetime.now(tz).date() + timedelta(days=1)
        since = until - timedelta(days=28)
    since, until = check_range(since, until)
    progress = do_catch_up_rollups(rollup.CATCH_UP_LIMIT)

    [summary] = queries.engagement(ALL, figures.range_windows(since, until), scope)
    weekly_windows = figures.calendar_windows("week", since, until)
    weekly = queries.engagement(ALL, weekly_windows, scope, "week")
    breakdown = queries.engagement(BREAKDOWN[level], figures.range_windows(since, until), scope)
    breakdown.sort(key=lambda r: (-(r["figures"]["active_people"]["value"] or 0), r["group"]))
    _hide_opted_out([summary, *weekly, *breakdown])
    privacy = Privacy.of_active_ruleset()
    privacy.rows([summary, *weekly], ALL)
    breakdown, hidden = privacy.rows(breakdown, BREAKDOWN[level])
    return {
        "level": level, "title": _title(level, channel, program), "scope": scope.as_dict(),
        "from": since.isoformat(), "until": until.isoformat(), "last_day": (until - timedelta(days=1)).isoformat(),
        "timezone": str(tz), "generated_at": timezone.now().astimezone(tz).isoformat(timespec="minutes"),
        "rollup": rollup_info(progress), "summary": summary, "weekly": weekly,
        "breakdown_by": BREAKDOWN[level], "breakdown": breakdown,
        "hashtags": queries.top_hashtags(since, until, scope, TOP),
        "top_posts": privacy.posts(queries.top_posts(since, until, scope, 6)),
        "privacy": privacy.out(hidden),
    }


def _title(level: str, channel: str | None, program: str | None) -> str:
    if level == "class":
        return f"#{channel}"
    if level == "program":
        return program or ""
    return "All programmes"


# CSV: one table per answer, named by `table=`.
TABLES = ("engagement", "hashtags", "top_posts")
POST_COLUMNS = ("id", "type", "occurred_at", "channel", "program", "author", "author_name", "team", "engagement",
                "comments", "answers", "reactions", "reshares", "votes", "quote")
HASHTAG_COLUMNS = ("tag", "uses", "people", "previous", "change")


def to_csv(answer: dict, table: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "engagement":
        writer.writerow(["group", "period", "from", "until", "top_poster",
                         *[c for name in figures.FIGURES for c in (name, f"{name}_previous", f"{name}_change")]])
        for row in answer["rows"]:
            cells = [_cell(row[c]) for c in ("group", "period", "from", "until", "top_poster")]
            for name in figures.FIGURES:
                f = row["figures"][name]
                cells += [_cell(f["value"]), _cell(f["previous"]), _cell(f["change"])]
            writer.writerow(cells)
    elif table == "hashtags":
        writer.writerow(HASHTAG_COLUMNS)
        writer.writerows([[_cell(r[c]) for c in HASHTAG_COLUMNS] for r in answer["hashtags"]])
    else:
        writer.writerow(POST_COLUMNS)
        writer.writerows([[_cell(r[c]) for c in POST_COLUMNS] for r in answer["top_posts"]])
    return out.getvalue()


def _cell(value) -> str:
    """Every cell goes through here: text a spreadsheet would run is neutralised, numbers stay numbers."""
    if value is None:
        return ""
    return _safe(value) if isinstance(value, str) else str(value)


def _safe(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula; quotes are user text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_filename(answer: dict, table: str) -> str:
    return f"engagement-{table}-{answer['from']}-{answer['until']}.csv"
