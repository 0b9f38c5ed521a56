"""Corpus search in the media bin: open a batch index, find what was said or seen, go there.

A batch run (``vidi-desktop batch``) leaves an ``index.json`` beside one project per file.
This panel opens such an index, searches it with
:func:`vidi_desktop.services.corpus_search.search` (transcript phrases and built-in visual
queries) and lists every hit as file, source timecode range, kind and text. Double-clicking a
hit adds its file to the open project when it is not there yet (through the media bin, the
same probe-and-add path a drop takes: the window connects ``add_media_requested`` to
``MediaBin.add_paths``), makes it the current asset and asks the player for the hit's first
instant (``session.request_seek``). "Export selects…" writes the hits as one timeline
(OTIO, EDL, FCP7 XML or FCPXML by the file's extension).

Loading, searching and exporting read many project files, so each runs on a worker thread;
results come back by queued signals to slots of this widget in the GUI thread, and a newer
request makes an older one's result stale (it is dropped). Problems — a damaged index, an
unreadable file, no transcripts — are one line under the list, never an exception.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.qt.session import Session

log = logging.getLogger(__name__)

HIT_ROLE = Qt.ItemDataRole.UserRole
MODES = (("All", "all"), ("Said", "transcript"), ("Seen", "visual"))
_SNIPPET = 90  # characters of hit text shown in the list (the tooltip has all of it)


# Dialogs are module-level so tests can answer them without a modal loop.
def choose_index_path(parent: QWidget) -> str:
    """A batch ``index.json`` to open ("" when cancelled)."""
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Open batch index", "", "Batch index (index.json);;JSON (*.json);;All files (*)"
    )
    return chosen


def choose_selects_path(parent: QWidget, start: str) -> str:
    """Where to write the selects timeline ("" when cancelled); with no extension typed, the
    one of the format the dialog's filter names (OTIO first)."""
    from vidi_desktop.services.corpus_search import selects_formats

    formats = selects_formats()
    chosen, chosen_filter = QFileDialog.getSaveFileName(
        parent, "Export selects", start, ";;".join(f.file_filter for f in formats)
    )
    if chosen and not any(Path(chosen).suffix.lower() in f.suffixes for f in formats):
        suffix = next((f.suffix for f in formats if f.file_filter == chosen_filter),
                      formats[0].suffix)
        chosen += suffix
    return chosen


