"""The dependency direction from ARCHITECTURE.md: a pure rules core, apps that never reach into the scorer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_rules_core_imports_no_framework_and_none_of_our_apps():
    forbidden = ("django", "ninja", "redis", "rq", "engine", "badges", "leaderboards", "notifications", "insights")
    offenders = {
        path: sorted(n for n in names if n.split(".")[0] in forbidden)
        for path, names in imported_modules("rules/core").items()
    }
    assert {p: n for p, n in offenders.items() if n} == {}


@pytest.mark.parametrize("package", ["badges", "leaderboards", "notifications", "insights", "rules"])
def test_apps_never_import_the_scorer(package):
    offenders = [path for path, names in imported_modules(package).items() if "engine.scoring" in names]
    assert offenders == []
