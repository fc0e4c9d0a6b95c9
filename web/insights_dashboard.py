"""The insights dashboard: engagement per channel, programme, team or all, per day, week or month,
each figure beside its previous period; charts, top hashtags, the most engaged posts, CSV downloads.

Everything comes from the insights service (insights/reports.py), the same answer as
GET /api/v1/insights/engagement; the charts use pygal like the printable report (insights/charts.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpResponse
from django.views.decorators.http import require_safe
from django.utils.translation import gettext, gettext_lazy
from markupsafe import Markup

from base.errors import ApiError
from base.gc_pause import gc_paused
from insights import reports
from insights.kudos import kudos_insights
from insights.queries import Scope
from insights.rollup import rollup_timezone

from . import insight_charts
from .access import admin_only
from .forms import InsightsForm
from .pages import page

DEFAULT_DAYS = 28
# The figures the table shows (the CSV has every one): (figure, heading, a share shown as a percentage).
# The headings are lazy: translated when a page shows them, in the reader's language.
SHOWN = [("posts", gettext_lazy("Posts"), False), ("comments", gettext_lazy("Comments"), False),
         ("answers", gettext_lazy("Answers"), False), ("reactions", gettext_lazy("Likes"), False),
         ("active_people", gettext_lazy("Active people"), False), ("contributors", gettext_lazy("Contributors"), False),
         ("new_contributors", gettext_lazy("New contributors"), False), ("participation", gettext_lazy("Participation"), True)]


def _defaults() -> dict:
    until = datetime.now(rollup_timezone()).date() + timedelta(days=1)
    return {"group": "all", "interval": "week", "since": until - timedelta(days=DEFAULT_DAYS), "until": until}


def _choices(request) -> tuple[InsightsForm, dict | None]:
    """The form, and the chosen values when they are usable (the defaults when nothing was chosen)."""
    if not request.GET:
        defaults = _defaults()
        return InsightsForm(initial=defaults), defaults
    form = InsightsForm({**{k: v for k, v in _defaults().items() if k in ("group", "interval")}, **request.GET.dict()})
    if not form.is_valid():
        return form, None
    data = dict(form.cleaned_data)
    defaults = _defaults()
    data["since"] = data["since"] or (data["until"] - timedelta(days=DEFAULT_DAYS) if data["until"] else defaults["since"])
    data["until"] = data["until"] or defaults["until"]
    form.data.update({"from": data["since"].isoformat(), "until": data["until"].isoformat()})  # show the dates used
    if data["since"] >= data["until"]:
        form.add_error("until", gettext('Until must be after %(data)s (the day itself is not included).') % {"data": data['since'].isoformat()})
        return form, None
    return form, data


def _answer(form: InsightsForm, chosen: dict) -> dict | None:
    try:
        return reports.engagement(chosen["group"], chosen["interval"], chosen["since"], chosen["until"], Scope())
    except ApiError as exc:
        form.add_error("interval" if exc.code == "too_many_rows" else "until", exc.message[0].upper() + exc.message[1:] + ".")
        return None


def _query(chosen: dict, **extra) -> str:
    return urlencode({"group": chosen["group"], "interval": chosen["interval"], "from": chosen["since"].isoformat(),
                      "until": chosen["until"].isoformat(), **extra})


@require_safe
@admin_only
def insights(request):
    # The figures, kudos and charts make tens of thousands of objects that all go when the page is
    # made: collections in between would only move them to older generations (base/gc_pause.py).
    with gc_paused():
        return _insights(request)


def _insights(request):
    form, chosen = _choices(request)
    answer = _answer(form, chosen) if chosen else None
    if answer is None:
        return page(request, "web/insights.html", {"form": form, "answer": None}, status=422 if request.GET else 200)
    # The date fields show the dates the figures cover (whole periods), as the text above the table does.
    shown_dates = {"from": answer["from"][:10], "until": answer["until"][:10]}
    if form.is_bound:
        form.data.update(shown_dates)
    else:
        form.initial = {**form.initial, "since": shown_dates["from"], "until": shown_dates["until"]}
    charts = {"activity": Markup(insight_charts.activity(answer["rows"], chosen["interval"])),
              "people": Markup(insight_charts.people(answer["rows"], answer["group"], chosen["interval"]))}
    csv = {table: f"{request.path}.csv?{_query(chosen, table=table)}" for table in reports.TABLES}
    report = "/insights/report?" + urlencode({"level": "portfolio", "from": chosen["since"].isoformat(),
                                               "until": chosen["until"].isoformat()})
    kudos = kudos_insights(chosen["interval"], chosen["since"], chosen["until"])
    charts["kudos"] = Markup(insight_charts.kudos(kudos["periods"], chosen["interval"]))
    return page(request, "web/insights.html", {"form": form, "answer": answer, "shown": SHOWN, "charts": charts,
                                               "csv": csv, "report": report, "kudos": kudos})


@require_safe
@admin_only
def insights_csv(request):
    table = request.GET.get("table", "engagement")
    form, chosen = _choices(request)
    if table not in reports.TABLES:
        form.add_error(None, gettext('There is no table %(table)s; the tables are %(join)s.') % {"table": f"{table[:40]!r}", "join": ', '.join(reports.TABLES)})
        chosen = None
    answer = _answer(form, chosen) if chosen else None
    if answer is None:
        return page(request, "web/insights.html", {"form": form, "answer": None}, status=422)
    response = HttpResponse(reports.to_csv(answer, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.csv_filename(answer, table)}"'
    return response
