"""A test message to one channel, sent at once through the channel's own delivery path.

An admin checks a channel with it: the URL, the secret, the template and the receiver's answer, as
a real notification would meet them. The message is the sample badge message the template previews
render (so the receivers see what their template makes of it), sent with the trigger
`test_message`. It is sent once, with no retry, and kept in the outbox like any other row, so the
outbox shows it and its outcome.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from base.errors import NotFound

from .delivery import deliver
from .models import Channel, Notification
from .outbound import Transport
from .templates import SAMPLES

TRIGGER = "test_message"
TEMPLATE = "badge_awarded"


def do_send_test_message(channel_id: str, *, by: str, transport: Transport | None = None) -> Notification:
    """Send the test message to the channel and return its outbox row: `delivered`, or `dead` with the
    error the channel returned in `last_error`. NotFound when there is no such channel."""
    channel = Channel.objects.filter(id=channel_id).first()
    if channel is None:
        raise NotFound(f"no channel {channel_id!r}")
    now = timezone.now()
    data = {**SAMPLES[TEMPLATE], "test": True, "sent_by": by[:100]}
    notification = Notification.objects.create(
        channel_id=channel.id, trigger=TRIGGER, template=TEMPLATE, data=data, dedupe_key=f"test:{uuid.uuid4()}",
        status="delivering", attempts=1, next_attempt_at=now)
    # Disabled channels are sent to as well: a test is how an admin checks one before turning it on.
    outcome = deliver(notification, channel, transport)
    if outcome.delivered:
        fields = {"status": "delivered", "delivered_at": timezone.now(), "last_error": ""}
    else:
        fields = {"status": "dead", "last_error": (outcome.error or "not delivered")[:1000]}
    Notification.objects.filter(id=notification.id).update(last_status_code=outcome.status_code, **fields)
    notification.refresh_from_db()
    return notification
