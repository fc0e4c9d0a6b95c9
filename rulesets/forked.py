"""Run one piece of pure in-memory work in a forked copy of this process, on another core.

A simulation replays the same events twice, once per ruleset, and each replay is pure Python:
one process can only use one core for both. `start_in_fork(work)` forks, the child runs `work`
and sends back its pickled result through a pipe, and meanwhile the caller does the other half.

The child inherits the parent's memory as it was at the fork: the events already loaded, the
compiled rulesets. It touches no database connection, socket or file of the parent's, and ends
with os._exit, so none of the parent's exit handlers, finalizers or buffered output run twice.
When a fork is not safe or not useful, the work runs in the caller's process instead, when its
result is asked for: the answer is the same either way, only the time differs. A parent that dies
first (a web worker killed at its timeout) leaves the child to finish its work, find nobody
reading the pipe, and exit.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import threading
from typing import Callable, Generic, TypeVar

log = logging.getLogger("plaudit.forked")
T = TypeVar("T")


def cores_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """A fork with other threads running can leave the child stuck on a lock one of them held
    (a threaded development server, a test's live server): then the work stays in this process.
    gunicorn's sync workers, the CLI and RQ's work horses run one thread."""
    return hasattr(os, "fork") and cores_available() > 1 and threading.active_count() == 1


class Beside(Generic[T]):
    def __init__(self, work: Callable[[], T], fork: bool):
        self._work = work
        self._pid: int | None = None  # the child's, until its result is collected
        self._read_end: int | None = None
        self.forked = fork
        if fork:
            self._start()

    def _start(self) -> None:
        try:
            read_end, write_end = os.pipe()
        except OSError as exc:  # out of file descriptors: do the work here
            log.warning("no pipe for a forked process (%s); the work runs in this process", exc)
            self.forked = False
            return
        try:
            pid = os.fork()
        except OSError as exc:  # out of memory or processes
            log.warning("could not fork (%s); the work runs in this process", exc)
            os.close(read_end)
            os.close(write_end)
            self.forked = False
            return
        if pid == 0:  # the child: whatever happens, it must not return into the parent's code
            try:
                os.close(read_end)
                try:
                    payload = pickle.dumps((True, self._work()), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as exc:
                    payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(0)
        os.close(write_end)
        self._pid, self._read_end = pid, read_end

    def result(self) -> T:
        """The work's result: from the child when it ran there, else computed here and now."""
        if not self.forked:
            return self._work()
        if self._pid is None:
            raise RuntimeError("the result was collected already")
        # Read to the end before waiting: a result larger than the pipe's buffer would otherwise
        # block the child on its write while the parent waits for it to exit.
        with os.fdopen(self._read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        try:
            ok, value = pickle.loads(payload)
        except Exception:  # killed before it wrote (out of memory, a signal): status says how
            ok, value = False, f"the child process ended with status {status} and sent nothing"
        if ok:
            return value
        # The work itself failed there: run it here, where its exception reaches the caller as usual.
        log.warning("work in a forked process failed (%s); running it in this process", value)
        return self._work()

    def close(self) -> None:
        """Stop the child if its result was not asked for (the caller's own half failed)."""
        if self._pid is None:
            return
        os.close(self._read_end)
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._pid = None


def start_in_fork(work: Callable[[], T], fork: bool | None = None) -> Beside[T]:
    """Start `work` in a forked process if it can be (`fork=None`: when `can_fork()`); its
    `result()` waits for it. `work` must only compute, and return something picklable."""
    return Beside(work, can_fork() if fork is None else fork)
