"""Work run in a forked process (rulesets.forked): its result comes back, and any failure there
ends with the work done in the caller's process instead, never with a lost or wrong answer."""

from __future__ import annotations

import os
import threading
import time

import pytest

from rulesets.forked import can_fork, start_in_fork


def test_the_work_runs_in_another_process_and_its_result_comes_back():
    side = start_in_fork(lambda: {"pid": os.getpid(), "squares": [i * i for i in range(100_000)]}, fork=True)
    result = side.result()
    assert side.forked and result["pid"] != os.getpid()
    assert result["squares"][-1] == 99_999 ** 2  # larger than a pipe's buffer: read while the child writes


def test_the_work_runs_while_the_caller_goes_on(tmp_path):
    # given work that leaves a mark and returns
    mark = tmp_path / "started"
    side = start_in_fork(lambda: mark.write_text("here") and "there", fork=True)
    # then the caller sees the mark before it asks for the result: the work did not wait to be asked
    for _ in range(1000):
        if mark.exists():
            break
        time.sleep(0.01)
    assert mark.exists()
    assert side.result() == "there"


def test_work_that_fails_in_the_child_is_run_again_here_and_raises_here():
    parent = os.getpid()
    calls = []

    def work():
        calls.append(os.getpid())
        raise ValueError("no such rule")

    side = start_in_fork(work, fork=True)
    with pytest.raises(ValueError, match="no such rule"):
        side.result()
    assert calls == [parent]  # the child's call was in its own memory; this one is the caller's


def test_a_child_killed_before_it_answers_leaves_the_work_to_the_caller():
    parent = os.getpid()

    def work():
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)  # as the kernel's out-of-memory killer would
        return "done here"

    assert start_in_fork(work, fork=True).result() == "done here"


def test_close_stops_a_child_whose_result_is_not_wanted():
    side = start_in_fork(lambda: time.sleep(30), fork=True)
    pid = side._pid
    started = time.perf_counter()
    side.close()
    assert time.perf_counter() - started < 5
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)


def test_no_fork_while_other_threads_run():
    # A fork copies only the calling thread; a lock another thread held would stay locked in the child.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert can_fork() is False
        side = start_in_fork(os.getpid)
        assert side.forked is False and side.result() == os.getpid()
    finally:
        stop.set()
        other.join()
