"""The notifications' periodic work: run every few seconds by the relay (the serve stack's loop)."""

from __future__ import annotations

import redis

from rulesets.active import active_ruleset

from .challenge_news import publish_due_moments
from .digest import publish_due
from .outbox import requeue_due


def run_due_work(r: redis.Redis) -> None:
    """Record the digests whose slot came and the challenge moments due, then queue deliveries due again or left by a killed worker."""
    ruleset, _ = active_ruleset()
    publish_due(ruleset)
    publish_due_moments(ruleset)
    requeue_due(r)
