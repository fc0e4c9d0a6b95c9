"""Boards on a real Redis Cluster (3 masters on 127.0.0.1): scoring, reads, around-me, rebuild, check.

Boards move to the cluster with LEADERBOARD_REDIS_CLUSTER; the queue and everything else stay
on the main Redis. Each board's keys share a hash tag, so every write to a board is one MULTI
in one slot; nothing spans two boards.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from redis.cluster import RedisCluster

from engine.scoring import do_score_pending
from leaderboards import keys
from leaderboards.connection import ClusterSettings as ParsedCluster, cluster_client, parse_cluster
from tests.helpers import BASIC_RULESET, event

pytestmark = pytest.mark.skipif(not shutil.which("redis-server") or not shutil.which("redis-cli"),
                                reason="needs Debian's redis-server and redis-tools (make setup installs them)")


def _free_port() -> int:
    """A port whose cluster bus (port + 10000) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 < 65536:
            with socket.socket() as bus:
                try:
                    bus.bind(("127.0.0.1", port + 10000))
                    return port
                except OSError:
                    continue


def _start_cluster(tmp: Path, *, password: str | None = None, tls: Path | None = None):
    """Three masters on 127.0.0.1, with a password and TLS if asked; yields the node list, then stops them."""
    ports: list[int] = []
    while len(ports) < 3:  # a port just released may come back: take three different ones
        port = _free_port()
        if port not in ports:
            ports.append(port)
    processes = []
    auth = ["--requirepass", password, "--masterauth", password] if password else []
    cli = ["-a", password, "--no-auth-warning"] if password else []
    if tls:
        cli += ["--tls", "--cacert", str(tls / "cert.pem")]
    try:
        for port in ports:
            (tmp / str(port)).mkdir()
            listen = ["--port", str(port)]
            if tls:
                listen = ["--port", "0", "--tls-port", str(port), "--tls-cluster", "yes", "--tls-replication", "yes",
                          "--tls-cert-file", str(tls / "cert.pem"), "--tls-key-file", str(tls / "key.pem"),
                          "--tls-ca-cert-file", str(tls / "cert.pem"), "--tls-auth-clients", "no"]
            processes.append(subprocess.Popen(
                ["redis-server", *listen, *auth, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-config-file", "nodes.conf", "--dir", str(tmp / str(port)), "--save", "",
                 "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
        for port in ports:
            _wait(lambda: subprocess.run(["redis-cli", *cli, "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG")
        subprocess.run(["redis-cli", *cli, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-replicas", "0",
                        "--cluster-yes"], check=True, capture_output=True, timeout=60)
        for port in ports:
            _wait(lambda: b"cluster_state:ok" in subprocess.run(["redis-cli", *cli, "-p", str(port), "cluster", "info"],
                                                              capture_output=True).stdout)
        yield ",".join(f"127.0.0.1:{p}" for p in ports)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster_nodes():
    yield from _start_cluster(Path(tempfile.mkdtemp(prefix="plaudit-cluster-")))


def _wait(ready, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError("the local Redis Cluster did not come up")
        time.sleep(0.1)


@pytest.fixture
def cluster(cluster_nodes, settings, redis):
    settings.LEADERBOARD_REDIS_CLUSTER = cluster_nodes
    client = cluster_client(cluster_nodes)
    client.flushall(target_nodes=client.ALL_NODES)
    yield client
    client.flushall(target_nodes=client.ALL_NODES)


def test_the_cluster_has_three_masters_and_boards_spread_over_them(cluster):
    assert len(cluster.get_primaries()) == 3
    slots = {cluster.keyslot(keys.board_key(b, "all")) for b in ("all-time", "weekly", "channels", "teams", "posting")}
    assert len({cluster.get_node_from_key(keys.board_key(b, "all")).port for b in ("all-time", "weekly", "channels",
                                                                                   "teams", "posting")}) > 1
    assert len(slots) == 5


def activity():
    return [
        event("post", {"id": "ana@example.com", "team": "Data"}, id="p1", at="2026-11-24T10:00:00+00:00", channel="python"),
        event("post", {"id": "bob@example.com", "team": "Sales"}, id="p2", at="2026-11-25T10:00:00+00:00", channel="cloud"),
        event("comment", "cy@example.com", at="2026-11-25T11:00:00+00:00", target={"id": "p1", "author": "ana@example.com"},
              text="great"),
        event("reaction", "bob@example.com", id="r1", at="2026-11-25T12:00:00+00:00",
              target={"id": "p1", "author": "ana@example.com"}),
        event("shoutout", "ana@example.com", at="2026-11-26T09:00:00+00:00", text="@bob@example.com and @cy@example.com #certified"),
        event("post", {"id": "dan@example.com", "team": "Data"}, at="2026-11-26T10:00:00+00:00", channel="python"),
    ]


def check() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("leaderboards", "check", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def snapshot(cluster) -> dict:
    names = sorted(k for k in cluster.scan_iter(match="plaudit:lb:*") if cluster.type(k) == b"zset")
    return {k: cluster.zrange(k, 0, -1, withscores=True) for k in names}


def entries(reader, board, **params):
    return [(e["rank"], e["person"], e["points"]) for e in reader.get(f"/leaderboards/{board}", **params).json()["entries"]]


def test_scoring_reads_rebuild_and_check_run_on_the_cluster(admin, reader, cluster, redis):
    # given a ruleset and events, scored by the real scorer
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    do_score_pending()
    # then the boards are on the cluster, spread over its masters, and not on the main Redis
    board_keys = [k for k in cluster.scan_iter(match="plaudit:lb:*") if cluster.type(k) == b"zset"]
    assert len({cluster.get_node_from_key(k).port for k in board_keys}) > 1
    assert not list(redis.scan_iter(match="plaudit:lb:*"))
    assert redis.get(keys.APPLIED_BATCH) == b"1"  # the summary stays beside the queue
    # and the API reads them: a page, a scoped board, around-me with names
    assert entries(reader, "all-time") == [(1, "bob@example.com", 35), (2, "cy@example.com", 27),
                                           (3, "ana@example.com", 14), (4, "dan@example.com", 10)]
    assert entries(reader, "channels", scope="python", period="2026-11") == [(1, "ana@example.com", 10),
                                                                             (2, "dan@example.com", 10)]
    around = reader.get("/leaderboards/all-time", around="ana@example.com", limit=2).json()
    assert [e["person"] for e in around["entries"]] == ["cy@example.com", "ana@example.com"]
    assert around["me"]["rank"] == 3 and around["me"]["name"] == "ana@example.com"
    # and the drift check compares every board on the cluster with the ledger
    code, out = check()
    assert code == 0 and "drift 0" in out, out
    # when everything on the cluster is lost and the boards are rebuilt
    before = snapshot(cluster)
    cluster.flushall(target_nodes=cluster.ALL_NODES)
    call_command("leaderboards", "rebuild", stdout=io.StringIO())
    # then they are identical, tie order included
    assert snapshot(cluster) == before and before
    assert check()[0] == 0


def test_opting_out_moves_a_person_on_every_board_of_the_cluster(admin, reader, cluster):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    do_score_pending()
    assert admin.patch("/people/bob@example.com", {"public": False}).status_code == 200
    assert "bob@example.com" not in [p for _, p, _ in entries(reader, "all-time")]
    me = reader.get("/leaderboards/all-time", around="bob@example.com").json()["me"]
    assert me == {"rank": 1, "person": "bob@example.com", "name": "bob@example.com", "points": 35, "public": False}
    assert check()[0] == 0


def test_a_board_whose_write_was_lost_catches_up_from_its_own_state(admin, cluster, redis, settings, monkeypatch):
    # given a first batch on every board
    settings.SCORER_BATCH_SIZE = 3
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    from engine.scoring import score_next_batch
    from leaderboards import store

    score_next_batch()
    # when the next batch's write to one board is lost (the others land, the ledger commits)
    real_commit = store._commit

    def lose_weekly(main, r, by_board, summary):
        real_commit(main, r, {b: c for b, c in by_board.items() if b != "weekly"}, summary)

    monkeypatch.setattr(store, "_commit", lose_weekly)
    score_next_batch()
    monkeypatch.setattr(store, "_commit", real_commit)
    assert store.board_states(redis, ["weekly", "all-time"])["weekly"].batch == 1
    assert check()[0] == 1  # the check sees the board behind
    # then the next scoring run brings that board up to the ledger from its own state
    assert admin.post("/events", [event("post", "eve@example.com", at="2026-11-27T10:00:00+00:00")]).status_code == 202
    do_score_pending()
    code, out = check()
    assert code == 0, out


def test_a_crash_between_two_boards_leaves_each_whole_and_the_next_batch_repairs_it(admin, cluster, redis, monkeypatch):
    # given a batch that reached one board, then the worker died before the ledger committed
    from leaderboards import store

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    real_commit = store._commit

    def die_after_one_board(main, r, by_board, summary):
        first = next(iter(by_board))
        real_commit(main, r, {first: by_board[first]}, [])
        raise RuntimeError("worker died between two boards")

    monkeypatch.setattr(store, "_commit", die_after_one_board)
    with pytest.raises(RuntimeError):
        do_score_pending()
    monkeypatch.setattr(store, "_commit", real_commit)
    # when scoring runs again
    do_score_pending()
    # then every board equals the ledger, counted once
    code, out = check()
    assert code == 0, out
    assert entries_of(cluster, "all-time")[0] == ("bob@example.com", 35)


def entries_of(cluster, board):
    from rules.core.placement import decode

    return [(m.decode(), decode(s)) for m, s in cluster.zrange(keys.board_key(board, "all"), 0, -1, withscores=True)]


def test_an_erased_person_leaves_the_boards_on_the_cluster(admin, reader, cluster):
    # given Ana on the boards of the cluster
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    do_score_pending()
    # when an admin erases her
    response = admin.client.delete("/api/v1/people/ana@example.com", **admin._headers())
    # then no board on the cluster names her, and the boards still agree with the ledger
    assert response.status_code == 200 and response.json()["report"]["board_entries_removed"] > 0
    for key in cluster.scan_iter(match="plaudit:lb:*"):
        if cluster.type(key) == b"zset":
            assert b"ana@example.com" not in cluster.zrange(key, 0, -1)
    assert "ana@example.com" not in [p for _, p, _ in entries(reader, "all-time")]
    assert check()[0] == 0


# --- a password and TLS -----------------------------------------------------------------------------

PASSWORD = "s3cret/with:odd@chars"


@pytest.fixture(scope="module")
def password_nodes():
    yield from _start_cluster(Path(tempfile.mkdtemp(prefix="plaudit-cluster-pw-")), password=PASSWORD)


def _certificate(directory: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (openssl CLI), used as the cluster's CA too."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(directory / "key.pem"),
                    "-out", str(directory / "cert.pem")], check=True, capture_output=True, timeout=60)
    return directory


@pytest.fixture(scope="module")
def tls_nodes():
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl CLI to make a certificate")
    tmp = Path(tempfile.mkdtemp(prefix="plaudit-cluster-tls-"))
    certs = _certificate(Path(tempfile.mkdtemp(prefix="plaudit-certs-")))
    try:
        yield from ((nodes, certs) for nodes in _start_cluster(tmp, password=PASSWORD, tls=certs))
    finally:
        shutil.rmtree(certs, ignore_errors=True)


def _url(scheme: str, nodes: str, query: str = "") -> str:
    from urllib.parse import quote

    return f"{scheme}://:{quote(PASSWORD, safe='')}@{nodes}{query}"


def _scores_and_reads(admin, reader, client) -> None:
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", activity()).status_code == 202
    do_score_pending()
    assert entries(reader, "all-time")[0] == (1, "bob@example.com", 35)
    assert client.get("/readyz").json()["checks"]["boards"] == {"ok": True, "on": "cluster"}
    assert check()[0] == 0


def test_a_cluster_with_a_password_refuses_without_it_and_serves_the_boards_with_it(admin, reader, client, settings,
                                                                                    password_nodes):
    # given a cluster that asks for a password, named without it
    settings.LEADERBOARD_REDIS_CLUSTER = password_nodes
    # then /readyz says the boards' cluster does not answer
    boards = client.get("/readyz").json()["checks"]["boards"]
    assert boards["ok"] is False and "LEADERBOARD_REDIS_CLUSTER" in boards["error"]
    # when the setting carries the password (URL-quoted)
    settings.LEADERBOARD_REDIS_CLUSTER = _url("redis", password_nodes)
    cluster_client(settings.LEADERBOARD_REDIS_CLUSTER).flushall(target_nodes=RedisCluster.ALL_NODES)
    # then scoring, reads and the drift check run on it
    _scores_and_reads(admin, reader, client)


def test_a_cluster_over_tls_serves_the_boards(admin, reader, client, settings, tls_nodes):
    nodes, certs = tls_nodes
    settings.LEADERBOARD_REDIS_CLUSTER = _url("rediss", nodes, f"?ssl_ca_certs={certs / 'cert.pem'}")
    cluster_client(settings.LEADERBOARD_REDIS_CLUSTER).flushall(target_nodes=RedisCluster.ALL_NODES)
    _scores_and_reads(admin, reader, client)


@pytest.mark.parametrize("value, expected", [
    ("10.0.0.5:7000,10.0.0.6:7000", ParsedCluster((("10.0.0.5", 7000), ("10.0.0.6", 7000)))),
    ("redis://:pw@10.0.0.5:7000,10.0.0.6:7000", ParsedCluster((("10.0.0.5", 7000), ("10.0.0.6", 7000)), None, "pw")),
    ("rediss://boards:p%40ss@h:7000?ssl_cert_reqs=none", ParsedCluster((("h", 7000),), "boards", "p@ss", True,
                                                                         {"ssl_cert_reqs": "none"})),
])
def test_the_setting_is_read_with_password_and_tls(value, expected):
    assert parse_cluster(value) == expected


@pytest.mark.parametrize("value, says", [
    ("http://h:7000", "neither redis:// nor rediss://"),
    ("pw@h:7000", "needs the URL form"),
    ("redis://h:7000?ssl_ca_certs=/ca.pem", "start the URL with rediss://"),
    ("rediss://h:7000?verify=no", "unknown option 'verify'"),
    ("redis://h", "'h' is not host:port"),
])
def test_a_wrong_setting_says_what_to_write(value, says):
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
        parse_cluster(value)