class CorpusJob(QThread):
    """Runs ``work(cancel)`` off the GUI thread; reports by queued signals."""

    succeeded = Signal(object)
    failed = Signal(str)  # one line for the editor

    def __init__(self, work: Callable[[threading.Event], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._work = work
        self.cancel = threading.Event()

    def run(self) -> None:
        from vidi_desktop.core.errors import CancelledError, VidiError

        try:
            result = self._work(self.cancel)
        except CancelledError:
            return  # a newer request took over; nobody waits for this one
        except VidiError as exc:
            self.failed.emit(_one_line(exc))
        except Exception as exc:  # any failure is a message, never a dead window
            log.warning("corpus job failed", exc_info=True)
            self.failed.emit(f"{type(exc).__name__}: {_one_line(exc)}")
        else:
            self.succeeded.emit(result)


class CorpusPanel(QWidget):
    """Open a batch index, search it, go to a hit, export the hits as selects."""

    message = Signal(str)  # one line for the status bar
    add_media_requested = Signal(list)  # media paths to add to the project (window → media bin)
    index_loaded = Signal()
    search_finished = Signal()
    exported = Signal(str)  # the path written

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CorpusPanel")
        self._session = session
        self.index: Any = None  # BatchIndex
        self.hits: list[Any] = []  # corpus_search.Hit, in list order
        self.notes: list[str] = []
        self._clocks: dict[str, Any] = {}  # index key -> AssetClock (for timecodes)
        self._jobs: list[CorpusJob] = []
        self._current: dict[str, CorpusJob] = {}  # "load" / "search" / "export" -> newest job
        self._pending: tuple[str, Fraction] | None = None  # (real path, seconds) being added

        title = QLabel("Corpus search", self)
        title.setProperty("role", "dim")
        self.open_button = QPushButton("Open index…", self)
        self.open_button.setToolTip("Open the index.json of a 'vidi-desktop batch' run")
        self.open_button.clicked.connect(self.open_index_dialog)
        self.index_label = QLabel("No index open", self)
        self.index_label.setProperty("role", "dim")
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Find words said, or faces, people, cuts, fades…")
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self.run_search)
        self.mode = QComboBox(self)
        for label, mode in MODES:
            self.mode.addItem(label, mode)
        self.mode.setToolTip("Search transcripts (said), what the analysers saw (seen), or both")
        self.results = QListWidget(self)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setWordWrap(False)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setSpacing(1)
        # Activation is a double click (or Return) on most platforms; connecting
        # itemDoubleClicked as well would act twice on one double click.
        self.results.itemActivated.connect(self._on_activated)
        self.export_button = QPushButton("Export selects…", self)
        self.export_button.setToolTip("Write every hit as one timeline: .otio, .edl, .xml, .fcpxml")
        self.export_button.clicked.connect(self.export_dialog)
        self.status = QLabel(self)
        self.status.setWordWrap(True)  # one message; wrapped rather than cut in a narrow dock
        self.status.setProperty("role", "dim")

        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.open_button)
        search_row = QHBoxLayout()
        search_row.addWidget(self.query, 1)
        search_row.addWidget(self.mode)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.index_label)
        layout.addLayout(search_row)
        layout.addWidget(self.results, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.status)

        session.project_changed.connect(self._on_project_changed)
        session.document_changed.connect(self._on_document_changed)
        self._update_enabled()

    # -- public ------------------------------------------------------------------------------
    @property
    def is_busy(self) -> bool:
        return bool(self._jobs)

    @Slot()
    def open_index_dialog(self) -> None:
        path = choose_index_path(self)
        if path:
            self.open_index(path)

    def open_index(self, path: str | os.PathLike[str]) -> None:
        """Read the batch index at ``path`` (its folder or its index.json) in the background."""
        from vidi_desktop.services.corpus_search import load_index

        target = str(path)
        self._cancel("search")
        self._say(f"Opening {Path(target).name}…")
        self._start("load", lambda cancel: load_index(target), self._on_loaded)

    @Slot()
    def run_search(self) -> None:
        """Search the open index for the query text (in the background)."""
        text = self.query.text().strip()
        if self.index is None:
            self._say("Open a batch index first (File ▸ Open Batch Index…).", error=True)
            return
        if not text:
            self._say("Type words to find.", error=True)
            return
        index, mode = self.index, str(self.mode.currentData())
        self._cancel("search")
        self._show_hits([], {})
        self._say(f"Searching for {text!r}…")
        self._start("search", lambda cancel: _search(index, text, mode, cancel), self._on_searched)

    def search(self, text: str) -> None:
        """Put ``text`` in the search line and run it."""
        self.query.setText(text)
        self.run_search()

    @Slot()
    def export_dialog(self) -> None:
        if not self.hits:
            self._say("No hits to export: search first.", error=True)
            return
        start = str(self.index.folder / "selects.otio") if self.index is not None else ""
        path = choose_selects_path(self, start)
        if path:
            self.export_selects(path)

    def export_selects(self, path: str | os.PathLike[str]) -> None:
        """Write the hits shown as one selects timeline at ``path`` (in the background)."""
        from vidi_desktop.services.corpus_search import export_selects

        if self.index is None or not self.hits:
            self._say("No hits to export: search first.", error=True)
            return
        index, hits, target = self.index, list(self.hits), Path(path)
        self._say(f"Writing {target.name}…")
        self._start(
            "export", lambda cancel: str(export_selects(index, hits, target)), self._on_exported
        )

    def go_to_hit(self, row: int) -> None:
        """Show hit ``row``: add its file to the project if missing, select it, seek to it."""
        hit = self.hits[row]
        start = hit.range.start.seconds
        real = _real(hit.source)
        asset = self._asset_with_path(real)
        if asset is not None:
            self._pending = None
            self._go(asset.id, start)
            return
        if not Path(hit.source).is_file():
            self._say(f"{Path(hit.source).name}: file not found (moved since the batch ran?)",
                      error=True)
            return
        self._pending = (real, start)
        self._say(f"Adding {Path(hit.source).name} to the project…")
        self.add_media_requested.emit([hit.source])

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel the background work and wait for it at most ``timeout_ms`` (0: not at
        all); a job still running is left to finish on its own."""
        from vidi_desktop.qt.quitting import park

        for job in list(self._jobs):
            job.cancel.set()
        for job in list(self._jobs):
            if not job.wait(timeout_ms):
                park(job)

    # -- worker reports (GUI thread) -------------------------------------------------------
    @Slot(object)
    def _on_loaded(self, index: Any) -> None:
        if not self._is_current("load"):
            return
        self.index = index
        self._show_hits([], {})
        done, failed = len(index.done()), len(index.errors())
        text = f"{index.folder.name or index.folder}: {done} file{'s' if done != 1 else ''}"
        if failed:
            text += f", {failed} failed"
        self.index_label.setText(text)
        self.index_label.setToolTip(str(index.path))
        self._say(f"Opened the index of {done} file{'s' if done != 1 else ''}.")
        self.index_loaded.emit()
        if self.query.text().strip():
            self.run_search()

    @Slot(object)
    def _on_searched(self, found: tuple[Any, dict[str, Any]]) -> None:
        if not self._is_current("search"):
            return
        result, clocks = found
        self.notes = list(result.notes)
        self._show_hits(list(result), clocks)
        n = len(result)
        files = len({h.key for h in result})
        summary = (
            f"{n} hit{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}"
            if n else "No hits."
        )
        self._say(" · ".join([summary, *self.notes]))
        self.search_finished.emit()

    @Slot(object)
    def _on_exported(self, path: str) -> None:
        if not self._is_current("export"):
            return
        self._say(f"Wrote {len(self.hits)} hit(s) to {Path(path).name}.")
        self.exported.emit(path)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        job = self.sender()
        if not isinstance(job, CorpusJob) or job not in self._current.values():
            return  # a stale request's failure is no news
        self._say(text, error=True)
        if job is self._current.get("search"):
            self.search_finished.emit()

    @Slot()
    def _on_job_finished(self) -> None:
        job = self.sender()
        if isinstance(job, CorpusJob):
            if job in self._jobs:
                self._jobs.remove(job)
            for kind, current in list(self._current.items()):
                if current is job:
                    del self._current[kind]
            job.deleteLater()
        self._update_enabled()

    # -- going to a hit ----------------------------------------------------------------------
    @Slot(QListWidgetItem)
    def _on_activated(self, item: QListWidgetItem) -> None:
        row = item.data(HIT_ROLE)
        if isinstance(row, int) and 0 <= row < len(self.hits):
            self.go_to_hit(row)

    @Slot(object)
    def _on_project_changed(self, change: Any) -> None:
        if self._pending is None:
            return
        real, start = self._pending
        asset = self._asset_with_path(real)
        if asset is not None:
            self._pending = None
            # After the media bin has finished adding it (this is inside its add_asset call).
            QTimer.singleShot(0, lambda: self._go(asset.id, start))

    @Slot()
    def _on_document_changed(self) -> None:
        self._pending = None  # the file was asked for another project

    def _go(self, asset_id: str, start: Fraction) -> None:
        if not any(a.id == asset_id for a in self._session.document.project.assets):
            return  # undone or closed meanwhile
        self._session.set_asset(asset_id)
        self._session.request_seek(start)
        asset = self._session.asset
        if asset is not None:
            from vidi_desktop.qt.clock import AssetClock

            self._say(f"{asset.name} at {AssetClock.of(asset).timecode(start)}")

    def _asset_with_path(self, real: str) -> Any:
        return next(
            (a for a in self._session.document.project.assets if _real(a.path) == real), None
        )

    # -- helpers -----------------------------------------------------------------------------
    def _show_hits(self, hits: list[Any], clocks: dict[str, Any]) -> None:
        self.hits = hits
        self._clocks = clocks
        self.results.clear()
        for row, hit in enumerate(hits):
            item = QListWidgetItem(self._describe(hit))
            item.setData(HIT_ROLE, row)
            start = float(hit.range.start.seconds)
            end = float(hit.range.end_exclusive.seconds)
            item.setToolTip(f"{hit.source}\n{start:.3f}–{end:.3f} s · {hit.kind}\n{hit.text}")
            self.results.addItem(item)
        self._update_enabled()

    def _describe(self, hit: Any) -> str:
        """Three lines (a narrow dock cuts no timecode): file name; source timecode range;
        kind and what matched."""
        clock = self._clocks.get(hit.key)
        start, end = hit.range.start.seconds, hit.range.end_exclusive.seconds
        if clock is not None:
            span = f"{clock.timecode(start)} – {clock.timecode(end)}"
        else:
            span = f"{float(start):.2f} – {float(end):.2f} s"
        text = " ".join(hit.text.split())
        if len(text) > _SNIPPET:
            text = text[: _SNIPPET - 1] + "…"
        return f"{Path(hit.source).name}\n{span}\n{hit.kind}: “{text}”"

    def _start(
        self, kind: str, work: Callable[[threading.Event], Any], on_done: Callable[[Any], None]
    ) -> None:
        job = CorpusJob(work, self)
        job.succeeded.connect(on_done)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_job_finished)
        self._current[kind] = job
        self._jobs.append(job)
        job.start()
        self._update_enabled()

    def _cancel(self, kind: str) -> None:
        job = self._current.pop(kind, None)
        if job is not None:
            job.cancel.set()

    def _is_current(self, kind: str) -> bool:
        return self.sender() is self._current.get(kind)

    def _update_enabled(self) -> None:
        exporting = "export" in self._current
        self.export_button.setEnabled(bool(self.hits) and not exporting)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("role", "error" if error else "dim")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.message.emit(text)


def _search(index: Any, text: str, mode: str, cancel: threading.Event) -> tuple[Any, dict]:
    """On the worker thread: the hits and each hit file's clock (for its timecodes)."""
    from vidi_desktop.qt.clock import AssetClock
    from vidi_desktop.services import corpus_search

    result = corpus_search.search(index, text, mode=mode, cancel=cancel)  # type: ignore[arg-type]
    clocks: dict[str, Any] = {}
    for key in dict.fromkeys(h.key for h in result):
        entry = index.entries.get(key)
        # The search has just loaded (and cached) this project: reading its asset is free.
        asset = corpus_search.entry_asset(index, entry) if entry is not None else None
        if asset is not None:
            clocks[key] = AssetClock.of(asset)
    return result, clocks


def _real(path: str) -> str:
    """A file's path with links and ``..`` resolved (the same file compares equal)."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
