"""Slack incoming webhooks: Block Kit sections of mrkdwn, with the same text as the fallback."""

from __future__ import annotations

import json
import re

SECTION_LIMIT = 3000  # Slack refuses a section text longer than this
MAX_BLOCKS = 20
# What a cut must not split: an entity (&amp; &lt; &gt; from the escaping) or a <link|text>.
_UNSPLITTABLE = re.compile(r"&[a-zA-Z#0-9]{1,8};|<[^<>\n]{1,2000}>")


def cut(text: str, limit: int = SECTION_LIMIT) -> int:
    """Where to end a piece of `text` of at most `limit` characters: not inside an entity or a link,
    and at the last line break or space of its last tenth when there is one."""
    if len(text) <= limit:
        return len(text)
    end = limit
    for match in _UNSPLITTABLE.finditer(text, max(0, limit - 2010), limit + 2010):
        if match.start() < end < match.end():
            end = match.start()
            break
    if end == 0:  # one link longer than a section: cut it rather than loop
        end = limit
    floor = end - limit // 10
    for mark in ("\n", " "):
        at = text.rfind(mark, floor, end)
        if at > 0:
            return at + 1
    return end


def _pieces(paragraph: str) -> list[str]:
    pieces = []
    while len(paragraph) > SECTION_LIMIT:
        end = cut(paragraph)
        pieces.append(paragraph[:end])
        paragraph = paragraph[end:]
    return [*pieces, paragraph]


def payload(text: str) -> dict:
    """`text` is rendered with Slack escaping already: the display names in it cannot ping anyone."""
    sections, current = [], ""
    for paragraph in text.split("\n\n"):
        *whole, paragraph = _pieces(paragraph)
        if whole and current:
            sections.append(current)
            current = ""
        sections += whole
        if current and len(current) + 2 + len(paragraph) > SECTION_LIMIT:
            sections.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        sections.append(current)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[:MAX_BLOCKS] if s.strip()]
    return {"text": text[:cut(text)], "blocks": blocks}


def request(text: str) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload(text)).encode(), {"Content-Type": "application/json"}
