"""Where boards live: on the main Redis, or on a Redis Cluster of their own.

With LEADERBOARD_REDIS_CLUSTER set (`host:port,host:port,...`, any of the cluster's nodes), every
board read and write goes to that cluster; the queue, idempotency keys, rate limits and the
summaries /metrics reads stay on the main Redis (RQ does not run on Redis Cluster). Callers
pass the main connection; the board code picks the board connection here.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.cluster import ClusterNode, RedisCluster


def boards_redis(main: redis.Redis) -> redis.Redis | RedisCluster:
    nodes = getattr(settings, "LEADERBOARD_REDIS_CLUSTER", "")
    return cluster_client(nodes) if nodes else main


def is_cluster(r) -> bool:
    return isinstance(r, RedisCluster)


@lru_cache(maxsize=2)
def cluster_client(nodes: str) -> RedisCluster:
    startup = []
    for node in nodes.split(","):
        host, _, port = node.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(f"LEADERBOARD_REDIS_CLUSTER: {node.strip()!r} is not host:port "
                                       "(write e.g. 10.0.0.5:7000,10.0.0.6:7000)")
        startup.append(ClusterNode(host, int(port)))
    return RedisCluster(startup_nodes=startup, socket_timeout=10, socket_connect_timeout=5)
