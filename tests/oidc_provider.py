"""OpenID providers on 127.0.0.1 for the company sign-in tests.

`node_provider`: node's oidc-provider (tests/oidc/provider.mjs, installed by `npm ci --prefix tests/oidc`)
with its real login and consent pages. `TokenForge`: a tiny provider of our own that answers the token
request with an ID token the test crafts (a foreign key, a wrong audience, nonce or expiry)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "plaudit"
CLIENT_SECRET = "test-client-secret-of-plaudit"
ADMIN_GROUP = "plaudit-admins"

# The people of the node provider: the login typed on its sign-in page is the account.
ACCOUNTS = {
    "ana": {"email": "Ana@Example.com", "email_verified": True, "name": "Ana Ruiz", "groups": ["staff"],
            "locale": "de-AT", "zoneinfo": "Europe/Vienna"},
    "boss": {"email": "boss@example.com", "email_verified": True, "name": "Bea Boss", "groups": ["staff", ADMIN_GROUP]},
    "unverified": {"email": "eve@example.com", "email_verified": False, "name": "Eve Unverified"},
    "gone": {"email": "gone@example.com", "email_verified": True, "name": "Gus Gone"},
    "new": {"email": "nia@example.com", "email_verified": True, "name": "Nia New", "locale": "fr"},
    "alias": {"email": "a.ruiz@corp.example", "email_verified": True, "name": "Ana R."},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the OpenID provider exited: {process.stdout.read()}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the OpenID provider did not answer at {url}")


@pytest.fixture(scope="session")
def node_provider(live_server):
    """The issuer URL of a running oidc-provider whose one client is this live server."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the company sign-in tests run node's oidc-provider")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("tests/oidc has no node_modules: run `npm ci --prefix tests/oidc` (scripts/bootstrap.sh does)")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
           "REDIRECT_URI": f"{live_server.url}/auth/oidc/callback",
           "POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/login", "ACCOUNTS": json.dumps(ACCOUNTS)}
    process = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{issuer}/.well-known/openid-configuration", process)
        yield issuer
    finally:
        process.terminate()
        process.wait(10)


def use_provider(settings, live_server, issuer: str) -> None:
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ADMIN_GROUPS = [ADMIN_GROUP]
    settings.PUBLIC_BASE_URL = live_server.url


def sign_in_at_node_provider(session: requests.Session, site: str, login: str, next_path: str = "/") -> requests.Response:
    """Through the provider's login and consent forms, as a browser would post them; the last answer is Plaudit's."""
    answer = session.get(f"{site}/auth/oidc/login", params={"next": next_path}, timeout=20)
    for _ in range(4):
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post">\s*<input type="hidden" name="prompt" value="(\w+)"',
                         answer.text)
        if form is None or not answer.url.startswith("http://127.0.0.1") or answer.url.startswith(site):
            return answer
        action, prompt = form.groups()
        data = {"prompt": prompt, "login": login, "password": "any password"} if prompt == "login" else {"prompt": prompt}
        answer = session.post(urljoin(answer.url, action), data=data, timeout=20)
    return answer


class TokenForge:
    """A provider of our own whose token endpoint answers with `self.id_token(nonce)`, signed by its key."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "forge-1", "use": "sig", "alg": "RS256"})
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.claims: dict = {}
        self.sign_with = self.key
        self.nonce = ""
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self._json({"issuer": forge.issuer, "authorization_endpoint": f"{forge.issuer}/authorize",
                                "token_endpoint": f"{forge.issuer}/token", "jwks_uri": f"{forge.issuer}/jwks",
                                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                "id_token_signing_alg_values_supported": ["RS256"],
                                "code_challenge_methods_supported": ["S256"]})
                elif self.path == "/jwks":
                    self._json(KeySet([forge.key]).as_dict(private=False))
                else:
                    self.send_error(404)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                claims = {"iss": forge.issuer, "sub": "forge-user", "aud": CLIENT_ID, "iat": int(time.time()),
                          "exp": int(time.time()) + 300, "nonce": forge.nonce, **forge.claims}
                token = jwt.encode({"alg": "RS256", "kid": "forge-1"}, claims, forge.sign_with)
                self._json({"access_token": "forged-access-token", "token_type": "Bearer", "expires_in": 300,
                            "id_token": token})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
