"""Figures with their baselines, the targets they are held to, and the table in docs/benchmarks.md.

A figure is only meaningful next to a baseline measured in the same run: this machine is
shared, so absolute rates drift from run to run while ratios drift much less.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

TABLE_START = "<!-- bench:table -->"
TABLE_END = "<!-- /bench:table -->"


@dataclass
class Figure:
    """One measured figure against its baseline. `higher_is_better` says which way the ratio must go."""

    name: str
    value: float
    baseline: float
    unit: str
    baseline_name: str
    target: float | None = None  # the ratio value/baseline must reach (or stay within, see higher_is_better)
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": round(self.ratio, 3), "met": self.met}

    def line(self) -> str:
        goal = ""
        if self.target is not None:
            sign = ">=" if self.higher_is_better else "<="
            goal = f"  target {sign} {self.target}x: {'MET' if self.met else 'NOT MET'}"
        return (f"{self.name}: {_num(self.value)} {self.unit} vs {self.baseline_name} {_num(self.baseline)} "
                f"{self.unit} = {self.ratio:.3f}x{goal}")


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def machine() -> dict:
    versions = {}
    for package in ("Django", "django-ninja", "pydantic", "redis", "hiredis", "psycopg"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "packages": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def save(path: Path, run: dict) -> dict:
    """Merge this run's benchmarks into the results file, so `--only` refreshes just its own."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {}
    merged = {"machine": run["machine"], "redis": run.get("redis"), "database": run.get("database"),
              "benchmarks": {**previous.get("benchmarks", {}), **run["benchmarks"]}}
    path.write_text(json.dumps(merged, indent=2, default=str))
    return merged


def markdown_table(results: dict) -> str:
    m = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = [
        f"Machine: {m['cpu']} ({m['cpu_count']} cores), {m['platform']}, Python {m['python']}; "
        f"{packages}; Redis {results.get('redis') or '?'}; database {results.get('database') or '?'}.",
        "",
        "| benchmark | figure | measured | baseline (same run) | ratio | target | met | command |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, bench in results["benchmarks"].items():
        for f in bench["figures"]:
            target = "" if f["target"] is None else (">= " if f["higher_is_better"] else "<= ") + f"{f['target']}x"
            met = "" if f["met"] is None else ("yes" if f["met"] else "**no**")
            lines.append(f"| {name} | {f['name']} | {_num(f['value'])} {f['unit']} | {f['baseline_name']}: "
                         f"{_num(f['baseline'])} {f['unit']} | {f['ratio']:.3f}x | {target} | {met} | `{bench['command']}` |")
    return "\n".join(lines)


def write_docs(path: Path, results: dict) -> None:
    """Replace the generated table between the markers in docs/benchmarks.md."""
    text = path.read_text()
    block = f"{TABLE_START}\n{markdown_table(results)}\n{TABLE_END}"
    if TABLE_START in text:
        text = re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
