"""Quitting without waiting for the workers.

Closing the window tells every worker to stop (cancel flags, interruption requests, the
model runner's stop) and joins none of them: an analysis stage, a proxy build or a decode
may take seconds to notice, and the editor has asked to leave. A ``QThread`` still running
then must outlive its parent widget — Qt aborts the process when a running ``QThread`` is
destroyed — so :func:`park` takes it from its parent and keeps it referenced here until it
finishes.

At the very end, after the event loop (:func:`leave`), the process exits normally when
everything has stopped within a short grace; otherwise it ends at once (``os._exit``, after
flushing the logs and standard streams). Nothing is lost that way: the project and settings
were saved in the GUI thread before; workers write their files atomically, so one cut short
leaves at most a temporary file, never a half-written cache or project.

Modules with workers of another kind (thread pools) register a probe with :func:`watch`,
so :func:`leave` knows whether something still runs; the app's own Python threads (named
``vidi-…``: proxy builds, pre-rolls, the router loading) count without one.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QThread

log = logging.getLogger(__name__)

GRACE_S = 0.3  # what leave() gives workers told to stop before ending the process anyway

_parked: set[QThread] = set()
_lock = threading.Lock()
_probes: dict[str, Callable[[], bool]] = {}


def park(thread: QThread) -> bool:
    """Keep a told-to-stop ``thread`` alive, without a parent, until it finishes; True when
    it was still running (and is parked), False when it had finished already."""
    _prune()
    if thread.isFinished() or not thread.isRunning():
        return False
    thread.setParent(None)
    with _lock:
        _parked.add(thread)
    return True


@atexit.register
def _join_parked(timeout_ms: int = 5000) -> None:
    """At a normal end of the process (a script, the tests: :func:`leave` did not end it),
    give each parked thread a bounded time to finish, so that none is destroyed running."""
    with _lock:
        threads = list(_parked)
    for t in threads:
        with contextlib.suppress(RuntimeError):  # already deleted: nothing runs
            t.wait(timeout_ms)


def _prune() -> None:
    """Let go of the parked threads that have finished. Only here, never from a thread's own
    ``finished`` signal: dropping the last reference there would destroy the QThread in its
    last moments, which Qt treats as destroying a running thread."""
    with _lock:
        for t in [t for t in _parked if t.isFinished()]:
            _parked.discard(t)


def watch(name: str, still_running: Callable[[], bool]) -> None:
    """Register a probe: ``still_running()`` says whether workers of ``name`` still run."""
    _probes[name] = still_running


def running() -> list[str]:
    """What still runs: parked threads by object name, the app's Python threads by name,
    then the probes that say so."""
    _prune()
    with _lock:
        names = [t.objectName() or type(t).__name__ for t in _parked if not t.isFinished()]
    me = threading.current_thread()
    names += [t.name for t in threading.enumerate()
              if t.name.startswith("vidi-") and t.is_alive() and t is not me]
    for name, probe in list(_probes.items()):
        try:
            if probe():
                names.append(name)
        except Exception:  # a probe of something already torn down: nothing runs there
            continue
    return names


def leave(code: int, grace_s: float = GRACE_S) -> int:
    """The process's exit status, once the event loop has ended: ``code`` itself when
    every worker stopped within ``grace_s``; else the process ends here, at once, with
    ``code`` (see the module docstring). Never call it where the process must go on
    (tests, scripted runs inside another program)."""
    deadline = time.monotonic() + grace_s
    while (busy := running()) and time.monotonic() < deadline:
        time.sleep(0.02)
    if not busy:
        return code
    log.info("quitting without waiting for: %s", ", ".join(sorted(set(busy))))
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
