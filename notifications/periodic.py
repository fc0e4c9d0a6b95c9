"""The notifications' periodic work: run every few seconds by the relay (the serve stack's loop)."""

from __future__ import annotations

import redis

from rulesets.active import active_ruleset

from .digest import publish_due
from .outbox import requeue_due


def run_due_work(r: redis.Redis) -> None:
    """Record the digests whose slot came, then queue deliveries due again or left by a killed worker."""
    ruleset, _ = active_ruleset()
    publish_due(ruleset)
    requeue_due(r)
