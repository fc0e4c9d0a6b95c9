"""What a channel would receive for a template and data: the API's preview and the admin pages' one."""

from __future__ import annotations

import json

from django.utils import translation

from .delivery import title
from .kinds import slack, teams, webhook
from .kinds.email import html_body
from .language import channel_language
from .render import RenderError, render
from .templates import SAMPLES, check_template, template_text


def preview(kind: str, name: str, text: str | None = None, data: dict | None = None, trigger: str | None = None) -> dict:
    """{"text": the rendered template (None for a webhook), "payload": what would be sent}.

    `text` is a draft (default: the saved or shipped template, in the channels' language), `data` replaces
    the sample data. A draft rendered with the sample data gets the same check as saving it. RenderError
    says what is wrong.
    """
    with translation.override(channel_language()):
        return _preview(kind, name, text, data, trigger)


def _preview(kind: str, name: str, text: str | None, data: dict | None, trigger: str | None) -> dict:
    sample = data is None
    data = SAMPLES[name] if sample else data
    trigger = trigger or name
    if kind == "webhook":
        payload, _ = webhook.request(0, trigger, data, [])
        return {"text": None, "payload": json.loads(payload)}
    source = text if text is not None else template_text(kind, name, translation.get_language())
    if text is not None and sample:
        check_template(kind, name, source)
    rendered = render(kind, source, data)
    if kind == "slack":
        payload = slack.payload(rendered)
    elif kind == "teams":
        payload = teams.payload(title(trigger, data), rendered)
    else:
        payload = {"subject": title(trigger, data), "text": render("text", source, data), "html": html_body(rendered)}
    return {"text": rendered, "payload": payload}


__all__ = ["RenderError", "preview"]
