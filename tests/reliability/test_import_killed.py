"""`events import` SIGKILLed part way through a large file, then run again: every event stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from base.models import Event
from tests.conftest import ROOT, _database_url, wait_for
from tests.test_scorer_reliability import generate_events

from .conftest import size

EVENTS = size(6_000, 60_000)


@pytest.mark.worker
def test_an_import_killed_part_way_resumes_and_stores_everything_once(transactional_db, redis, redis_server, tmp_path, figures):
    # given a large JSONL export
    events = generate_events(EVENTS, seed=17)
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_server, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, str(ROOT / "manage.py"), "events", "import", str(path)]

    # when the import is SIGKILLed once some of it is stored
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    wait_for(lambda: Event.objects.count() >= EVENTS // 3, timeout=size(120, 900), what="a third imported")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    stored_at_kill = Event.objects.count()
    started = time.monotonic()
    # and run again on the same file
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=size(300, 1800))

    # then everything is stored, once, and the second run says what it skipped
    assert second.returncode == 0, second.stderr[-2000:]
    assert stored_at_kill < EVENTS
    assert Event.objects.count() == EVENTS
    assert sorted(Event.objects.values_list("source_id", flat=True)) == sorted(e["id"] for e in events)
    assert f"{stored_at_kill:,} already stored" in second.stdout or f"{stored_at_kill} already stored" in second.stdout
    figures(events=EVENTS, stored_when_killed=stored_at_kill, resumed_seconds=round(time.monotonic() - started, 1))
