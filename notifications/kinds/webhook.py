"""Standard Webhooks (standardwebhooks.com): a JSON body of type, timestamp and data, signed with
every current secret so a receiver holding either secret verifies it during a rotation."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

EVENT_TYPES = {"badge_awarded": "badge.awarded", "level_up": "level.reached",
               "leaderboard_top": "leaderboard.top_entered", "weekly_digest": "digest.published",
               "challenge_started": "challenge.started", "challenge_halfway": "challenge.halfway",
               "challenge_last_day": "challenge.last_day", "challenge_ended": "challenge.ended",
               "test_message": "test.message"}
MAX_SECRETS = 2


def check_secret(secret: str) -> str | None:
    """Why a secret is unusable, or None: `whsec_` then base64 of 24 to 64 random bytes."""
    if not isinstance(secret, str) or not secret.startswith("whsec_"):
        return "a webhook secret starts with whsec_ followed by base64 (e.g. whsec_ and 32 random bytes in base64)"
    try:
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return "the part after whsec_ is not valid base64"
    if not 24 <= len(raw) <= 64:
        return f"the secret holds {len(raw)} bytes; use 24 to 64 random bytes"
    return None


def message_id(notification_id: int) -> str:
    # Stable per notification, so a receiver drops a retried delivery it already processed.
    return f"msg_plaudit_{notification_id}"


def body(event_type: str, data: dict, at: datetime) -> bytes:
    return json.dumps({"type": event_type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data},
                      separators=(",", ":")).encode()


def request(notification_id: int, trigger: str, data: dict, secrets: list[str],
            now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    payload = body(EVENT_TYPES.get(trigger, trigger), data, now)
    msg_id = message_id(notification_id)
    signatures = " ".join(Webhook(secret).sign(msg_id, now, payload.decode()) for secret in secrets)
    return payload, {"Content-Type": "application/json", "webhook-id": msg_id,
                     "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signatures}
