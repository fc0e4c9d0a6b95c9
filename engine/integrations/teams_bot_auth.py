"""Who may talk to the Teams bot, and the bot's own token for answering.

Inbound: the Bot Framework signs every activity it sends with a JWT (`Authorization: Bearer ...`).
It is checked as Microsoft's SDKs check it (docs/integrations.md#the-teams-bot): RS256 only, signed
by a key published at the `jwks_uri` of TEAMS_OPENID_METADATA_URL, issuer
https://api.botframework.com, audience TEAMS_APP_ID, `exp`/`nbf` with Microsoft's 5-minute clock
skew, the `serviceurl` claim equal to the activity's `serviceUrl` (so a token for one tenant's
connector cannot send our replies elsewhere), and, when the key lists endorsements, the activity's
channel among them. PyJWT does the JOSE work (parsing the JWK set, verifying signatures and claims).

Outbound: the bot's replies carry a token from TEAMS_TOKEN_URL (OAuth client credentials with
TEAMS_APP_ID and TEAMS_APP_PASSWORD, scope https://api.botframework.com/.default), reused until it
is about to expire.

The metadata, key set and token URLs are trusted configuration (like SLACK_API_URL): they are
fetched directly, not through the OUTBOUND_ALLOW checks that guard addresses taken from requests.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

import jwt
from django.conf import settings

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
CLOCK_SKEW_SECONDS = 300  # what Microsoft's SDKs allow between their clocks and ours
FETCH_TIMEOUT = 10.0
MAX_DOCUMENT_BYTES = 512 * 1024
# Keys are re-read once a day (Microsoft rotates them with notice), and at once for a key id we have
# not seen, but not more often than this: a stream of tokens with made-up key ids must not turn into a
# stream of requests to Microsoft.
KEYS_LIFESPAN_SECONDS = 24 * 3600
UNKNOWN_KID_REFETCH_SECONDS = 60
TOKEN_MARGIN_SECONDS = 120  # a cached bot token is renewed this long before it expires


class TokenRefused(Exception):
    """The inbound token is not acceptable; the message says why (it goes back in the 401)."""


class KeysUnavailable(Exception):
    """The signing keys could not be fetched: our side, not the caller's."""


class BotTokenFailed(Exception):
    """The bot's own token could not be had (configuration, or the token endpoint refused)."""


