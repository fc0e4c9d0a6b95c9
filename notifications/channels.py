"""Checking and saving a channel: one set of rules for the API and the admin pages.

A bad URL, secret or address is refused here, when it is configured, rather than becoming a dead
delivery later. Secrets are never given back: callers show only how many are set."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import outbound
from .kinds import webhook
from .models import KINDS, Channel

MAX_RECIPIENTS = 50


class ChannelInvalid(Exception):
    """One field is wrong: `path` names it (id, kind, url, secret, secrets[1], recipients[0]...)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def shown_url(url: str) -> str | None:
    """Scheme and host only: an incoming-webhook URL is itself a credential."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/…"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def url_problem(url: str) -> str | None:
    """What keeps a URL from going on a request line as it is written, and how to fix it; None when nothing does.

    A URL is refused rather than rewritten: an incoming-webhook URL is a credential copied from the
    provider, so the URL stored is the one the admin gave, byte for byte, and the message says what
    to write instead (the percent-encoded path, the IDNA host)."""
    if match := _CONTROL.search(url):
        return (f"the URL contains a control character ({match.group()!r}) at position {match.start() + 1}; "
                "remove it (a pasted line break or tab)")
    if " " in url:
        return f"the URL contains a space at position {url.index(' ') + 1}; percent-encode it as %20"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if not host:
        return "the URL has no host; give the full address, like https://hooks.example.com/path"
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return f"the host {host!r} is not ASCII and has no IDNA form; give the host's xn-- name"
        return f"the host {host!r} is not ASCII; write its IDNA form {ascii_host}"
    for position, char in enumerate(url, 1):
        if not char.isascii():
            return (f"the URL contains {char!r} at position {position}, which is not ASCII; "
                    f"percent-encode it as {quote(char)}")
    return None


def check_channel(channel_id: str, *, kind: str, url: str | None = None, secret: str | None = None,
                  secrets: list[str] | None = None, recipients: list[str] | None = None, enabled: bool = True,
                  existing: Channel | None = None) -> dict[str, Any]:
    """The channel's fields when all is well; ChannelInvalid for the first thing that is not."""
    fields, problems = channel_problems(channel_id, kind=kind, url=url, secret=secret, secrets=secrets,
                                        recipients=recipients, enabled=enabled, existing=existing)
    if problems:
        raise problems[0]
    return fields


def channel_problems(channel_id: str, *, kind: str, url: str | None = None, secret: str | None = None,
                     secrets: list[str] | None = None, recipients: list[str] | None = None, enabled: bool = True,
                     existing: Channel | None = None) -> tuple[dict[str, Any], list[ChannelInvalid]]:
    """The channel's fields and every problem found, in the order the API names the first one: a form
    shows them all at once. The name, the URL, each secret and each address are checked on their own."""
    problems: list[ChannelInvalid] = []
    if not 1 <= len(channel_id) <= 200:
        problems.append(ChannelInvalid("id", "a channel id has 1 to 200 characters"))
    if kind not in KINDS:
        return {}, problems + [ChannelInvalid("kind", f"unknown channel kind {kind!r}; use one of {', '.join(KINDS)}")]
    fields: dict[str, Any] = {"kind": kind, "enabled": enabled, "url": "", "recipients": [], "secrets": []}
    if kind == "email":
        recipients = recipients or []
        if not 1 <= len(recipients) <= MAX_RECIPIENTS:
            problems.append(ChannelInvalid("recipients", f"an email channel needs 1 to {MAX_RECIPIENTS} recipient addresses"))
        for i, address in enumerate(recipients[:MAX_RECIPIENTS]):
            try:
                validate_email(address)
            except DjangoValidationError:
                problems.append(ChannelInvalid(f"recipients[{i}]", f"{address!r} is not an email address"))
        fields["recipients"] = recipients
        return fields, problems
    if not url:
        problems.append(ChannelInvalid("url", f"a {kind} channel needs a `url`"))
    elif problem := url_problem(url):
        problems.append(ChannelInvalid("url", problem))
    else:
        try:
            outbound.check_reachable(url)
        except outbound.OutboundRefused as exc:
            problems.append(ChannelInvalid("url", str(exc)))
    fields["url"] = url
    if kind == "webhook":
        given = secrets if secrets is not None else ([secret] if secret else None)
        if given is None and existing is not None and existing.kind == "webhook":
            given = existing.secrets  # changing the URL keeps the secrets
        if not given or len(given) > webhook.MAX_SECRETS:
            problems.append(ChannelInvalid("secret", "a webhook channel needs a `secret` (or `secrets`: at most two while rotating, newest first)"))
        else:
            for i, value in enumerate(given):
                problem = webhook.check_secret(value)
                if problem:
                    problems.append(ChannelInvalid(f"secrets[{i}]" if secrets is not None else "secret", problem))
            fields["secrets"] = list(given)
    elif secret or secrets:
        problems.append(ChannelInvalid("secret", f"a {kind} channel takes no secret: its URL is the credential"))
    return fields, problems


def do_save_channel(channel_id: str, fields: dict[str, Any]) -> tuple[Channel, bool]:
    """Create or replace the channel with checked fields; (channel, created)."""
    with transaction.atomic():
        return Channel.objects.update_or_create(id=channel_id, defaults=fields)


def do_delete_channel(channel_id: str) -> bool:
    """Delete the channel; False when there was none. Its notifications stay in the outbox and end as
    dead when they come due, until a channel of that id is set up again."""
    return Channel.objects.filter(id=channel_id).delete()[0] > 0
