"""Slack incoming webhooks: Block Kit sections of mrkdwn, with the same text as the fallback.

A recognition (a badge earned, a level reached) also gets a Congratulate button: the Slack app
(engine/integrations/slack_app/interactivity.py) records a click as a reaction to the event that
earned it. And once the earner's Slack user is known (their `slack` alias, `TEAM:USER`), the message
mentions them, so Slack tells them, unless they switched mentions off on their preferences page.
"""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, PlainTextObject

from base.models import PersonAlias

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


RECOGNITIONS = {"badge_awarded", "level_up"}


def recognition_blocks(trigger: str | None, data: dict | None) -> tuple[str, list[dict]]:
    """The mention of the earner (for the fallback text too) and the blocks with the Congratulate button."""
    if trigger not in RECOGNITIONS or not isinstance(data, dict):
        return "", []
    event_id = (data.get("event") or {}).get("id")
    person = (data.get("person") or {}).get("id")
    blocks = []
    mention = ""
    # Someone who asked not to be pinged is named all the same, without the @-mention.
    alias = PersonAlias.objects.filter(source="slack", person__key=person, person__slack_mention=True) \
        .order_by("id").first() if person else None
    user = alias.external_id.partition(":")[2] if alias else ""
    if re.fullmatch(r"[UW]\w{1,30}", user):
        mention = f"<@{user}>"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f":tada: {mention}")]).to_dict())
    if isinstance(event_id, str) and event_id:
        blocks.append(ActionsBlock(block_id="recognition", elements=[ButtonElement(
            text=PlainTextObject(text=":tada: Congratulate", emoji=True), action_id="congratulate", value=event_id[:2000])]).to_dict())
    return mention, blocks


def request(text: str, trigger: str | None = None, data: dict | None = None) -> tuple[bytes, dict[str, str]]:
    body = payload(text)
    mention, extra = recognition_blocks(trigger, data)
    if extra:
        body["blocks"] = body["blocks"][:MAX_BLOCKS - len(extra)] + extra
    if mention:
        body["text"] = f"{body['text']} {mention}"
    return json.dumps(body).encode(), {"Content-Type": "application/json"}
