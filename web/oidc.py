"""Sign-in with the company account: OpenID Connect's authorization code flow with PKCE (S256), state
and nonce, through Authlib's Django client.

Authlib reads the provider's discovery document, keeps state, nonce and the code verifier in the
session, exchanges the code and validates the ID token (signature against the provider's JWKS, iss,
aud, exp, nonce). Who the claims are is engine/company_signin.py's decision."""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import redirect
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError

from base.errors import DomainError
from engine.company_signin import do_sign_in_with_claims

from .pages import page
from .next_url import next_url

log = logging.getLogger(__name__)

NAME = "company"
CALLBACK_PATH = "/auth/oidc/callback"
# The ID token kept for the provider's sign-out (id_token_hint), and where to go after signing in.
ID_TOKEN_KEY = "oidc_id_token"
NEXT_KEY = "next"
# Provider answers past these many seconds count as "unavailable".
TIMEOUT_SECONDS = 10
# Clock skew tolerated on exp and iat.
LEEWAY_SECONDS = 60

_clients: dict[tuple, object] = {}


def configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID and settings.OIDC_CLIENT_SECRET)


def client():
    """One Authlib client per configuration; it keeps the discovery document and the JWKS once read
    (and reads the JWKS again when a token names a key it does not know)."""
    config = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES)
    app = _clients.get(config)
    if app is None:
        app = OAuth().register(
            NAME, client_id=settings.OIDC_CLIENT_ID, client_secret=settings.OIDC_CLIENT_SECRET,
            server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.OIDC_SCOPES, "code_challenge_method": "S256",
                           "default_timeout": TIMEOUT_SECONDS})
        _clients[config] = app
    return app


def _metadata(app) -> dict:
    """The discovery document, checked to name the configured issuer (the ID tokens' `iss`)."""
    metadata = app.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
        # Read again next time: the document may be fixed without a restart.
        app.server_metadata.clear()
        raise ValueError(f"the discovery document names the issuer {metadata.get('issuer')!r}, not {settings.OIDC_ISSUER!r}")
    return metadata


def callback_url() -> str:
    """The redirect URI registered with the provider: on the public address, as people reach the site."""
    return settings.PUBLIC_BASE_URL + CALLBACK_PATH


def _refused(request, message: str, status: int = 403, title: str = "Sign-in refused"):
    return page(request, "web/signin_problem.html", {"title": title, "message": message, "retry": "/login"}, status=status)


def _unavailable(request, why: Exception):
    log.warning("company sign-in unavailable: %s", why)
    return page(request, "web/signin_problem.html", {
        "title": "Company sign-in unavailable",
        "message": "Sign-in with your company account is unavailable right now: your company's identity provider "
                   "does not answer. Try again in a few minutes, or tell your administrator.",
        "retry": "/login"}, status=503)


def _not_set_up(request):
    return page(request, "web/signin_problem.html", {
        "title": "Not set up", "message": "Sign-in with a company account is not set up on this Plaudit. "
                                         "Sign in with your id and password instead.", "retry": "/login"}, status=404)


@require_GET
def oidc_login(request):
    """Off to the provider's sign-in page, with a fresh state, nonce and PKCE code challenge."""
    if not configured():
        return _not_set_up(request)
    app = client()
    try:
        _metadata(app)
        found = app.create_authorization_url(callback_url())
    except (requests.RequestException, ValueError, RuntimeError) as why:
        return _unavailable(request, why)
    # Authlib keeps the state's data (nonce, code verifier, redirect URI) in the session; `next` goes with it.
    app.save_authorize_data(request, redirect_uri=callback_url(), **{NEXT_KEY: next_url(request)}, **found)
    return redirect(found["url"])


@require_GET
def oidc_callback(request):
    """Back from the provider: check the state, exchange the code, validate the ID token, sign the person in."""
    if not configured():
        return _not_set_up(request)
    app = client()
    state = request.GET.get("state", "")
    data = app.framework.get_state_data(request.session, state) if state and len(state) <= 200 else None
    if not data:
        return _refused(request, "This sign-in did not start here, or its link was used already. Start again from "
                                 "the sign-in page.", status=400)
    if request.GET.get("error"):
        app.framework.clear_state_data(request.session, state)
        reason = (request.GET.get("error_description") or request.GET["error"])[:300]
        return _refused(request, f"Your company's identity provider did not sign you in: {reason}.")
    target = data.get(NEXT_KEY) or "/"
    try:
        _metadata(app)
        token = app.authorize_access_token(request, leeway=LEEWAY_SECONDS, claims_options={
            "iss": {"essential": True, "value": app.server_metadata["issuer"]},
            "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            "exp": {"essential": True},
        })
    except (requests.RequestException, ValueError) as why:
        return _unavailable(request, why)
    except (AuthlibBaseError, JoseError) as why:
        log.warning("company sign-in refused: %r", why)
        return _refused(request, "Your company's identity provider answered with a sign-in Plaudit cannot trust "
                                 f"({_why(why)}). Start again from the sign-in page; if it happens again, tell your administrator.")
    claims = token.get("userinfo")
    if not claims:
        return _refused(request, "Your company's identity provider sent no ID token. Tell your administrator: "
                                 "the `openid` scope must be granted to Plaudit.")
    try:
        user = do_sign_in_with_claims(dict(claims))
    except DomainError as refused:
        return _refused(request, refused.message)
    # login() gives the session a new key (no session fixation).
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[ID_TOKEN_KEY] = token["id_token"]
    return redirect(target)


def _why(error: Exception) -> str:
    """What went wrong with the token, in a few words."""
    text = getattr(error, "description", None) or str(error) or type(error).__name__
    return str(text)[:200]


def end_session_url(id_token: str | None) -> str | None:
    """The provider's end_session_endpoint, when it offers one, to end the company session too."""
    if not (configured() and id_token):
        return None
    app = client()
    try:
        metadata = _metadata(app)
        if not metadata.get("end_session_endpoint"):
            return None
        return app.create_logout_url(post_logout_redirect_uri=settings.PUBLIC_BASE_URL + settings.LOGIN_URL,
                                     id_token_hint=id_token)["url"]
    except (requests.RequestException, ValueError, RuntimeError) as why:
        log.warning("company sign-out not reached: %s", why)
        return None
