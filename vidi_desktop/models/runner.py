"""The model runner: one long-lived worker that owns the loaded model and serves requests in turn.

Requests queue; each carries its own cancel Event (checked between stages and, for VLMs, inside
``generate``) and reports progress by stage. Only one backend is loaded at a time: a request
for another backend (or other options) unloads the current one first. Whatever a backend does
wrong — out of memory, a crash, garbage output — becomes a FAILED result with a one-line
message, and the worker goes on serving the next request. A request scoped to a window gets
back only what lies inside it, whatever its backend did with the window
(:mod:`~vidi_desktop.core.project.scope`).

The worker loop is :meth:`ModelRunner.serve_forever`; :meth:`start` runs it on a plain thread
(CLI, tests), and the GUI runs it inside its own ``QThread`` so the model lives on a Qt thread.
Callbacks are called on the worker thread: the GUI re-emits them as queued signals.
"""

from __future__ import annotations

import enum
import itertools
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.core.library_errors import ffmpeg_failure
from vidi_desktop.core.project import Suggestion
from vidi_desktop.core.project.scope import scope_suggestions
from vidi_desktop.models.protocol import Backend, BackendError, Request
from vidi_desktop.models.registry import create_backend

log = logging.getLogger(__name__)

ProgressListener = Callable[[str, float | None, str], None]
"""``(request_id, fraction or None, stage message)``."""


class RunState(enum.StrEnum):
    QUEUED = "queued"
    LOADING = "loading"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RunResult:
    """How one request ended: its suggestions, or why there are none."""

    request_id: str
    request: Request
    backend: str
    state: RunState
    suggestions: tuple[Suggestion, ...] = ()
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state is RunState.DONE


