"""Channel delivery never wedges: URLs that cannot be sent are refused when saved, anything going
wrong while delivering is a failure recorded on the row, and a row whose worker keeps dying ends dead.

Real parts: a real HTTP receiver (and a raw TCP server answering garbage) on 127.0.0.1, the real
outbox, delivery and outbound code, real Redis."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from base.redis import get_redis
from notifications import outbound, outbox
from notifications.models import Channel, Notification
from notifications.receiver import Answer, Receiver
from notifications.templates import SAMPLES
from tests.web_seed import make_user, signed_in


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def allow_local(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


def _put_channel(admin, channel_id, **body):
    return admin.client.put(f"/api/v1/channels/{channel_id}", json.dumps(body), content_type="application/json",
                            **admin._headers())


def _notification(channel="learning", **fields) -> Notification:
    """An outbox row as the scorer records it."""
    fields.setdefault("next_attempt_at", timezone.now())
    return Notification.objects.create(channel_id=channel, trigger="badge_awarded", template="badge_awarded",
                                       data=SAMPLES["badge_awarded"], dedupe_key=f"test:{Notification.objects.count()}",
                                       **fields)


# --- URLs that cannot be sent are refused when saved ------------------------------------------------

BAD_URLS = [
    ("RECEIVER/sl ack", "a space", "%20"),
    ("RECEIVER/slack\tx", "a control character", "remove it"),
    ("RECEIVER/sl\u00fcck", "'\u00fc'", "%C3%BC"),
    ("http://b\u00fccher.example/slack", "not ASCII", "xn--bcher-kva.example"),
    ("http:///slack", "no host", "https://"),
    ("http://user:pw@127.0.0.1/slack", "user name or password", "must not"),
]


@pytest.mark.parametrize("url, problem, fix", BAD_URLS)
def test_a_url_that_cannot_be_sent_is_refused_by_the_api_naming_the_fix(admin, receiver, allow_local, url, problem, fix):
    # when
    response = _put_channel(admin, "learning", kind="slack", url=url.replace("RECEIVER", receiver.url))
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid_channel" and body["details"][0]["path"] == "url"
    assert problem in body["message"] and fix in body["message"], body["message"]
    assert not Channel.objects.exists()


@pytest.mark.parametrize("url, problem, fix", BAD_URLS[:4])
def test_a_url_that_cannot_be_sent_is_refused_beside_the_url_field_on_the_admin_page(db, redis, receiver, allow_local,
                                                                                     url, problem, fix):
    from tests.test_web_notification_pages import error_beside

    make_user("boss", admin=True)
    boss = signed_in("boss")
    # when
    response = boss.post("/admin-area/channels", {"id": "learning", "kind": "slack", "enabled": "on",
                                                  "url": url.replace("RECEIVER", receiver.url)})
    # then
    assert response.status_code == 422
    shown = error_beside(response, "url")
    assert problem in shown and fix in shown, shown
    assert not Channel.objects.exists()


def test_a_percent_encoded_url_is_accepted_and_delivered_as_written(admin, receiver, allow_local):
    # when
    response = _put_channel(admin, "learning", kind="slack", url=f"{receiver.url}/slack/caf%C3%A9%20bar")
    _notification()
    outbox.deliver_notification_job(Notification.objects.get().id)
    # then
    assert response.status_code == 201, response.content
    assert Notification.objects.get().status == "delivered"
    assert receiver.received[0].path == "/slack/caf%C3%A9%20bar"


@pytest.mark.parametrize("url", ["RECEIVER/sl\u00fcck", "RECEIVER/sl ack"])
def test_a_stored_url_that_cannot_be_sent_is_dead_at_once_saying_to_fix_the_channel(db, redis, receiver, allow_local, url):
    # given: a channel stored before URLs were checked this way
    Channel.objects.create(id="learning", kind="slack", url=url.replace("RECEIVER", receiver.url))
    n = _notification()
    # when
    status = outbox.deliver_notification_job(n.id)
    # then
    n.refresh_from_db()
    assert status == "dead" and n.status == "dead" and n.attempts == 1
    assert "channel 'learning'" in n.last_error and "fix its URL" in n.last_error, n.last_error
    assert receiver.received == []


# --- anything going wrong while delivering is a retryable failure -----------------------------------

@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-5", "1e400", "soon", "Thu, 01 Jan 1970 00:00:00 -0000"])
def test_a_429_with_a_retry_after_that_is_not_seconds_or_a_date_backs_off(db, redis, receiver, allow_local, settings, value):
    # given
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    receiver.script = [Answer(429, {"Retry-After": value})]
    n = _notification()
    # when
    status = outbox.deliver_notification_job(n.id)
    # then: retried after the usual backoff, with the header named
    n.refresh_from_db()
    assert status == "retrying" and n.status == "retrying" and n.last_status_code == 429
    assert f"Retry-After {value!r}" in n.last_error and "HTTP 429" in n.last_error, n.last_error
    wait = (n.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait <= settings.NOTIFICATION_BACKOFF_SECONDS


def test_retry_after_refuses_what_is_not_seconds_or_a_date():
    from notifications.delivery import retry_after

    assert retry_after("120") == 120 and retry_after(" 7 ") == 7 and retry_after("99999999999999999999") == 3600
    for value in ("nan", "inf", "-1", "1.5e3", "0x10", "", None, "Mon, 32 Foo 2026 99:99:99 GMT"):
        assert retry_after(value) is None, value


def _garbage_server(answer: bytes):
    """A TCP server on 127.0.0.1 that answers every connection with `answer` and closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.mark.parametrize("answer", [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                    b"HTTP/1.1 9999 What\r\n\r\n", b""])
