"""Every Redis key name for boards, in one place.

A board's keys share the hash tag `{board id}`, so on Redis Cluster each board's
period/scope keys, its hidden sets, its registry and its state live in one slot, and
every write to one board can be one MULTI. Nothing writes two boards atomically.
"""

from base.keys import PREFIX
# Every board has reached this scoring batch: a summary for /metrics and the stack's relay,
# kept beside the queue (on the main Redis). Catch-up goes by each board's own state.
APPLIED_BATCH = f"{PREFIX}:boards:applied-batch"
# The ids of the boards of the layout the boards were last built for (see board_state).
BOARD_IDS = f"{PREFIX}:boards:ids"
# The last drift check's result, for /metrics.
DRIFT = f"{PREFIX}:boards:drift"
SEP = "|"


BOARDS = f"{PREFIX}:lb"
# A rebuild writes here first and renames into BOARDS in one MULTI: readers never see half a rebuild.
STAGING = f"{PREFIX}:staging:lb"


def board_key(board_id: str, period: str, scope_value: str | None = None, *, staged: bool = False) -> str:
    key = f"{STAGING if staged else BOARDS}:{{{board_id}}}:{period}"
    return key if not scope_value else f"{key}:s:{scope_value}"


def board_state(board_id: str) -> str:
    """A hash: `batch`, the last scoring batch on this board, and `layout`, the fingerprint of the
    leaderboards section it was built for. Written in the same MULTI as the board's entries."""
    return f"{BOARDS}:{{{board_id}}}:state"


def board_of(key: str) -> str:
    """The board id in a board key's hash tag."""
    return key[key.index("{") + 1:key.index("}")]


def hidden_key(key: str) -> str:
    """Opted-out people's totals for the same board: kept so they can see where they would rank."""
    return f"{key}:hidden"


def registry_key(board_id: str, *, staged: bool = False) -> str:
    """A hash of `period|scope` -> board key: which boards of this id exist."""
    return f"{STAGING if staged else BOARDS}:{{{board_id}}}:registry"


def registry_field(period: str, scope_value: str | None) -> str:
    return f"{period}{SEP}{scope_value or ''}"


def board_pattern(*, staged: bool = False) -> str:
    return f"{STAGING if staged else BOARDS}:*"


def built_marker(board_id: str, period: str) -> str:
    """Set while a past period's boards, built on demand from the ledger, are in Redis."""
    return f"{BOARDS}:{{{board_id}}}:{period}:built"


def live_name(staged_key: str) -> str:
    return BOARDS + staged_key[len(STAGING):]


def built_pattern() -> str:
    """Every built_marker."""
    return f"{BOARDS}:*:built"


def built_of(marker: str) -> tuple[str, str]:
    """(board id, period) of a built_marker."""
    board_id = board_of(marker)
    return board_id, marker[len(f"{BOARDS}:{{{board_id}}}:"):-len(":built")]
