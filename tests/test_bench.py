"""Each benchmark runs at a tiny size and reports its figures. No timings are asserted: a benchmark is not a test."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {"month", "rules-cost", "scorer", "http-ingest", "board-reads", "rebuild", "scorer-memory", "insights",
              "slack-commands", "challenge-progress", "pages"}


def test_every_benchmark_runs_small_and_reports_each_figure_with_its_baseline(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DATA_DIR")}
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "bench", "--small", "--results", str(results), "--no-docs"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    data = json.loads(results.read_text())
    assert set(data["benchmarks"]) == BENCHMARKS
    assert data["machine"]["python"] and data["redis"]
    for name, bench in data["benchmarks"].items():
        assert bench["figures"], name
        assert bench["command"].startswith(f"python -m bench --only {name}")
        for figure in bench["figures"]:
            assert figure["value"] > 0 and figure["baseline"] > 0, (name, figure)
            assert figure["met"] in (True, False, None)
            assert f"{figure['name']}:" in run.stdout


def test_the_docs_table_is_rewritten_between_its_markers(tmp_path):
    from bench import report

    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nbefore\n\n{report.TABLE_START}\nold table\n{report.TABLE_END}\n\nafter\n")
    figure = report.Figure("scoring", 10.0, 20.0, "events/s", "raw", target=0.5)
    results = {"machine": report.machine(), "redis": "7.0", "database": "sqlite",
               "benchmarks": {"scorer": {"at": "2026-11-29T19:00:00+00:00", "command": "python -m bench --only scorer",
                                         "figures": [figure.as_dict()]}}}
    report.write_docs(doc, results)
    text = doc.read_text()
    assert "old table" not in text and "before" in text and "after" in text
    assert "| scorer | scoring | 10 events/s | raw: 20 events/s | 0.500x | >= 0.5x | yes |" in text
