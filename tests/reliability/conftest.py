"""The reliability suite: each test runs fast in `make test` and at full size under `make reliability`.

`RELIABILITY=full` (set by `make reliability`) selects the sizes the figures in docs/reliability.md
come from. Every test records its figures; they are printed at the end of the run and written to
DATA_DIR/reliability-figures.json so a run leaves a record.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

FULL = os.environ.get("RELIABILITY") == "full"
_figures: list[dict] = []
_counts: Counter = Counter()  # running totals, e.g. generated API cases


def count(name: str, n: int = 1) -> None:
    _counts[name] += n


def size(fast, full):
    return full if FULL else fast


@pytest.fixture
def figures(request):
    """Call it with the test's measured figures: `figures(events=100000, lost=0)`."""
    def record(**values):
        _figures.append({"test": request.node.name, "scale": "full" if FULL else "fast", **values})
    return record


def pytest_terminal_summary(terminalreporter):
    if _counts:
        _figures.append({"test": "totals", "scale": "full" if FULL else "fast", **_counts})
    if not _figures:
        return
    from django.conf import settings

    path = settings.DATA_DIR / "reliability-figures.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_figures, indent=2) + "\n")
    terminalreporter.section("reliability figures")
    if not FULL:  # `make test`: the small sizes say little; keep the output short
        terminalreporter.write_line(f"{len(_figures)} rows in {path}")
        return
    for row in _figures:
        terminalreporter.write_line(json.dumps(row))
