"""Every web page an employee and an admin reach, p50 and p95 at the server, on 10x the demo's data.

The data is `make demo`'s month at ten times its people (3,000 instead of 300; the generator's
activity and kudos grow with the people): the example ruleset with its challenges moved onto the
month, the events sent in bulk (so the event batches page has batches), the kudos given through
the kudos action, facilitators marked, everything scored, the last day announced to a Slack and a
webhook channel (so the outbox has notifications), and the insights rolled up.

Each page is asked through Django's test client (the full middleware, sessions and sign-in
included, no socket) by a signed-in employee or admin, after a warm-up, one round after another,
every round in a rotating order. The baseline, in the same rounds, is a bare page: a view that
renders the trivial problem template through the pages' own `page()` (the layout, navigation and
viewer every page pays for). The target is a p95 under 150 ms for every page; the details add each
page's p50 and its database queries.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import include, path

from .report import Figure

ROUNDS = 20
TARGET_MS = 150.0
CHUNK = 1000


def bare_page(request):
    from web.pages import page

    return page(request, "web/problem.html", {"title": "Bench", "message": "A bare page."})


# ROOT_URLCONF for this benchmark: the project's routes plus the bare page.
urlpatterns = [path("bench/bare-page", bare_page), path("", include("web.root_urls"))]


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def _load(ctx, people: int) -> dict:
    """The demo's month at `people`, loaded and scored as `make demo` does; what the pages will be asked about."""
    from django.contrib.auth.models import User

    from base.accept import do_accept_events
    from base.inbox import do_receive_events, drain_inbox
    from base.models import ApiKey, Event, Person
    from engine.demo_data import challenges_moved, generate_kudos, generate_month
    from engine.management.commands.demo import example_ruleset
    from engine.scoring import score_next_batch
    from insights.rollup import do_catch_up_rollups
    from kudos.actions import KudosRefused, give_kudos_json
    from notifications.channels import do_save_channel
    from rulesets.active import active_version, do_activate_ruleset

    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    do_activate_ruleset(challenges_moved(example_ruleset(), today), activated_by="bench")
    records, events = generate_month(people=people)
    # The last day arrives live (announced); the rest is a backfill in bulk batches, as a sender's history would.
    cut = datetime.fromisoformat(events[-1]["occurred_at"]) - timedelta(days=1)
    history = [e for e in events if datetime.fromisoformat(e["occurred_at"]) < cut]
    live = events[len(history):]
    sender = ApiKey.issue(name="bench integration", role="integration")[0]
    for i in range(0, len(history), CHUNK):
        chunk = history[i:i + CHUNK]
        do_receive_events(chunk, json.dumps(chunk), sender)
    drain_inbox()
    kudos = generate_kudos(records)
    for item in kudos:
        try:
            give_kudos_json(item)
        except KudosRefused:
            pass
    facilitators = [r["id"] for r in records if r.get("role") == "facilitator"]
    Person.objects.filter(key__in=facilitators).update(role="facilitator")
    while score_next_batch(announce=False) is not None:
        pass
    # Announced: the example ruleset sends badges to hr-webhook and to where the event happened.
    for channel_id, kind, keys in (("hr-webhook", "webhook", ["whsec_" + "A" * 44]), ("learning-python", "slack", []),
                                   ("learning-general", "slack", [])):
        do_save_channel(channel_id, {"kind": kind, "url": f"https://hooks.example.com/{channel_id}", "secrets": keys,
                                     "recipients": [], "enabled": True})
    for i in range(0, len(live), CHUNK):
        do_accept_events(live[i:i + CHUNK])
    while score_next_batch() is not None:
        pass
    do_catch_up_rollups(None)
    ranked = list(Person.objects.filter(public=True, role="").order_by("-points", "key").values_list("key", flat=True))
    # An employee in the middle of the board, so boards show the rows around them; another person at the top.
    employee, other = ranked[len(ranked) // 2], ranked[0]
    User.objects.create_user(employee)
    User.objects.create_user("admin", is_staff=True)
    from base.models import EventBatch
    from notifications.models import Notification

    return {"employee": employee, "other": other, "people": len(records), "events": Event.objects.count(),
            "kudos": len(kudos), "version": active_version().id, "batch": EventBatch.objects.order_by("-id").first().id,
            "notifications": Notification.objects.count()}


def _pages(data: dict) -> list[tuple[str, str, str]]:
    """(name, who, path) of every page timed."""
    from urllib.parse import quote

    employee = [
        ("start", "/"),
        ("board all-time (around me)", "/boards/all-time"),
        ("board weekly", "/boards/weekly"),
        ("board monthly", "/boards/monthly"),
        ("board season", "/boards/season"),
        ("board team-cup (teams)", "/boards/team-cup"),
        ("board teams (scope team)", "/boards/teams"),
        ("board channels (scope channel)", "/boards/channels"),
        ("board programs (scope program)", "/boards/programs"),
        ("board learning (some rules)", "/boards/learning"),
        ("own profile (/me leads there)", "/people/" + quote(data["employee"])),
        ("another person", "/people/" + quote(data["other"])),
        ("badges", "/badges"),
        ("badge page", "/badges/helper"),
        ("kudos feed", "/kudos"),
        ("people search", "/people?q=an"),
        ("challenges", "/challenges"),
        ("challenge", "/challenges/cloud-sprint"),
        ("ways to earn", "/ways-to-earn"),
    ]
    admin = [
        ("admin: rules workbench", "/admin-area/rules"),
        ("admin: versions", "/admin-area/versions"),
        ("admin: a version", f"/admin-area/versions/{data['version']}"),
        ("admin: channels", "/admin-area/channels"),
        ("admin: a channel", "/admin-area/channels/hr-webhook"),
        ("admin: templates", "/admin-area/templates"),
        ("admin: outbox", "/admin-area/outbox"),
        ("admin: event batches", "/admin-area/event-batches"),
        ("admin: an event batch", f"/admin-area/event-batches/{data['batch']}"),
        ("admin: insights dashboard", "/admin-area/insights"),
        ("admin: insights report", "/insights/report?level=program&program=data-academy"),
        ("admin: keys", "/admin-area/keys"),
    ]
    return [(n, "employee", p) for n, p in employee] + [(n, "admin", p) for n, p in admin]


def run(ctx) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    people = ctx.size(3000, 20)
    data = _load(ctx, people)
    clients = {}
    for who, username in (("employee", data["employee"]), ("admin", "admin")):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(username=username))
    pages = [("bare page", "employee", "/bench/bare-page"), *_pages(data)]
    rounds = ctx.size(ROUNDS, 2)
    times: dict[str, list[float]] = {name: [] for name, _, _ in pages}
    queries: dict[str, int] = {}
    with override_settings(ROOT_URLCONF="bench.pages"):
        for name, who, url in pages:  # warm-up, untimed; counts each page's queries
            with CaptureQueriesContext(connection) as captured:
                answer = clients[who].get(url)
            assert answer.status_code == 200, (name, url, answer.status_code, answer.content[:300])
            queries[name] = len(captured)
        for i in range(rounds):
            shift = i % len(pages)
            for name, who, url in pages[shift:] + pages[:shift]:
                started = time.perf_counter()
                answer = clients[who].get(url)
                times[name].append(time.perf_counter() - started)
                assert answer.status_code == 200, (name, url, answer.status_code)
    target = "the target"
    figures = [Figure(f"{name} p95 at the server, 10x demo", _p(times[name], 0.95), TARGET_MS, "ms", target,
                      target=1.0, higher_is_better=False) for name, _, _ in pages]
    bare = statistics.median(times["bare page"])
    return {
        "figures": figures,
        "details": {"rounds": rounds, "people": data["people"], "events": data["events"], "kudos": data["kudos"],
                    "notifications": data["notifications"],
                    "p50_ms": {name: round(statistics.median(times[name]) * 1000, 1) for name, _, _ in pages},
                    "p50_over_bare": {name: round(statistics.median(times[name]) / bare, 1) for name, _, _ in pages},
                    "queries": queries},
    }
