"""/insights/report: the printable engagement report a learning leader sends (HTML, charts inline).

Who may see it: a signed-in Django staff user, or a request with a reader or admin API key as
`Authorization: Bearer KEY`. Never a key in the URL: URLs end up in logs, histories and forwarded
mails. The page is rendered by a plain Jinja2 environment with autoescaping (the site layout will
come with the web pages; until then this page carries its own styles).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from babel.dates import format_interval
from babel.lists import format_list
from babel.units import format_unit
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from base.auth import READERS
from base.errors import ApiError
from base.gc_pause import gc_paused
from base.models import ApiKey

from . import charts, reports

_env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def _pct(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _num(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _signed(change, percent: bool = False) -> str:
    if change is None:
        return ""
    if change == 0:
        return "±0" if not percent else "±0 pts"
    text = f"{abs(change) * 100:.0f} pts" if percent else _num(abs(change))
    return ("▲ +" if change > 0 else "▼ −") + text


def duration(hours: float | None, locale: str = "en") -> str:
    """A wait as people say it: 0.4 -> "24 minutes", 30.99 -> "31 hours", 55.2 -> "2 days, 7 hours";
    in the locale's words (Babel's units and lists)."""
    if hours is None:
        return "–"
    minutes = round(hours * 60)
    if minutes < 60:
        return format_unit(max(minutes, 1), "duration-minute", length="long", locale=locale)
    whole = round(hours)
    if whole < 48:
        return format_unit(whole, "duration-hour", length="long", locale=locale)
    days, rest = divmod(whole, 24)
    parts = [format_unit(days, "duration-day", length="long", locale=locale)]
    if rest:
        parts.append(format_unit(rest, "duration-hour", length="long", locale=locale))
    return format_list(parts, style="unit", locale=locale)


def week(row: dict, locale: str = "en") -> str:
    """An ISO week with its dates: "Week 49 (Nov 30 – Dec 6)"."""
    first = date.fromisoformat(row["from"][:10])
    last = date.fromisoformat(row["until"][:10]) - timedelta(days=1)
    dates = format_interval(first, last, "MMMd" if first.year == last.year else "yMMMd", locale=locale)
    return f"Week {first.isocalendar()[1]} ({dates})"


_env.filters.update(pct=_pct, num=_num, signed=_signed, duration=duration, week=week)


TITLES = {401: "Sign in to see the report", 403: "Not for this key", 422: "The report cannot be made from this address"}


def _error(status: int, code: str, message: str, request=None, body: dict | None = None) -> HttpResponse:
    """JSON for API clients; a page for a browser, which says it prefers HTML (its Accept header)."""
    body = body or {"error": code, "message": message}
    if request is not None and request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        page = _env.get_template("report_error.html").render(
            title=TITLES.get(status, "The report cannot be shown"), message=body["message"], code=body["error"],
            status=status, back=request.get_full_path())
        return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    return JsonResponse(body, status=status)


def _allowed(request) -> JsonResponse | None:
    """None when the viewer may see reports; else the 401 or 403 answer."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = _error(401, "unauthorized", "sign in as a staff user, or send a reader or admin key as "
                                               "`Authorization: Bearer KEY`", request)
        response["WWW-Authenticate"] = "Bearer"
        return response
    key = ApiKey.objects.filter(digest=ApiKey.hash(token.strip()), revoked_at__isnull=True).first()
    if key is None:
        return _error(401, "unauthorized", "this API key is unknown or revoked", request)
    if key.role not in READERS:
        return _error(403, "forbidden", f"a {key.role} key cannot read reports; it needs a reader or admin key", request)
    return None


def _date(request, name: str) -> date | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid_date", f"`{name}` is a date like 2026-11-01, not {raw[:40]!r}") from None


@require_safe
def report_page(request):
    denied = _allowed(request)
    if denied:
        return denied
    # The figures of every breakdown row and week are made and dropped with the page (base/gc_pause.py).
    with gc_paused():
        try:
            data = reports.report(request.GET.get("level", "portfolio"), _date(request, "from"), _date(request, "until"),
                                  channel=request.GET.get("channel") or None, program=request.GET.get("program") or None)
        except ApiError as exc:
            return _error(exc.status, exc.code, exc.message, request, exc.body())
        return HttpResponse(render_report(data), content_type="text/html; charset=utf-8")


def render_report(data: dict) -> str:
    """The whole page for reports.report()'s answer: one self-contained HTML file (also `manage.py insights_report`)."""
    pictures = {"activity": Markup(charts.weekly_activity(data["weekly"])),
                "people": Markup(charts.weekly_people(data["weekly"]))}
    if len(data["breakdown"]) > 1:
        pictures["breakdown"] = Markup(charts.breakdown(data["breakdown"], data["breakdown_by"]))
    return _env.get_template("report.html").render(report=data, charts=pictures)
