"""One relay round for notifications: called every few seconds by the serve stack's relay loop."""

from __future__ import annotations

from rulesets.active import active_ruleset

from .digest import publish_due
from .outbox import relay as requeue_due


def relay_notifications() -> None:
    ruleset, _ = active_ruleset()
    publish_due(ruleset)
    requeue_due()
