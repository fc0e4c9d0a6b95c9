"""A stand-in for Slack's Web API on 127.0.0.1: a real threaded HTTP server answering as Slack does.

It answers POST /api/<method> with Slack's `{"ok": true, ...}` or `{"ok": false, "error": ...}` JSON
and records every call (method, bearer token, Basic auth, arguments from the form or JSON body), so
tests see exactly what the app sent. `SLACK_API_URL` points at it (the `fake_slack` fixture).
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_TOKEN = "xoxb-17-fake-bot-token-kept-secret"


@dataclass
class Call:
    method: str
    token: str | None
    basic: tuple[str, str] | None
    args: dict


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    # users.info answers: user id -> profile ({"email": ..., "real_name": ...}); absent: user_not_found
    users: dict[str, dict] = field(default_factory=dict)
    # method -> {"ok": false, "error": ...} to answer instead (e.g. chat.postMessage not_in_channel)
    failures: dict[str, dict] = field(default_factory=dict)
    team: dict = field(default_factory=lambda: {"id": "T01", "name": "Acme"})
    lock: threading.Lock = field(default_factory=threading.Lock)
    posted: int = 0  # chat.postMessage answers so far: each message gets a ts of its own, as in Slack

    def called(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def answer(self, call: Call) -> dict:
        if call.method in self.failures:
            return self.failures[call.method]
        if call.method == "oauth.v2.access":
            if call.basic != ("111.222", "client-secret") or call.args.get("code") != "good-code":
                return {"ok": False, "error": "invalid_code"}
            return {"ok": True, "access_token": BOT_TOKEN, "token_type": "bot", "scope": "commands,chat:write,users:read",
                    "bot_user_id": "UBOT", "app_id": "A01", "team": self.team, "enterprise": None,
                    "authed_user": {"id": "U_ADMIN"}}
        if call.token != BOT_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        if call.method == "users.info":
            profile = self.users.get(call.args.get("user"))
            if profile is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": call.args["user"], "team_id": self.team["id"], "real_name": profile.get("real_name", ""),
                                         "profile": profile}}
        if call.method == "views.open":
            view = call.args.get("view")
            return {"ok": True, "view": {**(json.loads(view) if isinstance(view, str) else view or {}), "id": "V123"}}
        if call.method == "views.publish":
            return {"ok": True, "view": {"id": "VHOME"}}
        if call.method == "chat.postMessage":
            self.posted += 1
            return {"ok": True, "channel": call.args.get("channel"), "ts": f"1764065000.{899 + self.posted:06d}"}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": "1764065000.000901"}
        return {"ok": False, "error": "unknown_method"}


def start() -> tuple[FakeSlack, ThreadingHTTPServer]:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                args = json.loads(raw or b"{}")
            else:
                args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            basic = tuple(base64.b64decode(auth[6:]).decode().split(":", 1)) if auth.startswith("Basic ") else None
            call = Call(self.path.removeprefix("/api/"), token, basic, args)
            with fake.lock:
                fake.calls.append(call)
                answer = fake.answer(call)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


import pytest  # noqa: E402 (the fixture below is what tests import)


@pytest.fixture
def fake_slack(settings):
    """The stand-in Slack, with SLACK_API_URL and the app's credentials pointing at it."""
    fake, server = start()
    settings.SLACK_API_URL = fake.url
    settings.SLACK_CLIENT_ID, settings.SLACK_CLIENT_SECRET = "111.222", "client-secret"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
