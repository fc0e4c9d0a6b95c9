"""Pausing Python's cyclic garbage collector around work that makes many short-lived objects."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside the block; a pause inside a pause leaves the switch to
    the outer one. A scoring batch or an ingest request makes some ten thousand objects that live
    until it ends and then go at once, by reference counting; collections in between find them
    alive, move them to older generations, and so bring on full collections of the whole process,
    caches included: about a sixth of the scorer's time and a fifth of an ingest request's.
    POST /events pauses it from parsing the body to rendering the answer. Afterwards the
    collector is back on if it was on when the block began. The switch is the process's:
    under a threaded server the other threads go without collection for the length of the block
    too (gunicorn's sync workers, what `make serve` runs, handle one request at a time; the scorer
    runs in its own worker process)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
