"""Teams (a Workflows "when a Teams webhook request is received" URL): a message with one Adaptive Card.

The card is built as data and serialized with json.dumps: rendered text only ever becomes the
value of a TextBlock, so nothing in it can change the card's structure. The title is made of
display names and badge names, so its markdown is escaped as the template's values are.
"""

from __future__ import annotations

import json

from ..render import teams_escape


def card(title: str, text: str) -> dict:
    body = [{"type": "TextBlock", "text": teams_escape(title), "weight": "Bolder", "size": "Medium", "wrap": True}]
    body += [{"type": "TextBlock", "text": paragraph, "wrap": True} for paragraph in text.split("\n\n") if paragraph.strip()]
    return {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}


def payload(title: str, text: str) -> dict:
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card(title, text)}]}


def request(title: str, text: str) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload(title, text)).encode(), {"Content-Type": "application/json"}
