"""Slack incoming webhooks: Block Kit sections of mrkdwn, with the same text as the fallback."""

from __future__ import annotations

import json

SECTION_LIMIT = 3000  # Slack refuses a section text longer than this
MAX_BLOCKS = 20


def payload(text: str) -> dict:
    """`text` is rendered with Slack escaping already: the display names in it cannot ping anyone."""
    sections, current = [], ""
    for paragraph in text.split("\n\n"):
        while len(paragraph) > SECTION_LIMIT:
            sections.append(paragraph[:SECTION_LIMIT])
            paragraph = paragraph[SECTION_LIMIT:]
        if current and len(current) + 2 + len(paragraph) > SECTION_LIMIT:
            sections.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        sections.append(current)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[:MAX_BLOCKS]]
    return {"text": text[:SECTION_LIMIT], "blocks": blocks}


def request(text: str) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload(text)).encode(), {"Content-Type": "application/json"}
