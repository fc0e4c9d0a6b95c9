"""Shared fixtures: a real redis-server for the session, API clients per role, real workers on demand."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_server():
    """One private redis-server on a unix socket for the whole run (AOF off: tests need speed, not durability)."""
    from django.conf import settings

    from base import redis as engine_redis

    tmp = Path(tempfile.mkdtemp(prefix="plaudit-redis-"))
    process = engine_redis.start_redis_server(tmp)
    url = f"unix://{tmp / 'redis.sock'}"
    previous = settings.REDIS_URL
    settings.REDIS_URL = url
    os.environ["REDIS_URL"] = url
    engine_redis._client.cache_clear()
    yield url
    engine_redis.stop_process(process)
    settings.REDIS_URL = previous
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def redis(redis_server):
    from base.redis import get_redis

    client = get_redis()
    client.flushall()
    yield client


class Api:
    """The Django test client with a role's bearer key; paths are relative to /api/v1."""

    def __init__(self, client, key: str | None):
        self.client, self.key = client, key

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path, body, content_type="application/json"):
        import json

        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data, content_type=content_type, **self._headers())

    def put_yaml(self, path, text):
        return self.client.put(f"/api/v1{path}", text, content_type="application/yaml", **self._headers())

    def patch(self, path, body):
        import json

        return self.client.patch(f"/api/v1{path}", json.dumps(body), content_type="application/json", **self._headers())


def _key(role: str) -> str:
    from base.api_keys import do_create_api_key

    return do_create_api_key(name=f"test {role}", role=role)[1]


@pytest.fixture
def admin(client, db, redis):
    return Api(client, _key("admin"))


@pytest.fixture
def reader(client, db, redis):
    from django.test import Client

    return Api(Client(), _key("reader"))


@pytest.fixture
def integration(client, db, redis):
    from django.test import Client

    return Api(Client(), _key("integration"))


@pytest.fixture
def anonymous(client, db, redis):
    from django.test import Client

    return Api(Client(), None)


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host") or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{s['USER']}{password}@{quote(host, safe='')}/{s['NAME']}"
    return f"postgres://{s['USER']}{password}@{host}{port}/{s['NAME']}"


class Workers:
    """Real `manage.py worker` processes against the test database and Redis."""

    def __init__(self, redis_url: str):
        self.redis_url, self.processes = redis_url, []

    def start(self, **env_overrides: str) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": self.redis_url, "LOG_LEVEL": "WARNING",
               **env_overrides}
        process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker"], cwd=ROOT, env=env,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def stop_all(self):
        for p in self.processes:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            try:  # anything the worker started, in its own process group
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def workers(transactional_db, redis, redis_server):
    pool = Workers(redis_server)
    yield pool
    pool.stop_all()


def wait_for(condition, timeout: float = 60, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1 that keeps what it receives; the email backend points at it."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    try:
        yield inbox
    finally:
        controller.stop()
