"""Email through Django's email backend: the template rendered as plain text and, HTML-escaped, as HTML
(where `|strong` and `|quote` make <strong> and <blockquote>).

One message per recipient, each addressed to that recipient alone, so no one sees who else gets
the channel's mail; all of them go over one connection. Every message says it was sent by a
machine (`Auto-Submitted: auto-generated`, RFC 3834), so autoresponders and vacation notices do
not answer it, and carries a Message-ID at the site's public host (PUBLIC_BASE_URL), stable for a
notification and recipient, so a message sent again after a failed attempt is the same message.
"""

from __future__ import annotations

import hashlib
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


def html_body(escaped: str) -> str:
    """Blank lines part paragraphs, a newline is a <br>; a line that is a whole <blockquote> stands
    between paragraphs, as HTML has no quote inside a <p>."""
    blocks: list[str] = []
    for paragraph in escaped.split("\n\n"):
        lines: list[str] = []
        for line in paragraph.split("\n"):
            if line.startswith("<blockquote>") and line.endswith("</blockquote>"):
                if lines:
                    blocks.append("<p>" + "<br>\n".join(lines) + "</p>")
                    lines = []
                blocks.append(line)
            elif line.strip():
                lines.append(line)
        if lines:
            blocks.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "<!doctype html>\n<html><body>\n" + "\n".join(blocks) + "\n</body></html>\n"


def site_host() -> str:
    """The host Message-IDs are made at: the site's public address, else its first named host."""
    host = urlsplit(getattr(settings, "PUBLIC_BASE_URL", "") or "").hostname
    if not host:
        host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "") or "plaudit.invalid"
    return host


def message_id_for(message_id: str, recipient: str) -> str:
    digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:12]
    return f"<{message_id}.{digest}@{site_host()}>"


def messages(recipients: list[str], subject: str, text: str, escaped_html: str, message_id: str) -> list[EmailMultiAlternatives]:
    html = html_body(escaped_html)
    made = []
    for recipient in dict.fromkeys(recipients):
        message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                         to=[recipient], headers={
                                             "X-Plaudit-Notification": message_id,
                                             "Message-ID": message_id_for(message_id, recipient),
                                             "Auto-Submitted": "auto-generated",
                                             "X-Auto-Response-Suppress": "All"})
        message.attach_alternative(html, "text/html")
        made.append(message)
    return made


def send(recipients: list[str], subject: str, text: str, escaped_html: str, message_id: str) -> None:
    """Raises smtplib.SMTPRecipientsRefused naming every refused address once the others are sent."""
    refused: dict = {}
    with get_connection(fail_silently=False) as connection:
        for message in messages(recipients, subject, text, escaped_html, message_id):
            try:
                connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused as exc:  # one bad address does not keep the rest from their mail
                refused.update(exc.recipients)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
