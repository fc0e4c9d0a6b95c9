"""The relay: the periodic work no request or job triggers, every RELAY_SECONDS.

It queues scoring for events left pending (accepted while Redis was away, a worker died mid-job,
a scoring job failed), activates scheduled rulesets whose moment came, rebuilds boards Redis lost, posts topic prompts and sends the day's nudges, publishes due digests, re-queues deliveries
due again, and rolls insights up from the event log. `manage.py relay` runs it alone;
`manage.py serve` runs it beside the web server and a worker. One relay is enough; a second
one only repeats the same idempotent checks.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from django.db import connections
from django.utils import timezone

from base.inbox import has_received
from base.ledger import ledger_batch
from base.models import Event
from base.redis import get_redis
from base.scoring_queue import enqueue_scoring, scoring_requested
from challenges.ending import do_close_ended_challenges
from insights.rollup import relay_pass
from leaderboards.keys import APPLIED_BATCH
from notifications.periodic import run_due_work
from rulesets.active import active_ruleset
from rulesets.schedule import do_run_due_activations

from .integrations.slack_app.nudges import run_due_nudges
from .integrations.slack_app.prompts import run_due_prompts
from .outages import release_broken_connections

log = logging.getLogger("plaudit.relay")
RELAY_SECONDS = 2.0


def relay_tick() -> None:
    """One round. A database or Redis outage is logged and the next round tries again; the
    connections are closed after each part, so a restart never leaves this process stuck."""
    release_broken_connections()
    _post_prompts_and_nudges()  # first: a prompt is due within seconds of its minute
    _activate_scheduled_rulesets()
    _nudge_scoring_and_notifications()
    _close_challenges()
    _roll_up_insights()


def run_relay(interval: float = RELAY_SECONDS, stop: threading.Event | None = None,
              started: Callable[[], None] = lambda: None) -> None:
    """Ticks until `stop` is set, or until SIGTERM or SIGINT when run in the main thread; a stop
    request ends the wait at once and lets a running tick finish. `started` is called once the
    signals are handled."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    started()
    while not stop.is_set():
        relay_tick()
        stop.wait(interval)


def _nudge_scoring_and_notifications() -> None:
    try:
        r = get_redis()
        pending = Event.objects.filter(scored_at__isnull=True).exists() or has_received()
        # Boards gone (Redis flushed or restarted empty): a scoring run rebuilds them from the ledger first.
        boards_lost = not r.exists(APPLIED_BATCH) and ledger_batch() > 0
        if (pending or boards_lost) and not scoring_requested(r):
            enqueue_scoring()
        run_due_work(r)  # digests whose slot came; deliveries due again or left by a killed worker
    except Exception as exc:  # a passing database or Redis outage; try again next round
        log.warning("relay: %s", exc)
    finally:
        connections.close_all()


def _post_prompts_and_nudges() -> None:
    """Topic prompts whose minute came (or whose failed post is due again), and the day's nudges."""
    for work in (run_due_prompts, run_due_nudges):
        try:
            work()
        except Exception as exc:  # Slack, the database or Redis away: the next round tries again
            log.warning("relay %s: %s", work.__name__, exc)
        finally:
            connections.close_all()


def _activate_scheduled_rulesets() -> None:
    """Scheduled ruleset activations whose moment came, before the scoring nudge that follows them."""
    try:
        do_run_due_activations(timezone.now())
    except Exception as exc:  # a passing outage; the next round tries again
        log.warning("relay: scheduled activations: %s", exc)
    finally:
        connections.close_all()


def _close_challenges() -> None:
    """Challenges that ended stop taking events; their end goes out once their standings are final."""
    try:
        do_close_ended_challenges(active_ruleset()[0], timezone.now())
    except Exception as exc:  # a passing outage; the next round tries again
        log.warning("relay: closing challenges: %s", exc)
    finally:
        connections.close_all()


def _roll_up_insights() -> None:
    """Engagement rollups follow the log here too, so the report pages rarely have to catch up."""
    try:
        relay_pass()
    except Exception as exc:  # a busy or passing database error; the next round or a read catches up
        log.warning("insights relay: %s", exc)
    finally:
        connections.close_all()
