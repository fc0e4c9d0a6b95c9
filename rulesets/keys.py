"""Every Redis key name for ruleset versions, in one place.

A version's keys share the hash tag `{v<version>}`, so on Redis Cluster they live in one slot.
"""

from base.keys import PREFIX


def expression_failures(version: int) -> str:
    """A hash: rule or badge id -> how often its CEL expressions failed on events."""
    return f"{PREFIX}:rules:{{v{version}}}:expr-failures"


def expression_last_error(version: int) -> str:
    """A hash: rule or badge id -> the last error its expressions raised."""
    return f"{PREFIX}:rules:{{v{version}}}:expr-last-error"
