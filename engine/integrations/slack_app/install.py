"""Install the app in a workspace: OAuth v2 with a one-time state.

`GET /integrations/slack/install` issues a state (kept in Redis, usable once, for 10 minutes) and
redirects to Slack's authorize page; Slack sends the browser back to the callback with a code and
that state. A state we did not issue, one already used or expired, or none, is refused before Slack
is called: it is what stops someone from pasting their own code into another admin's session.
"""

from __future__ import annotations

import logging
import secrets
from html import escape

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.state_store import OAuthStateStore

from base.redis import get_redis

from ... import keys
from .manifest import BOT_SCOPES, CALLBACK_PATH
from .workspaces import client, do_install_workspace

log = logging.getLogger(__name__)

STATE_SECONDS = 600
MAX_PARAM = 500  # a code or state longer than this is not Slack's


class RedisStateStore(OAuthStateStore):
    """slack-sdk's state-store interface over Redis: `consume` deletes as it reads (GETDEL), so a state
    works once even when two callbacks race."""

    def __init__(self, r, expiration_seconds: int = STATE_SECONDS):
        self.r, self.expiration_seconds = r, expiration_seconds

    @property
    def logger(self):
        return log

    def issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(32)
        self.r.set(keys.slack_oauth_state(state), "1", ex=self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        return bool(state) and self.r.getdel(keys.slack_oauth_state(state)) is not None


def redirect_uri() -> str:
    # The address the manifest was made for (`slack manifest --url`): Slack accepts only a redirect
    # listed there, so it is PUBLIC_BASE_URL, not whatever host a proxy passed on.
    return f"{settings.PUBLIC_BASE_URL}{CALLBACK_PATH}"


def _page(status: int, title: str, body: str) -> HttpResponse:
    html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
            f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'><h1>{escape(title)}</h1>{body}</body></html>")
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


@require_GET
def install_view(request):
    if not settings.SLACK_CLIENT_ID or not settings.SLACK_CLIENT_SECRET:
        return _page(503, "The Slack app is not configured",
                     "<p>Set <code>SLACK_CLIENT_ID</code> and <code>SLACK_CLIENT_SECRET</code> to the app's "
                     "credentials (Slack: Basic Information &gt; App Credentials) and restart the server.</p>")
    state = RedisStateStore(get_redis()).issue()
    generator = AuthorizeUrlGenerator(client_id=settings.SLACK_CLIENT_ID, scopes=BOT_SCOPES,
                                      redirect_uri=redirect_uri(), authorization_url=settings.SLACK_AUTHORIZE_URL)
    return HttpResponseRedirect(generator.generate(state))


@require_GET
def callback_view(request):
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    if request.GET.get("error"):  # the admin pressed Cancel on Slack's page
        return _page(400, "Slack was not connected",
                     f"<p>Slack answered <code>{escape(request.GET['error'][:100])}</code>. "
                     "<a href='/integrations/slack/install'>Start the installation again</a>.</p>")
    if not state or len(state) > MAX_PARAM or not RedisStateStore(get_redis()).consume(state):
        return _page(400, "This installation link is not valid",
                     "<p>The <code>state</code> of this link is missing, unknown, expired (after 10 minutes) or "
                     "already used. <a href='/integrations/slack/install'>Start the installation again</a>.</p>")
    if not code or len(code) > MAX_PARAM:
        return _page(400, "Slack sent no code", "<p>The <code>code</code> parameter is missing. "
                     "<a href='/integrations/slack/install'>Start the installation again</a>.</p>")
    try:
        access = client().oauth_v2_access(client_id=settings.SLACK_CLIENT_ID, client_secret=settings.SLACK_CLIENT_SECRET,
                                          code=code, redirect_uri=redirect_uri())
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        return _page(400, "Slack refused the installation",
                     f"<p>oauth.v2.access answered <code>{escape(error[:100])}</code> (an expired or used code, or "
                     "SLACK_CLIENT_ID / SLACK_CLIENT_SECRET of another app). "
                     "<a href='/integrations/slack/install'>Start the installation again</a>.</p>")
    except SlackClientError as exc:
        log.warning("oauth.v2.access failed: %s", type(exc).__name__)
        return _page(502, "Slack could not be reached", "<p>Try again in a minute: "
                     "<a href='/integrations/slack/install'>start the installation again</a>.</p>")
    if not access.get("access_token") or not (access.get("team") or {}).get("id"):
        return _page(502, "Slack's answer had no bot token", "<p>Check that the app asks for bot scopes, then "
                     "<a href='/integrations/slack/install'>start the installation again</a>.</p>")
    workspace = do_install_workspace(access.data)
    return _page(200, f"Plaudit is installed in {workspace.name or workspace.team_id}",
                 "<p>What to do next:</p><ol>"
                 "<li>Invite the bot to the channels whose messages and reactions count: <code>/invite @Plaudit</code>.</li>"
                 "<li>Thank someone: <code>/kudos @someone what they did #value</code>.</li>"
                 "<li>See where you stand: <code>/plaudit me</code>, <code>/plaudit top</code>, or the app's Home tab.</li>"
                 "</ol>")
