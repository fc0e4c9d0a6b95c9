"""A Redis Cluster master of the boards SIGKILLed under HTTP load and restarted from its AOF.

The boards live on a 3-master cluster (LEADERBOARD_REDIS_CLUSTER); the queue stays on the stack's
own Redis, so ingest goes on while a master is down and scoring fails until it is back. Nothing
accepted may be lost or scored twice, events accepted during the outage are scored once the
master returns although no new event arrives, and the boards agree with the ledger.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from rq.registry import FailedJobRegistry

from base.ledger import ledger_batch
from base.models import ApiKey, Award, Event
from base.scoring_queue import SCORING_QUEUE
from leaderboards import keys
from leaderboards.connection import cluster_client
from leaderboards.rebuild import check_boards
from rulesets.active import active_ruleset
from tests.conftest import wait_for
from tests.helpers import BASIC_RULESET
from tests.test_leaderboards_cluster import _free_port
from tests.test_scorer_reliability import generate_events, replayed_ledger, stored_ledger

from .conftest import size
from .stack import post_until_answered, running_stack

pytestmark = pytest.mark.skipif(not shutil.which("redis-server") or not shutil.which("redis-cli"),
                                reason="needs Debian's redis-server and redis-tools (make setup installs them)")

EVENTS = size(3_000, 30_000)
PER_REQUEST = 100
NODE_TIMEOUT_MS = 2000  # the cluster marks the dead master failed after this; 15 s by default


def _cli(port: int, *args: str) -> bytes:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, timeout=10).stdout


class DurableCluster:
    """Three masters on 127.0.0.1, no replicas, each with `appendonly yes` and `appendfsync always`;
    a master can be SIGKILLed and started again on its port and directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="plaudit-cluster-aof-"))
        self.ports = [_free_port() for _ in range(3)]
        self.processes: dict[int, subprocess.Popen] = {}
        for port in self.ports:
            (self.dir / str(port)).mkdir()
            self.start(port)
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                        "--cluster-replicas", "0", "--cluster-yes"], check=True, capture_output=True, timeout=60)
        wait_for(self.healthy, timeout=30, what="the Redis Cluster to form")
        self.nodes = ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self, port: int) -> None:
        self.processes[port] = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
             "--dir", str(self.dir / str(port)), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             "--daemonize", "no", "--loglevel", "warning", "--logfile", "redis.log"],
            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        wait_for(lambda: _cli(port, "ping").strip() == b"PONG", timeout=20, what=f"redis-server on {port}")

    def kill(self, port: int) -> None:
        self.processes[port].send_signal(signal.SIGKILL)
        self.processes[port].wait()

    def healthy(self) -> bool:
        return all(b"cluster_state:ok" in _cli(port, "cluster", "info") for port in self.ports)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def durable_cluster():
    cluster = DurableCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def stack_on_cluster(transactional_db, redis, durable_cluster, settings):
    settings.LEADERBOARD_REDIS_CLUSTER = durable_cluster.nodes  # for the checks this test makes
    with running_stack(LEADERBOARD_REDIS_CLUSTER=durable_cluster.nodes) as (own, base):
        yield own, base, durable_cluster


@pytest.mark.worker
def test_a_cluster_master_killed_and_restarted_under_load(stack_on_cluster, figures):
    own, base, cluster = stack_on_cluster
    admin = {"Authorization": f"Bearer {ApiKey.issue(name='admin', role='admin')[1]}"}
    sender = {"Authorization": f"Bearer {ApiKey.issue(name='load', role='integration')[1]}"}
    assert requests.put(f"{base}/ruleset", BASIC_RULESET, headers={**admin, "Content-Type": "application/yaml"},
                        timeout=30).status_code == 200
    events = generate_events(EVENTS, seed=21)
    bodies = [events[i:i + PER_REQUEST] for i in range(0, len(events), PER_REQUEST)]
    third = len(bodies) // 3
    statuses: dict[int, int] = {}
    progress = {"bodies": 0}
    resume = threading.Event()  # the sender waits at two thirds until the outage's events are scored
    failed: list[BaseException] = []

    # given a sender posting events steadily over HTTP (a 503 is retried, as a client would)
    def load():
        try:
            for n, body in enumerate(bodies):
                if n == 2 * third:
                    resume.wait(size(120, 600))
                post_until_answered(f"{base}/events", body, sender, statuses)
                progress["bodies"] += 1
        except BaseException as exc:  # surfaced below, not lost in the thread
            failed.append(exc)

    def scored() -> int:
        return Event.objects.filter(scored_at__isnull=False).count()

    thread = threading.Thread(target=load)
    started = time.monotonic()
    thread.start()
    try:
        # when one master of the boards' cluster is SIGKILLed a third of the way through
        wait_for(lambda: progress["bodies"] >= third, timeout=size(120, 900), what=f"{third} requests sent")
        victim = cluster_client(cluster.nodes).get_node_from_key(keys.board_key("all-time", "all")).port
        cluster.kill(victim)
        killed_at = time.monotonic()
        # ... the sender goes on, and scoring fails while the master is away
        failures = FailedJobRegistry(SCORING_QUEUE, connection=own.client())
        wait_for(lambda: progress["bodies"] >= 2 * third and failures.count >= 1, timeout=size(120, 900),
                 what="the second third sent and a scoring job failed on the broken cluster")
        scored_before_restart = scored()
        # ... and the master is started again on its port and directory, from its append-only file
        cluster.start(victim)
        restarted_at = time.monotonic()
        accepted_so_far = 2 * third * PER_REQUEST
        assert Event.objects.count() == accepted_so_far  # ingest went on: the queue is not on the cluster

        # then what was accepted during the outage is scored with no new event arriving
        wait_for(lambda: scored() == accepted_so_far, timeout=size(60, 300),
                 what="the events accepted during the outage to be scored after the master returned")
        caught_up_seconds = time.monotonic() - restarted_at
        assert cluster.healthy()
    finally:
        resume.set()  # when the sender goes on to the end (and not left waiting if the test failed above)
        thread.join()
    assert not failed, failed
    wait_for(lambda: scored() == EVENTS, timeout=size(120, 900), what="every event scored")
    elapsed = time.monotonic() - started

    # then every accepted event was stored and scored once: the ledger is one uninterrupted replay
    assert statuses.get(500, 0) == 0 and set(statuses) <= {200, 202, 503}, statuses
    assert Event.objects.count() == EVENTS
    ledger = stored_ledger()
    assert ledger == replayed_ledger()
    assert len(ledger) == len({(row[0], row[1], row[2]) for row in ledger}) == Award.objects.count()
    # and the boards on the cluster agree with the ledger
    ruleset, _ = active_ruleset()
    report = check_boards(own.client(), ruleset, ledger_batch())
    assert report.drift == 0, report
    board_keys = [k for k in cluster_client(cluster.nodes).scan_iter(match="plaudit:lb:*")]
    assert board_keys, "the boards are on the cluster"
    figures(events=EVENTS, requests=sum(statuses.values()), statuses=statuses, failed_scoring_jobs=failures.count,
            scored_before_restart=scored_before_restart, outage_seconds=round(restarted_at - killed_at, 1),
            caught_up_seconds=round(caught_up_seconds, 1), lost_events=EVENTS - Event.objects.count(),
            double_awards=0, drift=report.drift, seconds=round(elapsed, 1))
