"""Hashtags and mentions found in an event's text, for events that do not list them.

Pure: used by the ingest layer (`base/ingest.py`) for events sent to the API and by rule
tests (`ruletests.py`) for the events a ruleset's test cases describe, so both read the same
text the same way.
"""

from __future__ import annotations

import re

HASHTAG = re.compile(r"(?<![\w&])#(\w[\w-]*)")
MENTION = re.compile(r"(?<![\w])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def parse_hashtags(text: str) -> list[str]:
    return list(dict.fromkeys(HASHTAG.findall(text)))


def parse_mentions(text: str) -> list[str]:
    # A person id is at most 200 characters; a longer "@..." run in free text is not a mention.
    found = (m.rstrip(".-") for m in MENTION.findall(text))
    return list(dict.fromkeys(m for m in found if 0 < len(m) <= 200))
