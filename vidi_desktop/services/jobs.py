"""Background jobs: progress reports, cooperative cancellation, errors as values.

A job is a function ``fn(ctx) -> result``. It calls ``ctx.progress(fraction, message)`` as it
goes and ``ctx.check_cancelled()`` between steps (or passes ``ctx.cancel`` down to decode
loops, which check it every frame). The GUI wraps a :class:`JobRunner` in a Qt bridge; the CLI
calls :func:`run_job` in the foreground. Either way a failing job never takes its caller down:
its error is kept on the handle, as a one-line message for the user.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.core.library_errors import ffmpeg_failure

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressCallback = Callable[[float | None, str], None]


class JobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class JobContext:
    """What a running job sees: its cancel flag and a way to report progress."""

    cancel: threading.Event = field(default_factory=threading.Event)
    on_progress: ProgressCallback | None = None
    fraction: float | None = None
    message: str = ""
    _last_report: float = 0.0

    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        """Report ``fraction`` (0..1, None = unknown) done; at most ~20 reports a second."""
        self.check_cancelled()
        if fraction is not None:
            fraction = min(1.0, max(0.0, fraction))
        self.fraction, self.message = fraction, message or self.message
        now = time.monotonic()
        if self.on_progress is not None and (force or now - self._last_report >= 0.05):
            self._last_report = now
            try:
                self.on_progress(fraction, self.message)
            except Exception:  # a broken progress display must not kill the work
                log.exception("progress callback failed")

    def check_cancelled(self) -> None:
        """Raise :class:`CancelledError` if the user asked to stop."""
        if self.cancel.is_set():
            raise CancelledError("cancelled")

    def stage(self, index: int, count: int, message: str) -> ProgressCallback:
        """A progress callback for stage ``index`` of ``count`` equal stages."""

        def report(fraction: float | None, detail: str = "") -> None:
            overall = None if fraction is None else (index + fraction) / count
            self.progress(overall, f"{message}: {detail}" if detail else message)

        return report


@dataclass
class JobHandle(Generic[T]):
    """A submitted job: watch its state, cancel it, wait for its result."""

    name: str
    context: JobContext
    future: Future[T] | None = None
    state: JobState = JobState.PENDING
    error: str | None = None

    def cancel(self) -> None:
        self.context.cancel.set()

    def result(self, timeout: float | None = None) -> T:
        """The job's return value; re-raises its error (CancelledError when cancelled)."""
        assert self.future is not None
        return self.future.result(timeout)

    @property
    def done(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, VidiError):
        return str(exc)
    media = ffmpeg_failure(exc)  # FFmpeg's ENOMEM on a damaged file is not out of memory
    if media is not None:
        return media
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"internal error: {type(exc).__name__}: {exc}"


class JobRunner:
    """A small pool of worker threads running jobs; closes cleanly, never hangs the caller."""

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="vidi-job")
        self._handles: list[JobHandle[Any]] = []
        self._lock = threading.Lock()

    def submit(
        self,
        name: str,
        fn: Callable[[JobContext], T],
        on_progress: ProgressCallback | None = None,
        on_done: Callable[[JobHandle[T]], None] | None = None,
    ) -> JobHandle[T]:
        """Run ``fn(ctx)`` on a worker thread. ``on_done`` is called on that thread."""
        handle: JobHandle[T] = JobHandle(name, JobContext(on_progress=on_progress))

        def run() -> T:
            handle.state = JobState.RUNNING
            try:
                handle.context.check_cancelled()
                value = fn(handle.context)
            except CancelledError:
                handle.state = JobState.CANCELLED
                handle.error = "cancelled"
                raise
            except BaseException as exc:
                handle.state = JobState.FAILED
                handle.error = _describe(exc)
                if not isinstance(exc, VidiError):
                    log.exception("job %s failed", name)
                raise
            else:
                handle.state = JobState.DONE
                return value
            finally:
                if on_done is not None:
                    try:
                        on_done(handle)
                    except Exception:
                        log.exception("on_done callback of job %s failed", name)

        with self._lock:
            self._handles = [h for h in self._handles if not h.done]
            self._handles.append(handle)
            handle.future = self._pool.submit(run)
        return handle

    def cancel_all(self) -> None:
        with self._lock:
            for h in self._handles:
                h.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel what runs and stop the workers."""
        self.cancel_all()
        self._pool.shutdown(wait=wait, cancel_futures=True)


def run_job(
    fn: Callable[[JobContext], T],
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> T:
    """Run a job in the calling thread (the CLI's way); errors propagate as raised."""
    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    return fn(ctx)
