"""Hashtags and mentions found in an event's text, for events that do not list them.

Pure: used by the ingest layer (`base/ingest.py`) for events sent to the API and by rule
tests (`ruletests.py`) for the events a ruleset's test cases describe, so both read the same
text the same way.
"""

from __future__ import annotations

import re
from itertools import islice

from .eventschema import MAX_HASHTAG_LENGTH, MAX_HASHTAGS, MAX_MENTIONS, MAX_PERSON_ID_LENGTH

HASHTAG = re.compile(r"(?<![\w&])#(\w[\w-]*)")
MENTION = re.compile(r"(?<![\w])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


# Found in text, hashtags and mentions keep the limits of the lists an event gives: the first 100
# distinct of each, in the order of the text; a run too long to be one is not one.
def parse_hashtags(text: str) -> list[str]:
    found = (t for t in HASHTAG.findall(text) if len(t) <= MAX_HASHTAG_LENGTH)
    return list(islice(dict.fromkeys(found), MAX_HASHTAGS))


def parse_mentions(text: str) -> list[str]:
    found = (m.rstrip(".-") for m in MENTION.findall(text))
    return list(islice(dict.fromkeys(m for m in found if 0 < len(m) <= MAX_PERSON_ID_LENGTH), MAX_MENTIONS))
