"""Send one notification to its channel, once, and say how it went (no retries, no bookkeeping here)."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from django.utils import translation
from django.utils.translation import gettext

from . import outbound
from .channels import url_problem
from .kinds import email, slack, teams, webhook
from .language import channel_language
from .models import Channel, Notification
from .preferences import without_digest_optouts
from .render import RenderError, render
from .templates import template_text

MAX_RETRY_AFTER = 3600.0


@dataclass
class Outcome:
    delivered: bool
    permanent: bool = False  # do not retry: dead-letter it
    error: str = ""
    status_code: int | None = None
    retry_after: float | None = None  # seconds the receiver asked us to wait (429)


def title(trigger: str, data: dict) -> str:
    """A one-line heading: the Teams card's title and the email subject."""
    name = data.get("person", {}).get("name", "")
    if trigger == "badge_awarded" and data.get("badges"):
        badges = ", ".join(b["name"] + (f" ({b['tier']})" if b.get("tier") else "") for b in data["badges"])
        text = gettext("%(name)s earned %(badges)s") % {"name": name, "badges": badges}
    elif trigger in ("badge_awarded", "level_up") and data.get("level"):
        text = gettext("%(name)s reached the level %(level)s") % {"name": name, "level": data["level"]["name"]}
    elif trigger == "test_message":
        text = gettext("A test message from Plaudit")
    elif trigger == "leaderboard_top":
        text = gettext("%(name)s entered the top %(top)s of %(board)s") % {
            "name": name, "top": data.get("top"), "board": data.get("board", {}).get("name", "")}
    elif trigger == "weekly_digest":
        text = gettext("The week in %(channel)s") % {"channel": data.get("channel", "")}
    elif trigger.startswith("challenge"):  # challenge_started ... and the template's name in previews
        name = (data.get("challenge") or {}).get("name", "")
        text = {"start": gettext("The challenge %(name)s starts"),
                "halfway": gettext("Halfway through the challenge %(name)s"),
                "last_day": gettext("The last day of the challenge %(name)s"),
                "end": gettext("The challenge %(name)s has ended")}.get(data.get("moment"), "%(name)s") % {"name": name}
    else:
        text = "Plaudit"
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)[:200]


def deliver(notification: Notification, channel: Channel, transport: outbound.Transport | None = None) -> Outcome:
    """`transport` carries the HTTP kinds' request (outbound's current one by default); email goes by SMTP.

    Whatever goes wrong is an Outcome, never an exception: an error no branch names (a library's,
    a header no one planned for) is a retryable failure whose text is kept on the row."""
    try:
        # Channel messages speak the ruleset's language (notifications/language.py), the templates
        # shipped in it and the words of titles alike.
        with translation.override(channel_language()):
            return _deliver(notification, channel, transport)
    except Exception as exc:  # noqa: BLE001 (the row must end with an outcome, whatever failed)
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")


def _deliver(notification: Notification, channel: Channel, transport: outbound.Transport | None) -> Outcome:
    if channel.kind != "email" and (problem := url_problem(channel.url)):
        return Outcome(False, permanent=True, error=f"channel {channel.id!r} cannot be sent to: {problem}; "
                                                    "fix its URL, then requeue")
    try:
        if channel.kind == "email":
            return _email(notification, channel)
        body, headers = _request(notification, channel)
    except RenderError as exc:
        return Outcome(False, permanent=True, error=f"template {notification.template!r}: {exc}")
    try:
        response = outbound.post(channel.url, body, headers, transport)
    except outbound.OutboundRefused as exc:
        return Outcome(False, permanent=True, error=f"refused: {exc}")
    except outbound.OutboundFailed as exc:
        return Outcome(False, error=str(exc))
    return classify(response)


def _request(notification: Notification, channel: Channel) -> tuple[bytes, dict[str, str]]:
    if channel.kind == "webhook":
        return webhook.request(notification.id, notification.trigger, notification.data, channel.secrets)
    text = render(channel.kind, template_text(channel.kind, notification.template, translation.get_language()),
                  notification.data)
    if not text:
        raise RenderError("it rendered nothing for this notification")
    if channel.kind == "slack":
        return slack.request(text, notification.trigger, notification.data)
    return teams.request(title(notification.trigger, notification.data), text)


def classify(response: outbound.Response) -> Outcome:
    code = response.status
    snippet = response.body[:300].decode("utf-8", "replace").strip()
    if 200 <= code < 300:
        return Outcome(True, status_code=code)
    error = f"HTTP {code}" + (f": {snippet}" if snippet else "")
    if code == 429:
        asked = response.headers.get("retry-after")
        wait = retry_after(asked)
        if asked is not None and wait is None:
            error += f" (Retry-After {asked!r} is not seconds or an HTTP date: backing off instead)"
        return Outcome(False, error=error, status_code=code, retry_after=wait)
    if 300 <= code < 400:
        where = response.headers.get("location", "")
        return Outcome(False, permanent=True, status_code=code,
                       error=f"HTTP {code}: redirects are not followed; configure the final URL{f' ({where})' if where else ''}")
    if 400 <= code < 500 and code not in (408, 425):
        return Outcome(False, permanent=True, error=error, status_code=code)
    return Outcome(False, error=error, status_code=code)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (whole seconds or an HTTP date), bounded to an hour; None for
    anything else (nan, inf, a negative or fractional number, a date without a time zone)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        digits = value.lstrip("0") or "0"
        return MAX_RETRY_AFTER if len(digits) > 6 else min(float(digits), MAX_RETRY_AFTER)
    try:
        seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
    except Exception:  # noqa: BLE001 (email.utils raises several kinds for text that is no date)
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _email(notification: Notification, channel: Channel) -> Outcome:
    template = template_text("email", notification.template, translation.get_language())
    escaped = render("email", template, notification.data)
    plain = render("text", template, notification.data)
    recipients = without_digest_optouts(channel.recipients) if notification.trigger == "weekly_digest" else channel.recipients
    if not recipients:
        return Outcome(True)  # everyone on the list asked for no digest email
    try:
        email.send(recipients, title(notification.trigger, notification.data), plain, escaped,
                   webhook.message_id(notification.id))
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(False, permanent=True, error=f"SMTP refused the recipients: {exc.recipients}")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, error=f"SMTP: {type(exc).__name__}: {exc}")
    return Outcome(True)