@dataclass
class RequestHandle:
    """A submitted request: cancel it, wait for it."""

    id: str
    request: Request
    backend: str
    options: Mapping[str, Any]
    cancel_event: threading.Event = field(default_factory=threading.Event)
    state: RunState = RunState.QUEUED
    result: RunResult | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Ask the request to stop (a queued one never starts)."""
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """The result once finished; None if ``timeout`` passed first."""
        self._done.wait(timeout)
        return self.result

    @property
    def done(self) -> bool:
        return self._done.is_set()


_STOP = object()

RUNNING = "running"
"""The progress message that ends the loading of a backend and starts the request: what
comes before it is the load's progress, what comes after the run's."""


@dataclass(frozen=True)
class _Prepare:
    """A queue item: make ``backend`` ready before its first request (see ``prepare``)."""

    backend: str
    options: dict[str, Any]


class ModelRunner:
    """Serves requests one at a time on one worker thread that owns the loaded backend."""

    def __init__(
        self,
        on_progress: ProgressListener | None = None,
        on_result: Callable[[RunResult], None] | None = None,
        backend_factory: Callable[[str, Mapping[str, Any]], Backend] | None = None,
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._on_progress = on_progress
        self._on_result = on_result
        self._factory = backend_factory
        self._ids = itertools.count(1)
        self._backend: Backend | None = None
        self._loaded_key: tuple[str, str] | None = None
        self._thread: threading.Thread | None = None
        self._current: RequestHandle | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- the caller's side ---------------------------------------------------------------
    def start(self) -> ModelRunner:
        """Run the worker loop on a daemon thread (the GUI calls serve_forever itself)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, name="vidi-model", daemon=True
            )
            self._thread.start()
        return self

    def submit(
        self,
        request: Request,
        backend: str = "builtin",
        options: Mapping[str, Any] | None = None,
    ) -> RequestHandle:
        """Queue ``request`` for ``backend`` (created with ``options``); returns at once."""
        if self._closed:
            raise VidiError("the model runner is closed")
        handle = RequestHandle(f"r{next(self._ids)}", request, backend, dict(options or {}))
        self._queue.put(handle)
        return handle

    def cancel_all(self) -> None:
        """Cancel the running request and everything queued."""
        with self._lock:
            if self._current is not None:
                self._current.cancel()
        for handle in list(self._queue.queue):
            if isinstance(handle, RequestHandle):
                handle.cancel()

    @property
    def loaded(self) -> str | None:
        """The name of the loaded backend, if any."""
        return self._loaded_key[0] if self._loaded_key else None

    def unload_when_idle(self) -> None:
        """Free the loaded model after the queued requests."""
        self._queue.put("unload")

    def prepare(self, backend: str = "builtin", options: Mapping[str, Any] | None = None) -> None:
        """Have the worker make ``backend`` ready ahead of the first request, when it can
        warm up in the background (a ``warm_up()`` method that returns at once: the built-in
        backend's request router). A backend without one is left for its first request
        (its model may be gigabytes); nothing is reported either way."""
        if not self._closed:
            self._queue.put(_Prepare(backend, dict(options or {})))

    def close(self, timeout: float | None = 10.0, *, report: bool = True) -> None:
        """Cancel everything, unload the model and stop the worker (joined for ``timeout``
        seconds when it runs on :meth:`start`'s thread). ``report=False``: the callbacks
        hear nothing more — the listener is going away (a window closing)."""
        self._closed = True
        if not report:
            self._on_progress = self._on_result = None
        self.cancel_all()
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the worker's side ---------------------------------------------------------------
    def serve_forever(self) -> None:
        """The worker loop: serve requests until :meth:`close`."""
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                if item == "unload":
                    self._unload()
                    continue
                if isinstance(item, _Prepare):
                    self._prepare(item)
                    continue
                self._serve(item)
        finally:
            self._unload()

    def _serve(self, handle: RequestHandle) -> None:
        started = time.monotonic()
        with self._lock:
            self._current = handle
        try:
            if handle.cancel_event.is_set():
                raise CancelledError("cancelled")
            backend = self._ensure_loaded(handle)
            handle.state = RunState.RUNNING
            self._report(handle.id, None, RUNNING)
            suggestions = backend.run(
                handle.request, self._progress_for(handle.id), handle.cancel_event
            )
            checked = _check_output(suggestions, handle)
            if handle.request.window is not None:
                # Whatever the backend did with the window, nothing lands outside it.
                checked = tuple(scope_suggestions(checked, handle.request.window))
            result = RunResult(
                handle.id, handle.request, handle.backend, RunState.DONE, checked,
                elapsed_s=time.monotonic() - started,
            )
        except CancelledError:
            result = self._failure(handle, RunState.CANCELLED, "cancelled", started)
        except BaseException as exc:  # the worker outlives any backend failure
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            message = describe_failure(exc)
            if not isinstance(exc, VidiError):
                log.exception("backend %s failed", handle.backend)
            if _is_oom(exc):
                self._unload()  # a half-loaded or fragmented model is useless; free it
            result = self._failure(handle, RunState.FAILED, message, started)
        finally:
            with self._lock:
                self._current = None
        handle.state, handle.result = result.state, result
        handle._done.set()
        if self._on_result is not None:
            try:
                self._on_result(result)
            except Exception:
                log.exception("result callback failed")

    def _ensure_loaded(self, handle: RequestHandle) -> Backend:
        key = (handle.backend, json.dumps(handle.options, sort_keys=True, default=str))
        if self._backend is not None and self._loaded_key == key:
            return self._backend
        self._unload()
        handle.state = RunState.LOADING
        self._report(handle.id, None, f"loading {handle.backend}")
        factory = self._factory or create_backend
        backend = factory(handle.backend, handle.options)
        backend.load(self._progress_for(handle.id), handle.cancel_event)
        self._backend, self._loaded_key = backend, key
        return backend

    def _prepare(self, item: _Prepare) -> None:
        key = (item.backend, json.dumps(item.options, sort_keys=True, default=str))
        try:
            backend = self._backend if self._loaded_key == key else None
            if backend is None:
                made = (self._factory or create_backend)(item.backend, item.options)
                if not callable(getattr(made, "warm_up", None)):
                    return  # loads with its first request
                self._unload()
                made.load(lambda fraction, message="": None, threading.Event())
                self._backend, self._loaded_key = made, key
                backend = made
            warm_up = getattr(backend, "warm_up", None)
            if callable(warm_up):
                warm_up()
        except Exception as exc:  # the first request tries again and reports it
            log.warning("preparing backend %s failed: %s", item.backend, exc)

    def _unload(self) -> None:
        backend, self._backend, self._loaded_key = self._backend, None, None
        if backend is None:
            return
        try:
            backend.unload()
        except Exception:
            log.exception("unloading %s failed", getattr(backend, "name", backend))

    def _progress_for(self, request_id: str) -> Callable[[float | None, str], None]:
        def progress(fraction: float | None, message: str = "") -> None:
            self._report(request_id, fraction, message)

        return progress

    def _report(self, request_id: str, fraction: float | None, message: str) -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(request_id, fraction, message)
        except Exception:
            log.exception("progress callback failed")

    @staticmethod
    def _failure(
        handle: RequestHandle, state: RunState, message: str, started: float
    ) -> RunResult:
        return RunResult(
            handle.id, handle.request, handle.backend, state, (), message,
            time.monotonic() - started,
        )


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    name = type(exc).__name__
    return name == "OutOfMemoryError" or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def describe_failure(exc: BaseException) -> str:
    """One line for the editor: what went wrong and, for memory, what to try."""
    media = ffmpeg_failure(exc)  # FFmpeg's ENOMEM on a damaged file is no model's OOM
    if media is not None:
        return media
    if _is_oom(exc):
        return (
            "the model ran out of memory: try 4-bit quantization, fewer frames "
            "(max_frames), or a smaller model"
        )
    if isinstance(exc, VidiError):
        return str(exc)
    return f"the backend crashed: {type(exc).__name__}: {exc}"


def _check_output(suggestions: object, handle: RequestHandle) -> tuple[Suggestion, ...]:
    """Refuse a backend's output unless it is a list of suggestions for the request's assets."""
    if not isinstance(suggestions, list | tuple):
        raise BackendError(
            f"backend {handle.backend!r} returned {type(suggestions).__name__}, not suggestions"
        )
    assets = {a.asset_id for a in handle.request.assets}
    for i, s in enumerate(suggestions):
        if not isinstance(s, Suggestion):
            raise BackendError(f"backend {handle.backend!r} returned a bad item #{i}: {s!r:.80}")
        if s.asset_id not in assets:
            raise BackendError(
                f"backend {handle.backend!r} answered about an asset not in the request"
            )
    return tuple(suggestions)
