"""Every request from Slack is signed (v0 HMAC-SHA256 of the timestamp and the raw body with the
app's signing secret); slack-sdk's SignatureVerifier checks it in constant time, with the 5-minute
window that stops replays."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from django.conf import settings
from django.http import JsonResponse
from slack_sdk.signature import SignatureVerifier

from base.errors import ApiError, read_limited_body

from .. import common

# Unix seconds in ASCII digits: str.isdigit() also takes superscripts and other scripts' digits,
# which int() then refuses.
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def problem(request, body: bytes) -> str | None:
    """Why the request is not Slack's, or None when its signature holds."""
    secret = settings.SLACK_SIGNING_SECRET
    if not secret:
        return "SLACK_SIGNING_SECRET is not set, so no Slack request can be verified; set it to the app's signing secret"
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        return "X-Slack-Request-Timestamp and X-Slack-Signature are required"
    if not TIMESTAMP.fullmatch(timestamp):
        return "X-Slack-Request-Timestamp is not a Unix time"
    if not SignatureVerifier(secret).is_valid(body, timestamp, signature):
        return "the signature does not match or the request is older than 5 minutes"
    return None


def signed_form(request) -> tuple[dict[str, str] | None, JsonResponse | None]:
    """Slack's form fields (each once, the first value) when Slack signed the body; else the answer
    (401, 413) to give. Commands and interactivity both arrive this way."""
    try:
        body = read_limited_body(request, common.MAX_ADAPTER_BODY_BYTES, "a Slack request")
    except ApiError as exc:
        return None, JsonResponse(exc.body(), status=exc.status)
    why = problem(request, body)
    if why:
        return None, common.error(401, "invalid_signature", why)
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}, None
