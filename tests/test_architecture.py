"""The layers of docs/architecture.md, checked by import-linter, and the rules of thumb it cannot express."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter import api as importlinter_api

ROOT = Path(__file__).resolve().parent.parent


def test_the_layer_contracts_hold_with_no_exceptions(monkeypatch):
    # given: the contracts in pyproject.toml ([tool.importlinter]), none with exceptions
    monkeypatch.chdir(ROOT)
    config = importlinter_api.read_configuration(str(ROOT / "pyproject.toml"))
    assert {c["id"] for c in config["contracts_options"]} >= {"layers", "pure-core", "acyclic"}
    for contract in config["contracts_options"]:
        assert "ignore_imports" not in contract, f"{contract['name']}: no exceptions for product code"
    # when: import-linter's own command checks them (imports inside functions count too)
    lint = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    # then
    assert lint.returncode == 0, lint.stdout[-4000:] + lint.stderr[-2000:]


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


@pytest.mark.parametrize("package", ["badges", "leaderboards", "notifications", "insights", "challenges", "rulesets", "base", "rules"])
def test_apps_never_import_the_scorer(package):
    offenders = [path for path, names in imported_modules(package).items() if "engine.scoring" in names]
    assert offenders == []


def test_each_scoring_step_lives_in_the_app_that_owns_what_it_writes():
    # given the scorer's list of steps
    from base.batch import Step
    from engine.scoring import STEPS

    owners = {"RulesStep": "rulesets", "LedgerStep": "base", "BadgesStep": "badges", "ChallengesStep": "challenges",
              "BoardsStep": "leaderboards", "NotificationsStep": "notifications"}
    # then it names each step once, in the order a batch needs them, each a Step from its own app
    assert [step.__name__ for step in STEPS] == list(owners)
    for step in STEPS:
        assert issubclass(step, Step)
        assert step.__module__.split(".")[0] == owners[step.__name__], f"{step.__name__} lives in {step.__module__}"
