"""Email through Django's email backend: the template rendered as plain text and, HTML-escaped, as HTML."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives


def html_body(escaped: str) -> str:
    paragraphs = [p.replace("\n", "<br>\n") for p in escaped.split("\n\n") if p.strip()]
    return "<!doctype html>\n<html><body>\n" + "\n".join(f"<p>{p}</p>" for p in paragraphs) + "\n</body></html>\n"


def send(recipients: list[str], subject: str, text: str, escaped_html: str, message_id: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=recipients, headers={"X-Plaudit-Notification": message_id})
    message.attach_alternative(html_body(escaped_html), "text/html")
    message.send(fail_silently=False)
