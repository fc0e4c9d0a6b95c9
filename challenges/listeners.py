"""Who hears of a challenge's end: notifications subscribe here (in their AppConfig.ready), as they do
to badges.listeners, since challenges may not import the layer above.

A listener runs inside the transaction that marks the end announced, so what it records (outbox rows)
commits or rolls back with that mark: the end is announced once, and again on the next relay round if
anything failed.
"""

from __future__ import annotations

from typing import Callable

_on_end: list[Callable] = []


def on_end(listener: Callable) -> Callable:
    """`listener(end: challenges.ending.ChallengeEnd)`."""
    if listener not in _on_end:
        _on_end.append(listener)
    return listener


def end_processed(end) -> None:
    for listener in list(_on_end):
        listener(end)
