"""Every Redis key name for notifications, in one place."""

from base.keys import PREFIX


def pace(channel_id: str) -> str:
    """Set for one second after a message leaves for the channel: at most one a second per channel."""
    return f"{PREFIX}:notifications:pace:{channel_id}"


DELIVERY_OUTCOMES = ("delivered", "retried", "dead")


def delivery_count(outcome: str) -> str:
    """A counter of delivery outcomes (one of DELIVERY_OUTCOMES), for /metrics."""
    return f"{PREFIX}:notifications:deliveries:{outcome}"
