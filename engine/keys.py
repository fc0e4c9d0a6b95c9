"""Every Redis key name the engine's request handling owns, in one place."""

from base.keys import PREFIX

IDEMPOTENCY = f"{PREFIX}:idempotency"
# Every stored answer to an Idempotency-Key, for the erasure's sweep.
IDEMPOTENCY_PATTERN = f"{IDEMPOTENCY}:*"


def idempotency(scope: str) -> str:
    """A request's record (running, or its answer), by the digest of its caller, method, path and key."""
    return f"{IDEMPOTENCY}:{scope}"


def rate_limit(kind: str, caller: str, window: int) -> str:
    """How many requests of a kind (`ingest`, `read`) the caller sent in one one-minute window."""
    return f"{PREFIX}:ratelimit:{kind}:{caller}:{window}"


# HTTP request metrics, shared by every web process (engine/request_metrics.py): counts by
# "method route status", latency bucket counts by "route\tbucket", latency sums by route.
HTTP_REQUESTS = f"{PREFIX}:metrics:http:requests"
HTTP_LATENCY_BUCKETS = f"{PREFIX}:metrics:http:latency:buckets"
HTTP_LATENCY_SUM = f"{PREFIX}:metrics:http:latency:sum"


# The Slack app (engine/integrations/slack_app/): OAuth states issued by /integrations/slack/install,
# each usable once until it expires, and the Slack users already looked up with users.info.
def slack_oauth_state(state: str) -> str:
    return f"{PREFIX}:slack:oauth_state:{state}"


def slack_looked_up(team: str, user: str) -> str:
    return f"{PREFIX}:slack:looked_up:{team}:{user}"
