"""Redis connections, and the private redis-server Plaudit runs when REDIS_URL is unset.

Web and worker processes share one server: the process that starts the stack
(`manage.py serve` / `demo`) owns it and puts its URL in REDIS_URL for its children.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import redis
from django.conf import settings


class RedisUnavailable(RuntimeError):
    pass


def redis_url() -> str:
    return settings.REDIS_URL or os.environ.get("REDIS_URL") or f"unix://{settings.EMBEDDED_REDIS_SOCKET}"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)


def get_redis() -> redis.Redis:
    """The shared connection pool; decode_responses is off, RQ needs bytes."""
    return _client(redis_url())


def start_redis_server(data_dir: Path, socket_path: Path | None = None) -> subprocess.Popen:
    """Start a private redis-server on a unix socket in `data_dir` (AOF on) and wait until it answers."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RedisUnavailable("redis-server is not installed: run `make setup` (Debian: apt-get install redis-server) or set REDIS_URL")
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = socket_path or data_dir / "redis.sock"
    if socket_path.exists():
        try:
            redis.Redis(unix_socket_path=str(socket_path)).ping()
            raise RedisUnavailable(f"a redis-server already answers on {socket_path}; stop it or set REDIS_URL to use it")
        except redis.ConnectionError:
            socket_path.unlink()  # left over from a server that died
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
         "--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "everysec",
         "--save", "", "--daemonize", "no", "--loglevel", "warning",
         "--logfile", str(data_dir / "redis.log")],
        stdin=subprocess.DEVNULL,
        # Its own session: a Ctrl-C reaches web and worker first; the owner stops Redis after them.
        start_new_session=True,
    )
    client = redis.Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 15
    while True:
        try:
            if socket_path.exists() and client.ping():
                break
        except redis.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RedisUnavailable(f"redis-server did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    return process


@contextmanager
def embedded_redis():
    """Own a private redis-server for the duration, unless REDIS_URL names one already."""
    if settings.REDIS_URL:
        yield settings.REDIS_URL
        return
    url = f"unix://{settings.EMBEDDED_REDIS_SOCKET}"
    if _answers(settings.EMBEDDED_REDIS_SOCKET):
        # `make serve` already runs it: use it, and leave it to its owner.
        os.environ["REDIS_URL"] = settings.REDIS_URL = url
        yield url
        return
    process = start_redis_server(settings.DATA_DIR, settings.EMBEDDED_REDIS_SOCKET)
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    try:
        yield url
    finally:
        stop_process(process)


def _answers(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1).ping())
    except redis.ConnectionError:
        return False


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
