"""Notifications through a receiver that fails, rate-limits and stalls, while delivery workers are
SIGKILLed: every notification is delivered, and repeats are no more than the kills that hit a send."""

from __future__ import annotations

import base64
import os
import random
import signal
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from base.redis import get_redis
from notifications import outbox
from notifications.models import Channel, Notification
from notifications.receiver import Answer, Receiver
from tests.conftest import wait_for

from .conftest import size

NOTIFICATIONS = size(24, 200)
KILLS = size(2, 5)
CHANNELS = 4
SECRET = "whsec_" + base64.b64encode(b"c" * 32).decode()


class ChaosReceiver(Receiver):
    """Answers at random: 25% fail with 500, 10% ask to wait (429, Retry-After: 1), 10% stall 2 s, else 200."""

    def __init__(self, seed: int):
        super().__init__(secret=SECRET, on_receive=self.count)
        self.rng = random.Random(seed)
        self.accepted: Counter = Counter()  # webhook-id -> deliveries answered 200

    def next_answer(self) -> Answer:
        with self.lock:
            roll = self.rng.random()
        if roll < 0.25:
            return Answer(500)
        if roll < 0.35:
            return Answer(429, {"Retry-After": "1"})
        if roll < 0.45:
            return Answer(200, delay=2.0)
        return Answer(200)

    def count(self, item, status):
        if status == 200 and item.verified:
            with self.lock:
                self.accepted[item.headers["webhook-id"]] += 1


@pytest.mark.worker
def test_every_notification_arrives_through_failures_and_killed_workers(workers, settings, figures):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    settings.NOTIFICATION_REQUEUE_SECONDS = 5  # the relay runs here: jobs lost with a killed worker come back sooner
    receiver = ChaosReceiver(seed=7).start()
    env = {"OUTBOUND_ALLOW": "127.0.0.1", "NOTIFICATION_BACKOFF_SECONDS": "0.5", "NOTIFICATION_LEASE_SECONDS": "5"}
    try:
        for n in range(CHANNELS):
            Channel.objects.create(id=f"hook-{n}", kind="webhook", url=f"{receiver.url}/webhook/{n}",
                                   secrets=[SECRET])
        # given delivery workers, and a relay (as `manage.py serve` runs one) in this process
        live = [workers.start(**env), workers.start(**env)]
        stop_relay = threading.Event()

        def relay():
            while not stop_relay.is_set():
                outbox.requeue_due(get_redis())
                time.sleep(0.5)
            connection.close()

        relay_thread = threading.Thread(target=relay)
        relay_thread.start()
        # when notifications are recorded and the workers are killed at random moments on the way
        with transaction.atomic():
            outbox.record([Notification(channel_id=f"hook-{i % CHANNELS}", trigger="badge_awarded", template="badge_awarded",
                                        data={"n": i}, dedupe_key=f"chaos:{i}") for i in range(NOTIFICATIONS)])
        rng = random.Random(3)
        started = time.monotonic()
        for kill in range(KILLS):
            time.sleep(rng.uniform(1.0, 3.0))
            victim = live.pop(rng.randrange(len(live)))
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
            live.append(workers.start(**env))
        wait_for(lambda: Notification.objects.filter(status="delivered").count() == NOTIFICATIONS,
                 timeout=size(120, 600), what="every notification delivered")
        elapsed = time.monotonic() - started
        stop_relay.set()
        relay_thread.join()
        # then every one arrived, verified, and repeats are bounded by the kills
        ids = {f"msg_plaudit_{n.id}" for n in Notification.objects.all()}  # the webhook-id of each row
        assert set(receiver.accepted) == ids
        repeats = sum(count - 1 for count in receiver.accepted.values())
        assert repeats <= KILLS
        assert Notification.objects.exclude(status="delivered").count() == 0
        attempts = sum(Notification.objects.values_list("attempts", flat=True))
        figures(notifications=NOTIFICATIONS, kills=KILLS, delivered=len(receiver.accepted), repeats=repeats,
                attempts=attempts, seconds=round(elapsed, 1))
    finally:
        receiver.stop()
