"""Every Redis key name the base owns, in one place; every key Plaudit writes starts with PREFIX.

The other owners keep theirs beside their code, built on PREFIX: leaderboards/keys.py,
rulesets/keys.py, notifications/keys.py, engine/keys.py.
"""

PREFIX = "plaudit"

# Person id -> display name, for board pages (base/names.py).
NAMES = f"{PREFIX}:people:names"
# Set while one scoring job waits in the queue: another would find nothing new to do.
SCORING_QUEUED = f"{PREFIX}:scoring:queued"


def signin_failures(username: str) -> str:
    """Wrong passwords for one username, counted while its lock lasts (web/access.py)."""
    return f"{PREFIX}:signin-failures:{username.casefold()}"