def test_a_response_that_does_not_parse_is_retried(db, redis, allow_local, answer):
    listener = _garbage_server(answer)
    try:
        Channel.objects.create(id="learning", kind="slack", url=f"http://127.0.0.1:{listener.getsockname()[1]}/slack")
        n = _notification()
        # when
        status = outbox.deliver_notification_job(n.id)
    finally:
        listener.close()
    # then
    n.refresh_from_db()
    assert status == "retrying" and n.status == "retrying" and n.last_error and n.lease_until is None


class _Broken(outbound.SocketTransport):
    """The network as a failing library leaves it: an exception no one planned for."""

    def send(self, request):
        raise LookupError("unknown encoding: latin-2000")


def test_an_unexpected_exception_while_delivering_is_a_retry_recorded_on_the_row(db, redis, receiver, allow_local):
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    n = _notification()
    # when
    with outbound.use_transport(_Broken()):
        status = outbox.deliver_notification_job(n.id)
    # then
    n.refresh_from_db()
    assert status == "retrying" and n.status == "retrying" and n.lease_until is None
    assert n.last_error == "LookupError: unknown encoding: latin-2000"


# --- a row whose worker keeps dying ends dead -------------------------------------------------------

def _abandoned(attempts: int, **fields) -> Notification:
    """What a worker killed mid-delivery (or crashed past every handler) leaves: delivering, the lease run out."""
    return _notification(status="delivering", attempts=attempts, lease_until=timezone.now() - timedelta(seconds=1), **fields)


def test_taking_back_an_abandoned_delivery_counts_an_attempt_and_says_why(db, redis, receiver, allow_local):
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    receiver.script = [Answer(503)]
    n = _abandoned(attempts=2)
    # when: the relay takes it back and the job retries it
    assert outbox.requeue_due(get_redis()) == 1
    status = outbox.deliver_notification_job(n.id)
    # then
    n.refresh_from_db()
    assert status == "retrying" and n.attempts == 3 and n.last_error.startswith("HTTP 503")


def test_an_abandoned_delivery_with_its_attempts_used_up_is_dead_with_the_reason(db, redis, receiver, allow_local):
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    n = _abandoned(attempts=outbox.MAX_ATTEMPTS)
    fresh = _abandoned(attempts=1)
    # when: the relay's round after the lease ran out
    queued = outbox.requeue_due(get_redis())
    # then: the used-up row is dead, not queued; the other is queued again
    n.refresh_from_db()
    assert queued == 1 and n.status == "dead" and n.lease_until is None
    assert f"gave up after {outbox.MAX_ATTEMPTS} attempts" in n.last_error and "lease" in n.last_error, n.last_error
    assert outbox.deliver_notification_job(n.id) == "not due"
    assert outbox.deliver_notification_job(fresh.id) == "delivered"
    assert len(receiver.received) == 1


def test_a_job_finding_an_abandoned_delivery_with_its_attempts_used_up_buries_it(db, redis, receiver, allow_local):
    # given: a job still queued for the row (the relay has not run since the lease ran out)
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    n = _abandoned(attempts=outbox.MAX_ATTEMPTS)
    # when
    status = outbox.deliver_notification_job(n.id)
    # then
    n.refresh_from_db()
    assert status == "not due" and n.status == "dead" and n.attempts == outbox.MAX_ATTEMPTS
    assert receiver.received == []


def test_an_abandoned_rate_limited_delivery_keeps_the_longer_limit(db, redis, receiver, allow_local):
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    n = _abandoned(attempts=outbox.MAX_ATTEMPTS, last_status_code=429)
    # when
    outbox.requeue_due(get_redis())
    status = outbox.deliver_notification_job(n.id)
    # then
    assert status == "delivered"


# --- counted for /metrics ---------------------------------------------------------------------------

def test_delivery_outcomes_are_counted(db, redis, receiver, allow_local):
    # given: one delivered, one retried then delivered, one dead at once, one dead after its worker died
    Channel.objects.create(id="learning", kind="slack", url=f"{receiver.url}/slack")
    assert outbox.delivery_counts(redis) == {"delivered": 0, "retried": 0, "dead": 0}
    receiver.script = [Answer(200), Answer(503), Answer(404)]
    first, second, third = _notification(), _notification(), _notification()
    _abandoned(attempts=outbox.MAX_ATTEMPTS)
    # when
    assert [outbox.deliver_notification_job(n.id) for n in (first, second, third)] == ["delivered", "retrying", "dead"]
    Notification.objects.filter(id=second.id).update(next_attempt_at=timezone.now())
    assert outbox.deliver_notification_job(second.id) == "delivered"
    outbox.requeue_due(redis)
    # then
    assert outbox.delivery_counts(redis) == {"delivered": 2, "retried": 1, "dead": 2}
