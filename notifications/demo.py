"""`make demo`'s notifications: a local receiver, channels pointing at it, and a few live events
whose badges arrive there as a Slack message and a verified Standard Webhooks delivery."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from django.conf import settings

from base.accept import do_accept_events
from base.redis import stop_process

from . import outbound
from .models import Channel

SLACK_CHANNEL = "learning-python"  # a channel of the generated month; `to: origin` announces there
WEBHOOK_CHANNEL = "hr-webhook"  # the example ruleset sends every badge here too


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _allow_localhost() -> None:
    # The receiver is on this machine: let the outbound policy reach it, here and in the stack's worker.
    allowed = [h for h in os.environ.get("OUTBOUND_ALLOW", "").split(",") if h.strip()]
    if "127.0.0.1" not in allowed:
        allowed.append("127.0.0.1")
    os.environ["OUTBOUND_ALLOW"] = ",".join(allowed)
    settings.OUTBOUND_ALLOW = allowed


def _wait_listening(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the demo receiver did not start on port {port}")


def live_events(now: datetime) -> list[dict]:
    person = {"id": f"sam.rivera.{now:%H%M%S}@example.com", "name": "Sam Rivera", "team": "Data"}
    stamp = now.strftime("%Y%m%d%H%M%S")
    return [
        {"id": f"demo-live:{stamp}:post", "type": "post", "occurred_at": now.isoformat(), "actor": person,
         "channel": SLACK_CHANNEL, "program": "data-academy",
         "text": "My notes from today's pandas session: method chaining keeps notebooks readable."},
        {"id": f"demo-live:{stamp}:course", "type": "course_completed", "occurred_at": (now + timedelta(seconds=1)).isoformat(),
         "actor": person, "channel": SLACK_CHANNEL, "program": "data-academy", "attributes": {"score": 97}},
    ]


@contextmanager
def demo_notifications(out):
    """Run the receiver while the stack runs; configure the channels; queue live events for the worker."""
    _allow_localhost()
    port = _free_port()
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    receiver = subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "receiver", "--port", str(port),
                                 "--secret", secret], cwd=settings.BASE_DIR, env=os.environ.copy())
    try:
        _wait_listening(port)
        url = f"http://127.0.0.1:{port}"
        for channel_id, kind, path, keys in ((SLACK_CHANNEL, "slack", "/slack", []), ("learning-general", "slack", "/slack", []),
                                             (WEBHOOK_CHANNEL, "webhook", "/webhook", [secret])):
            outbound.check_reachable(url + path)
            Channel.objects.update_or_create(id=channel_id, defaults={"kind": kind, "url": url + path, "secrets": keys,
                                                                      "recipients": [], "enabled": True})
        do_accept_events(live_events(datetime.now(timezone.utc).replace(microsecond=0)))
        out.write(f"Notifications: channels {SLACK_CHANNEL} (slack) and {WEBHOOK_CHANNEL} (webhook) point at a local "
                  f"receiver on {url}; Sam Rivera's badges will arrive there in a moment.\n")
        yield
    finally:
        stop_process(receiver)