def _fetch(url: str, data: bytes | None = None) -> dict:
    """GET (or POST a form to) a trusted URL and read a bounded JSON object back."""
    headers = {"Accept": "application/json", "User-Agent": "Plaudit"}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
            raw = answer.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        raise OSError(f"{url} answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OSError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise OSError(f"{url} answered more than {MAX_DOCUMENT_BYTES:,} bytes")
    try:
        document = json.loads(raw)
    except ValueError:
        raise OSError(f"{url} did not answer JSON") from None
    if not isinstance(document, dict):
        raise OSError(f"{url} did not answer a JSON object")
    return document


@dataclass
class SigningKeys:
    """The keys published for one metadata URL, re-read when stale or when a token names a new key."""

    metadata_url: str
    clock: Callable[[], float] = time.monotonic
    keys: dict = field(default_factory=dict)  # kid -> (PyJWK, endorsements or None)
    fetched_at: float | None = None  # when the keys held were read
    tried_at: float | None = None  # when they were last asked for, whatever the outcome
    problem: str = ""  # why the last attempt failed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, kid: str):
        with self.lock:
            now = self.clock()
            stale = self.fetched_at is None or now - self.fetched_at > KEYS_LIFESPAN_SECONDS
            tried_lately = self.tried_at is not None and now - self.tried_at < UNKNOWN_KID_REFETCH_SECONDS
            if (stale or kid not in self.keys) and not tried_lately:
                self._refresh(now)
            if not self.keys:
                raise KeysUnavailable(f"cannot read the Bot Framework signing keys from {self.metadata_url}: "
                                      f"{self.problem}")
            found = self.keys.get(kid)
        if found is None:
            raise TokenRefused(f"the token is signed with key {kid!r}, which is not among the keys published at "
                               "TEAMS_OPENID_METADATA_URL")
        return found

    def _refresh(self, now: float) -> None:
        self.tried_at = now
        try:
            metadata = _fetch(self.metadata_url)
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri:
                raise OSError(f"{self.metadata_url} names no jwks_uri")
            document = _fetch(jwks_uri)
            key_set = jwt.PyJWKSet.from_dict(document)
        except (OSError, jwt.PyJWKSetError) as exc:
            # The keys held (if any) keep verifying; the next attempt waits for the short interval.
            self.problem = str(exc)
            return
        endorsements = {k.get("kid"): k.get("endorsements") for k in document.get("keys", []) if isinstance(k, dict)}
        self.keys = {k.key_id: (k, endorsements.get(k.key_id)) for k in key_set.keys if k.key_id}
        self.fetched_at = now


_signing_keys: dict[str, SigningKeys] = {}
_signing_keys_lock = threading.Lock()


def signing_keys() -> SigningKeys:
    url = settings.TEAMS_OPENID_METADATA_URL
    with _signing_keys_lock:
        if url not in _signing_keys:
            _signing_keys[url] = SigningKeys(url)
        return _signing_keys[url]


@dataclass(frozen=True)
class Caller:
    """A verified token: its claims and the channels its signing key is endorsed for (None: any)."""

    claims: dict
    endorsements: list[str] | None


def verify_token(authorization: str) -> Caller:
    """Check the bearer token; raises TokenRefused (a 401, with the reason) or KeysUnavailable (a 503)."""
    app_id = settings.TEAMS_APP_ID
    if not app_id:
        raise TokenRefused("TEAMS_APP_ID is not set, so no Bot Framework token can be checked; set it to the bot's "
                           "Microsoft app id")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TokenRefused("send Authorization: Bearer <the Bot Framework token>")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise TokenRefused("the bearer token is not a JWT") from None
    if header.get("alg") != "RS256":
        raise TokenRefused(f"the token is signed with {header.get('alg')!r}; Bot Framework tokens are RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRefused("the token's header names no signing key (kid)")
    key, endorsements = signing_keys().get(kid)
    try:
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=app_id, issuer=ISSUER,
                            leeway=CLOCK_SKEW_SECONDS, options={"require": ["exp", "iss", "aud"]})
    except jwt.ExpiredSignatureError:
        raise TokenRefused("the token has expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenRefused("the token is not valid yet (nbf or iat in the future)") from None
    except jwt.InvalidAudienceError:
        raise TokenRefused(f"the token is for another bot: its audience is not TEAMS_APP_ID ({app_id})") from None
    except jwt.InvalidIssuerError:
        raise TokenRefused(f"the token was not issued by {ISSUER}") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused("the token's signature does not verify") from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRefused(f"the token has no {exc.claim!r} claim") from None
    except jwt.InvalidTokenError as exc:
        raise TokenRefused(f"the token is not valid: {exc}") from None
    valid_endorsements = [e for e in endorsements if isinstance(e, str)] if isinstance(endorsements, list) else None
    return Caller(claims, valid_endorsements)


def check_activity(caller: Caller, activity: dict) -> None:
    """The token speaks for this activity: same connector (serviceUrl), a channel its key is endorsed for."""
    claimed = caller.claims.get("serviceurl") or caller.claims.get("serviceUrl")
    service_url = activity.get("serviceUrl")
    if not isinstance(claimed, str) or not claimed:
        raise TokenRefused("the token has no serviceurl claim")
    if not isinstance(service_url, str) or claimed.rstrip("/") != service_url.rstrip("/"):
        raise TokenRefused(f"the activity's serviceUrl ({service_url!r}) is not the one the token was issued for")
    channel = activity.get("channelId")
    if caller.endorsements is not None and channel not in caller.endorsements:
        raise TokenRefused(f"the token's signing key is not endorsed for the channel {channel!r}")


# --- the bot's own token -------------------------------------------------------------------------------


_bot_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_bot_tokens_lock = threading.Lock()


def bot_token(clock=time.time) -> str:
    """An access token for the Bot Connector, from the cache while it has more than the margin left."""
    app_id, password, url = settings.TEAMS_APP_ID, settings.TEAMS_APP_PASSWORD, settings.TEAMS_TOKEN_URL
    if not app_id or not password:
        raise BotTokenFailed("set TEAMS_APP_ID and TEAMS_APP_PASSWORD so the bot can answer")
    cache_key = (url, app_id)
    with _bot_tokens_lock:
        cached = _bot_tokens.get(cache_key)
        if cached and cached[1] - TOKEN_MARGIN_SECONDS > clock():
            return cached[0]
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": app_id,
                                       "client_secret": password, "scope": SCOPE}).encode()
        try:
            answer = _fetch(url, data=form)
        except OSError as exc:
            raise BotTokenFailed(f"the token endpoint refused: {exc}") from None
        token, expires_in = answer.get("access_token"), answer.get("expires_in", 3600)
        if not isinstance(token, str) or not token:
            raise BotTokenFailed(f"{url} answered without an access_token")
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = 3600.0
        _bot_tokens[cache_key] = (token, clock() + lifetime)
        return token
