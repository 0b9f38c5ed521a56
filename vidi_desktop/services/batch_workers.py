"""The work of a batch, unit by unit, and the engines that run units on one machine.

A :class:`WorkUnit` is one file, or one chunk of a long file (see
:mod:`~vidi_desktop.services.chunking`). :func:`execute_unit` runs it and returns a
:class:`UnitOutcome` — plain, picklable data: the file's analysis (big audio dropped), or
the chunk's boundaries, or a one-line error. It never raises for a bad file, so one broken
file cannot stop a batch, whichever engine runs it.

Engines share one small interface — ``submit(unit)``, ``as_completed()``, ``close()`` — so
the batch driver does not care where units run:

* :class:`InProcessEngine`: in the calling thread, one at a time, with fine progress;
* :class:`ProcessPoolEngine`: a bounded pool of worker processes (``spawn``: no forked
  torch/FFmpeg threads). A worker that dies (a crash in a decoder) breaks the pool; the
  units it held are retried one at a time in a fresh pool, so the culprit is found and
  reported and the innocent ones finish;
* ``ray_batch.RayEngine``: one Ray task per unit on a cluster.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.core.library_errors import ffmpeg_failure

if TYPE_CHECKING:
    from concurrent.futures import Future

    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import FileAnalysis
    from vidi_desktop.core.progress import ProgressFn
    from vidi_desktop.services.chunking import ChunkResult, ChunkSpec

log = logging.getLogger(__name__)

WORKER_DIED = "the worker process died while analysing this file (a crash in a decoder?)"


@dataclass(frozen=True)
class WorkUnit:
    """One file (``chunk`` None) or one chunk of it, with what to compute."""

    key: str
    path: str
    options: AnalyzeOptions
    chunk: ChunkSpec | None = None

    @property
    def label(self) -> str:
        if self.chunk is None:
            return self.key
        return f"{self.key} [chunk {self.chunk.index + 1}/{self.chunk.count}]"


@dataclass
class UnitOutcome:
    """What a unit produced: ``analysis`` (whole file), ``chunk`` (a chunk) or ``error``."""

    unit: WorkUnit
    analysis: FileAnalysis | None = None
    chunk: ChunkResult | None = None
    error: str | None = None
    seconds: float = 0.0  # wall time in the worker
    worker: str = ""  # host:pid
    version: str = ""  # the worker's vidi-desktop: a cluster node with another one is refused


def describe_error(exc: BaseException) -> str:
    """A one-line message for the report."""
    if isinstance(exc, VidiError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    media = ffmpeg_failure(exc)  # FFmpeg's ENOMEM on a damaged file is not out of memory
    if media is not None:
        return media
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"internal error: {type(exc).__name__}: {text}"


def execute_unit(
    unit: WorkUnit,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> UnitOutcome:
    """Run one unit; every error but cancellation becomes ``outcome.error``."""
    from vidi_desktop.core.progress import JobContext

    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    started = time.perf_counter()
    from vidi_desktop import __version__

    outcome = UnitOutcome(
        unit, worker=f"{socket.gethostname()}:{os.getpid()}", version=__version__
    )
    try:
        if unit.chunk is None:
            from vidi_desktop.analysis.run import analyze_file

            analysis = analyze_file(unit.path, unit.options, ctx)
            analysis.audio = None  # megabytes of samples: not needed past the analysis
            outcome.analysis = analysis
        else:
            from vidi_desktop.services.chunking import analyse_chunk

            outcome.chunk = analyse_chunk(unit.path, unit.options, unit.chunk, ctx)
    except CancelledError:
        raise
    except Exception as exc:  # a bad file is a line in the report, never the batch's end
        if not isinstance(exc, VidiError):
            log.warning("%s failed", unit.label, exc_info=True)
        outcome.error = describe_error(exc)
    outcome.seconds = time.perf_counter() - started
    return outcome


Task = Callable[[WorkUnit], UnitOutcome]


class Engine(Protocol):
    """Where units run. ``as_completed`` yields outcomes until nothing is pending (units
    submitted while iterating are included)."""

    name: str
    workers: int

    def submit(self, unit: WorkUnit) -> None: ...

    def as_completed(self) -> Iterator[UnitOutcome]: ...

    def close(self) -> None: ...


class InProcessEngine:
    """Units run in the calling thread, in submission order; progress within each unit."""

    name = "local"
    workers = 1

    def __init__(
        self,
        task: Task | None = None,
        on_unit_progress: Callable[[WorkUnit, float], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self._task = task
        self._queue: deque[WorkUnit] = deque()
        self._on_unit_progress = on_unit_progress
        self._cancel = cancel

    def submit(self, unit: WorkUnit) -> None:
        self._queue.append(unit)

    def as_completed(self) -> Iterator[UnitOutcome]:
        while self._queue:
            unit = self._queue.popleft()
            if self._task is not None:
                yield self._task(unit)
                continue
            yield execute_unit(unit, self._progress_of(unit), self._cancel)

    def _progress_of(self, unit: WorkUnit) -> ProgressFn | None:
        callback = self._on_unit_progress
        if callback is None:
            return None

        def report(fraction: float | None, message: str = "") -> None:
            callback(unit, fraction or 0.0)

        return report

    def close(self) -> None:
        self._queue.clear()


def _init_worker(threads: int) -> None:
    """Worker start-up: share the cores among workers instead of each taking them all."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass


class ProcessPoolEngine:
    """A bounded pool of ``workers`` processes (see the module docstring)."""

    name = "local"

    def __init__(self, workers: int, task: Task | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._task: Task = task or execute_unit
        self._queue: deque[WorkUnit] = deque()
        self._suspects: deque[WorkUnit] = deque()  # were running when a worker died
        self._running: dict[Future[UnitOutcome], tuple[WorkUnit, bool]] = {}
        self._pool: Any = None

    def _new_pool(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, (os.cpu_count() or 1) // self.workers)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(threads,),
        )

    def submit(self, unit: WorkUnit) -> None:
        self._queue.append(unit)

    def _fill(self) -> None:
        if self._pool is None:
            self._pool = self._new_pool()
        if self._suspects:
            # After a crash, suspects run alone: the one that kills its worker again is
            # the culprit, and takes nobody down with it.
            if not self._running:
                unit = self._suspects.popleft()
                self._running[self._pool.submit(self._task, unit)] = (unit, True)
            return
        while self._queue and len(self._running) < self.workers:
            unit = self._queue.popleft()
            self._running[self._pool.submit(self._task, unit)] = (unit, False)

    def as_completed(self) -> Iterator[UnitOutcome]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        while self._queue or self._suspects or self._running:
            self._fill()
            done, _ = wait(list(self._running), return_when=FIRST_COMPLETED)
            broken: list[tuple[WorkUnit, bool]] = []
            for fut in done:
                unit, alone = self._running.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    broken.append((unit, alone))
                except Exception as exc:  # pickling trouble and the like
                    yield UnitOutcome(unit, error=describe_error(exc))
            if broken:
                # Every unit still in the dead pool fails the same way: collect them all.
                for fut, (unit, alone) in list(self._running.items()):
                    broken.append((unit, alone))
                    del self._running[fut]
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                for unit, alone in broken:
                    if alone:
                        yield UnitOutcome(unit, error=WORKER_DIED)
                    else:
                        self._suspects.append(unit)

    def close(self) -> None:
        self._queue.clear()
        self._suspects.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
