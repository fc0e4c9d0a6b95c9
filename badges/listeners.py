"""Who hears of a badge granted by hand.

Apps above badges (notifications announces the grant) subscribe when Django starts, in their
AppConfig.ready; badges never imports them. A listener runs inside the grant's transaction, so
what it records commits or rolls back with the grant.
"""

from __future__ import annotations

from typing import Callable

ManualGrantListener = Callable[[object, object], None]  # (the active ruleset, the BadgeGrant)

_manual_grant_listeners: list[ManualGrantListener] = []


def on_manual_grant(listener: ManualGrantListener) -> ManualGrantListener:
    if listener not in _manual_grant_listeners:
        _manual_grant_listeners.append(listener)
    return listener


def manual_grant_made(ruleset, grant) -> None:
    for listener in _manual_grant_listeners:
        listener(ruleset, grant)
