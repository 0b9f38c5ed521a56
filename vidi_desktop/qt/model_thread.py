"""The bridge between the window and the model: one QThread serving requests, results in the GUI.

:class:`ModelThread` is a ``QThread`` whose ``run()`` is
:meth:`~vidi_desktop.models.runner.ModelRunner.serve_forever`, so the loaded model lives on
that thread for the whole session. The runner calls its callbacks on that worker thread;
:class:`ModelBridge` (a QObject living in the GUI thread) re-emits them through its own
signals, which Qt queues to the GUI thread because the receiver lives there. Only then are
results applied to the project (``services.ask.apply_result``), in the GUI thread, as one
undoable step. Nothing here touches a widget: widgets listen to the bridge's signals.

A request that fails, crashes or is cancelled changes nothing and ends in ``failed`` or
``cancelled`` with a one-line message; an answer that arrives after its project was closed
is dropped with a message, never applied to another project.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import Answer, ProjectDocument
from vidi_desktop.core.time import TimeRange
from vidi_desktop.models.protocol import Backend
from vidi_desktop.models.registry import DEFAULT_BACKEND
from vidi_desktop.models.runner import ModelRunner, RequestHandle, RunResult, RunState
from vidi_desktop.qt.session import Session

log = logging.getLogger(__name__)

BackendFactory = Callable[[str, Mapping[str, Any]], Backend]


class ModelThread(QThread):
    """The thread the model lives on: it runs the runner's loop until the runner closes."""

    def __init__(self, runner: ModelRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vidi-model")
        self._runner = runner

    def run(self) -> None:
        """The QThread entry point, on the new thread."""
        try:
            self._runner.serve_forever()
        except Exception:  # the loop itself never raises for a backend; log anything else
            log.exception("the model thread stopped on an error")


@dataclass
class _Pending:
    handle: RequestHandle
    document: ProjectDocument
    text: str
    rerun: bool = False  # replaces what earlier runs of the same words left pending


class ModelBridge(QObject):
    """Submits requests to the model thread and lands their answers in the open project.

    Signals (all delivered in the GUI thread):

    * ``started(request_id, text)`` — the request was queued;
    * ``progress(request_id, fraction or None, stage message)``;
    * ``applied(request_id, suggestion ids)`` — the answer is in the project (undoable):
      the ids of the suggestions it added (those equal to existing ones are left out);
    * ``landed(request_id, AddOutcome)`` — just before ``applied``: what was added and what
      was already there ("3 new, 2 already there");
    * ``answer(request_id, text)`` — the text of the Answer suggestions, when there are any;
    * ``failed(request_id, message)`` and ``cancelled(request_id)``;
    * ``finished(RunResult)`` — after any of the three above;
    * ``busy_changed(bool)`` — whether any request is queued or running.
    """

    started = Signal(str, str)
    progress = Signal(str, object, str)
    applied = Signal(str, list)
    landed = Signal(str, object)
    answer = Signal(str, str)
    failed = Signal(str, str)
    cancelled = Signal(str)
    finished = Signal(object)
    busy_changed = Signal(bool)

    # Emitted from the worker thread; connected to slots of this GUI-thread object, so Qt
    # queues them (a bare lambda here would run in the worker thread).
    _worker_progress = Signal(str, object, str)
    _worker_result = Signal(object)

    def __init__(
        self,
        session: Session,
        backend_factory: BackendFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        kwargs: dict[str, Any] = {}
        if backend_factory is not None:
            kwargs["backend_factory"] = backend_factory
        self._runner = ModelRunner(
            on_progress=self._worker_progress.emit,
            on_result=self._worker_result.emit,
            **kwargs,
        )
        self._thread: ModelThread | None = None
        self._pending: dict[str, _Pending] = {}
        self.backend = DEFAULT_BACKEND
        self.backend_options: dict[str, Any] = {}
        self._worker_progress.connect(self._on_progress)
        self._worker_result.connect(self._on_result)

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the model thread (idempotent); nothing is loaded until the first request."""
        if self._thread is None:
            self._thread = ModelThread(self._runner, self)
            self._thread.start()

    def prepare(self) -> None:
        """Start the model thread and, for the default (built-in) backend, load its request
        router in the background now, so the first typed request does not wait for it.
        Presets never do: they skip the router. Other backends load with their first
        request (their models are large)."""
        self.start()
        if self.backend == DEFAULT_BACKEND:
            self._runner.prepare(self.backend, self.backend_options)

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Cancel everything, unload the model, stop the thread, waiting at most
        ``timeout_s`` (0: not at all, as the window does when it closes); False if it did
        not stop by then. A thread still running is left to finish on its own, reporting
        nothing more (:func:`~.quitting.park`)."""
        from vidi_desktop.qt.quitting import park

        self._runner.close(timeout=0, report=False)
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        stopped = thread.wait(int(timeout_s * 1000))
        if not stopped:
            if timeout_s:
                log.warning("the model thread did not stop within %.0f s", timeout_s)
            park(thread)
        return bool(stopped)

    @property
    def thread(self) -> ModelThread | None:
        return self._thread

    @property
    def loaded_backend(self) -> str | None:
        """The backend whose model is loaded now, if any."""
        return self._runner.loaded

    # -- requests ------------------------------------------------------------------------
    def set_backend(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        """Use backend ``name`` with constructor ``options`` for the next requests."""
        self.backend = name
        self.backend_options = dict(options or {})

    def ask(
        self,
        text: str,
        asset_ids: Iterable[str] | None = None,
        window: TimeRange | None = None,
        options: Mapping[str, Any] | None = None,
        *,
        rerun: bool = False,
    ) -> str:
        """Queue ``text`` about ``asset_ids`` (default: the asset on screen, else all of them).

        ``window`` scopes it to a part of the asset; ``options`` are task parameters (a
        preset's popover); ``rerun`` lands it as a run again: the pending suggestions earlier
        runs of the same words left, and this one no longer proposes, go
        (:mod:`~vidi_desktop.core.project.rerun`). Returns the request id. Raises
        :class:`~vidi_desktop.core.errors.VidiError` at once when the request cannot even be
        built (empty, too long, no footage).
        """
        from vidi_desktop.services.ask import build_request

        self.start()
        document = self._session.document
        if asset_ids is None and self._session.asset_id:
            asset_ids = [self._session.asset_id]
        request = build_request(document, text, asset_ids, window, options)
        handle = self._runner.submit(request, self.backend, self.backend_options)
        was_busy = self.is_busy
        self._pending[handle.id] = _Pending(handle, document, request.text, rerun)
        self.started.emit(handle.id, request.text)
        if not was_busy:
            self.busy_changed.emit(True)
        return handle.id

    def cancel(self, request_id: str | None = None) -> None:
        """Cancel one request, or every queued and running one."""
        if request_id is None:
            self._runner.cancel_all()
            return
        pending = self._pending.get(request_id)
        if pending is not None:
            pending.handle.cancel()

    @property
    def is_busy(self) -> bool:
        return bool(self._pending)

    @property
    def pending_ids(self) -> list[str]:
        return list(self._pending)

    # -- the worker's reports, now in the GUI thread ---------------------------------------
    @Slot(str, object, str)
    def _on_progress(self, request_id: str, fraction: object, message: str) -> None:
        self.progress.emit(request_id, fraction, message)

    @Slot(object)
    def _on_result(self, result: RunResult) -> None:
        pending = self._pending.pop(result.request_id, None)
        try:
            self._land(result, pending)
        except Exception as exc:  # a bug here must not take the window down
            log.exception("could not apply the answer to %s", result.request_id)
            self.failed.emit(result.request_id, f"could not apply the answer: {exc}")
        finally:
            self.finished.emit(result)
            if not self._pending:
                self.busy_changed.emit(False)

    def _land(self, result: RunResult, pending: _Pending | None) -> None:
        from vidi_desktop.services.ask import land_result

        rid = result.request_id
        if result.state is RunState.CANCELLED:
            self.cancelled.emit(rid)
            return
        if not result.ok:
            self.failed.emit(rid, result.error or f"the request ended {result.state}")
            return
        if pending is None or pending.document is not self._session.document:
            self.failed.emit(rid, "the answer arrived after its project was closed; ask again")
            return
        try:
            outcome = land_result(pending.document, result, rerun=pending.rerun)
        except VidiError as exc:
            self.failed.emit(rid, str(exc))
            return
        texts = [s.payload.text for s in result.suggestions if isinstance(s.payload, Answer)]
        if texts:
            self.answer.emit(rid, "\n".join(texts))
        self.landed.emit(rid, outcome)
        self.applied.emit(rid, outcome.added_ids)
