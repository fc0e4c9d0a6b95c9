"""Where boards live: on the main Redis, or on a Redis Cluster of their own.

With LEADERBOARD_REDIS_CLUSTER set (`host:port,host:port,...`, any of the cluster's nodes), every
board read and write goes to that cluster. A password and TLS are written as a URL:
`redis://:PASSWORD@host:port,host:port` (or `redis://USER:PASSWORD@...` with an ACL user), and
`rediss://...` for TLS, optionally `?ssl_ca_certs=/path/ca.pem` (a private CA) and
`ssl_cert_reqs=none` (no certificate check). The queue, idempotency keys, rate limits and the
summaries /metrics reads stay on the main Redis (RQ does not run on Redis Cluster). Callers
pass the main connection; the board code picks the board connection here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, unquote

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.cluster import ClusterNode, RedisCluster


def boards_redis(main: redis.Redis) -> redis.Redis | RedisCluster:
    nodes = getattr(settings, "LEADERBOARD_REDIS_CLUSTER", "")
    return cluster_client(nodes) if nodes else main


def is_cluster(r) -> bool:
    return isinstance(r, RedisCluster)


EXAMPLE = "write e.g. 10.0.0.5:7000,10.0.0.6:7000 or rediss://:PASSWORD@10.0.0.5:7000,10.0.0.6:7000"
SSL_OPTIONS = {"ssl_ca_certs", "ssl_cert_reqs"}


@dataclass(frozen=True)
class ClusterSettings:
    """LEADERBOARD_REDIS_CLUSTER, read: the startup nodes and how to reach them."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None
    ssl: bool = False
    ssl_options: dict[str, str] = field(default_factory=dict)


def parse_cluster(value: str) -> ClusterSettings:
    """`host:port,...`, or `redis[s]://[[user]:password@]host:port,...[?ssl_ca_certs=...&ssl_cert_reqs=...]`."""
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    elif scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(f"LEADERBOARD_REDIS_CLUSTER: the scheme {scheme!r} is neither redis:// nor rediss:// "
                                   f"({EXAMPLE})")
    rest, _, query = rest.partition("?")
    username = password = None
    if "@" in rest:
        if not scheme:
            raise ImproperlyConfigured("LEADERBOARD_REDIS_CLUSTER: a password needs the URL form "
                                       f"redis://:PASSWORD@host:port,... ({EXAMPLE})")
        userinfo, _, rest = rest.rpartition("@")
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
        if password is None:  # `redis://PASSWORD@host` as redis-py reads a lone userinfo: the password
            username, password = None, unquote(user)
    options: dict[str, str] = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name not in SSL_OPTIONS:
            raise ImproperlyConfigured(f"LEADERBOARD_REDIS_CLUSTER: unknown option {name!r} "
                                       f"(known: {', '.join(sorted(SSL_OPTIONS))})")
        options[name] = values[-1]
    if options and scheme != "rediss":
        raise ImproperlyConfigured("LEADERBOARD_REDIS_CLUSTER: ssl_* options need TLS: start the URL with rediss://")
    if options.get("ssl_cert_reqs", "required") not in ("required", "optional", "none"):
        raise ImproperlyConfigured("LEADERBOARD_REDIS_CLUSTER: ssl_cert_reqs is one of required, optional, none")
    nodes = []
    for node in rest.split(","):
        host, _, port = node.strip().rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(f"LEADERBOARD_REDIS_CLUSTER: {node.strip()!r} is not host:port ({EXAMPLE})")
        nodes.append((host, int(port)))
    return ClusterSettings(tuple(nodes), username, password, scheme == "rediss", options)


@lru_cache(maxsize=2)
def cluster_client(nodes: str) -> RedisCluster:
    parsed = parse_cluster(nodes)
    extra: dict = {}
    if parsed.ssl:
        extra = {"ssl": True, **parsed.ssl_options}
    return RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in parsed.nodes],
                        username=parsed.username, password=parsed.password,
                        socket_timeout=10, socket_connect_timeout=5, **extra)
