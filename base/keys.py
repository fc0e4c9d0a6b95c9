"""Every Redis key name the base owns, in one place; every key Plaudit writes starts with PREFIX."""

PREFIX = "plaudit"

# Person id -> display name, for board pages (base/names.py).
NAMES = f"{PREFIX}:people:names"
# Set while one scoring job waits in the queue: another would find nothing new to do.
SCORING_QUEUED = f"{PREFIX}:scoring:queued"
