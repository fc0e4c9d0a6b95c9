"""A local receiver for notifications: what `manage.py receiver` runs in the demo, and what tests listen with.

POST /slack takes Slack incoming-webhook messages (checks the Block Kit shape), POST /teams
Adaptive Card messages, POST /webhook Standard Webhooks deliveries (verifies the signature with
the secret it was given and answers 401 when it does not verify). Every request is kept in
`received`; `script` holds canned answers (status, headers, delay) to give before answering 200,
so tests can fail a delivery on purpose, rate-limit it or be slow.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None = None  # webhooks: did the signature verify
    problem: str = ""

    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def slack_problem(message) -> str:
    if not isinstance(message, dict) or not isinstance(message.get("text"), str) or not message["text"]:
        return "a Slack message needs a non-empty `text` fallback"
    blocks = message.get("blocks")
    if not isinstance(blocks, list) or not blocks or len(blocks) > 50:
        return "a Slack message needs 1 to 50 blocks"
    for block in blocks:
        if isinstance(block, dict) and block.get("type") in ("actions", "context"):
            # The recognition's Congratulate button and mention: what slack-sdk's Block Kit models accept.
            try:
                if Block.parse(block).to_dict() != block:
                    return f"not a valid {block['type']} block: {block!r}"[:300]
            except SlackObjectFormationError as exc:
                return f"not a valid {block['type']} block: {exc}"[:300]
            continue
        text = block.get("text") if isinstance(block, dict) else None
        if not isinstance(block, dict) or block.get("type") != "section" or not isinstance(text, dict) or text.get("type") != "mrkdwn" \
                or not 0 < len(text.get("text", "")) <= 3000:
            return f"not a mrkdwn section block of at most 3,000 characters: {block!r}"[:300]
    return ""


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, secret: str | None = None, on_receive=None):
        super().__init__(("127.0.0.1", port), _Handler)
        self.secret, self.on_receive = secret, on_receive
        self.received: list[Received] = []
        self.script: list[Answer] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "Receiver":
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def next_answer(self) -> Answer:
        with self.lock:
            return self.script.pop(0) if self.script else Answer()

    def check(self, item: Received) -> Received:
        if item.path.startswith("/slack"):
            try:
                item.problem = slack_problem(item.json())
            except ValueError:
                item.problem = "not JSON"
        elif item.path.startswith("/webhook"):
            try:
                Webhook(self.secret or "").verify(item.body, item.headers)
                item.verified = True
            except (WebhookVerificationError, Exception) as exc:  # a missing secret or header counts as unverified
                item.verified, item.problem = False, f"signature does not verify: {exc}"
        return item


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1_000_000))
        item = self.server.check(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        answer = self.server.next_answer()
        if answer.delay:
            time.sleep(answer.delay)
        status = answer.status
        if status == 200 and (item.problem or item.verified is False):
            status = 401 if item.verified is False else 400
        with self.server.lock:
            self.server.received.append(item)
        if self.server.on_receive:
            self.server.on_receive(item, status)
        self.send_response(status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if status < 300 else b"no")

    def log_message(self, format, *args):  # the demo prints what arrives itself
        pass
