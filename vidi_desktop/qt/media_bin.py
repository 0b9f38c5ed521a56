"""The media bin: the project's footage, filled by drag and drop or File ▸ Open media.

Dropped files and folders (folders are searched for media by extension) are probed on a
worker thread; each file that probes well joins the project as an asset (one undoable step
each) with a thumbnail icon, and a file that does not gets a one-line message in the bin and
in the status bar (``message`` signal) — never a dead window. Clicking an item shows that
asset in the viewer (``session.set_asset``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import Asset, ProjectDocument, VideoFacts
from vidi_desktop.qt.session import Session

log = logging.getLogger(__name__)

ICON_SIZE = QSize(96, 54)
ASSET_ID_ROLE = Qt.ItemDataRole.UserRole


def media_suffixes() -> frozenset[str]:
    """File name endings searched for in dropped folders (the batch service's list)."""
    from vidi_desktop.services.batch import MEDIA_SUFFIXES

    return MEDIA_SUFFIXES


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders replaced by the media files inside them (sorted, recursive)."""
    out: list[Path] = []
    suffixes = None
    for p in paths:
        if p.is_dir():
            suffixes = suffixes or media_suffixes()
            out.extend(
                sorted(
                    f for f in p.rglob("*")
                    if f.suffix.lower() in suffixes and f.is_file() and not f.name.startswith(".")
                )
            )
        else:
            out.append(p)
    return list(dict.fromkeys(out))


class ProbeWorker(QThread):
    """Probes files (and makes thumbnails) off the GUI thread; reports by queued signals."""

    probed = Signal(str, object, object)  # path, MediaInfo, QImage | None
    thumbnail = Signal(str, object)  # asset id, QImage
    failed = Signal(str, str)  # path, one-line message

    def __init__(
        self,
        files: Sequence[Path] = (),
        thumbs: Sequence[tuple[str, str]] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._files = list(files)
        self._thumbs = list(thumbs)

    def run(self) -> None:
        """On the worker thread: probe each file, then the thumbnails of known assets."""
        from vidi_desktop.media.probe import probe

        for path in self._files:
            if self.isInterruptionRequested():
                return
            try:
                info = probe(path, allow_truncated=True)
            except VidiError as exc:
                self.failed.emit(str(path), str(exc))
                continue
            except Exception as exc:  # any file must fail alone, in one line
                log.warning("probing %s failed", path, exc_info=True)
                self.failed.emit(str(path), f"{path.name}: cannot read ({type(exc).__name__})")
                continue
            image = _thumbnail(path) if info.video is not None and not info.truncated else None
            self.probed.emit(str(path), info, image)
        for asset_id, path in self._thumbs:
            if self.isInterruptionRequested():
                return
            image = _thumbnail(Path(path))
            if image is not None:
                self.thumbnail.emit(asset_id, image)


def _thumbnail(path: Path) -> QImage | None:
    """The middle frame, small, as a QImage (safe to make off the GUI thread; QPixmap is not)."""
    try:
        from vidi_desktop.media.thumbnails import thumbnails

        thumbs = thumbnails(path, count=1, height=ICON_SIZE.height())
    except Exception:  # a missing icon is no reason to bother the editor
        log.debug("no thumbnail for %s", path, exc_info=True)
        return None
    if not thumbs:
        return None
    img = thumbs[0].image
    h, w = img.shape[:2]
    return QImage(img.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class MediaBin(QWidget):
    """The list of the project's assets; drop files or folders on it to add them."""

    message = Signal(str)  # one line for the status bar
    files_added = Signal(list)  # asset ids added by one drop/open, once it is all probed
    busy_changed = Signal(bool)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MediaBin")
        self.setAcceptDrops(True)
        self._session = session
        self._icons: dict[str, QIcon] = {}
        self._workers: list[ProbeWorker] = []
        self._batch_ids: dict[ProbeWorker, list[str]] = {}
        self._batch_doc: dict[ProbeWorker, ProjectDocument] = {}
        self._batch_failures: dict[ProbeWorker, int] = {}

        self.list = QListWidget(self)
        self.list.setIconSize(ICON_SIZE)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setSpacing(2)
        # Long names are cut at the end (the tooltip has the full path);
        # the dock never scrolls sideways.
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._on_current)
        self.list.customContextMenuRequested.connect(self._on_context_menu)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setProperty("role", "dim")
        self.hint = QLabel("Drop footage or folders here\n(or File ▸ Open media…)", self)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setProperty("role", "dim")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)

        session.document_changed.connect(self._on_document)
        session.project_changed.connect(self._on_project_changed)
        session.asset_changed.connect(self._on_asset_changed)
        self._on_document()

    # -- public --------------------------------------------------------------------------
    def add_paths(self, paths: Iterable[str | Path]) -> int:
        """Probe ``paths`` (files or folders) in the background and add what plays.

        Returns how many files will be probed (0 when nothing usable was given).
        """
        files = expand_paths(Path(p) for p in paths)
        if not files:
            self._say("No media files found there.")
            return 0
        self._say(f"Reading {len(files)} file{'s' if len(files) != 1 else ''}…")
        worker = ProbeWorker(files, parent=self)
        self._batch_ids[worker] = []
        self._batch_doc[worker] = self._session.document
        self._batch_failures[worker] = 0
        worker.probed.connect(self._on_probed)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_worker_finished)
        self._start(worker)
        return len(files)

    @property
    def is_busy(self) -> bool:
        return bool(self._workers)

    def asset_ids(self) -> list[str]:
        """The asset ids in the order shown."""
        return [self.list.item(i).data(ASSET_ID_ROLE) for i in range(self.list.count())]

    def add_section(self, widget: QWidget) -> None:
        """Show ``widget`` (the corpus search) under the list; the editor drags the split."""
        layout = self.layout()
        at = layout.indexOf(self.list)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        layout.insertWidget(at, splitter, 1)
        splitter.addWidget(self.list)  # moves the list out of the layout into the splitter
        splitter.addWidget(widget)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the workers (they finish the file at hand) and wait for them at most
        ``timeout_ms`` (0: not at all); one still running is left to finish on its own."""
        from vidi_desktop.qt.quitting import park

        for worker in list(self._workers):
            worker.requestInterruption()
        for worker in list(self._workers):
            if not worker.wait(timeout_ms):
                park(worker)

    # -- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_paths(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event.mimeData().urls())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(paths)

    # -- worker reports (GUI thread) -----------------------------------------------------
    @Slot(str, object, object)
    def _on_probed(self, path: str, info: Any, image: QImage | None) -> None:
        from vidi_desktop.services.analyze import asset_from_probe

        worker = self.sender()
        document = self._batch_doc.get(worker) if isinstance(worker, ProbeWorker) else None
        if document is not self._session.document:
            return  # the project was closed meanwhile: the file belongs to no open project
        try:
            same = document.project.find_asset(info.identity)
            if same is not None:
                self._say(f"{same.name} is already in the project.")
                asset = same
            else:
                asset = document.add_asset(asset_from_probe(info))
                if isinstance(worker, ProbeWorker):
                    self._batch_ids[worker].append(asset.id)
                if info.truncated:
                    self._say(f"{asset.name}: the file is cut off; the missing end is left out.")
            if image is not None:
                self._icons[asset.id] = QIcon(QPixmap.fromImage(image))
                self._refresh_icon(asset.id)
            if not self._session.asset_id:
                self._session.set_asset(asset.id)
        except Exception as exc:  # adding one file must never take the window down
            log.exception("adding %s failed", path)
            if isinstance(worker, ProbeWorker) and worker in self._batch_failures:
                self._batch_failures[worker] += 1
            self._say(f"{Path(path).name}: cannot be added ({exc})")

    @Slot(str, str)
    def _on_failed(self, path: str, message: str) -> None:
        worker = self.sender()
        if isinstance(worker, ProbeWorker) and worker in self._batch_failures:
            self._batch_failures[worker] += 1
        self._say(message)

    @Slot(str, object)
    def _on_thumbnail(self, asset_id: str, image: QImage) -> None:
        self._icons[asset_id] = QIcon(QPixmap.fromImage(image))
        self._refresh_icon(asset_id)

    @Slot()
    def _on_worker_finished(self) -> None:
        worker = self.sender()
        if not isinstance(worker, ProbeWorker):
            return
        if worker in self._workers:
            self._workers.remove(worker)
        added = self._batch_ids.pop(worker, None)
        failures = self._batch_failures.pop(worker, 0)
        self._batch_doc.pop(worker, None)
        if added is not None:
            if added and not failures:
                n = len(added)
                self._say(f"Added {n} file{'s' if n != 1 else ''}.")
            # With failures, their last message stays on screen: that is what to act on.
            self.files_added.emit(added)
        worker.deleteLater()
        if not self._workers:
            self.busy_changed.emit(False)

    # -- the list ------------------------------------------------------------------------
    @Slot()
    def _on_document(self) -> None:
        self._icons.clear()
        self._rebuild()
        missing = [(a.id, a.path) for a in self._session.document.project.assets]
        if missing:
            worker = ProbeWorker(thumbs=missing, parent=self)
            worker.thumbnail.connect(self._on_thumbnail)
            worker.finished.connect(self._on_worker_finished)
            self._start(worker)

    @Slot(object)
    def _on_project_changed(self, change: Any) -> None:
        if change is None or getattr(change, "assets", True):
            self._rebuild()

    @Slot(str)
    def _on_asset_changed(self, asset_id: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ASSET_ID_ROLE) == asset_id:
                if self.list.currentItem() is not item:
                    self.list.setCurrentItem(item)
                return

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current(self, current: QListWidgetItem | None, previous: object) -> None:
        if current is not None:
            self._session.set_asset(str(current.data(ASSET_ID_ROLE)))

    @Slot(object)
    def _on_context_menu(self, pos: Any) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        remove = QAction("Remove from project", menu)
        menu.addAction(remove)
        chosen = menu.exec(self.list.viewport().mapToGlobal(pos))
        if chosen is remove:
            self.remove_asset(str(item.data(ASSET_ID_ROLE)))

    def remove_asset(self, asset_id: str) -> None:
        """Take an asset (and its suggestions and clips) out of the project, undoably."""
        try:
            self._session.document.remove_asset(asset_id)
        except VidiError as exc:
            self._say(str(exc))
            return
        if self._session.asset_id == asset_id:
            ids = self.asset_ids()
            self._session.set_asset(ids[0] if ids else "")

    def _rebuild(self) -> None:
        assets = self._session.document.project.assets
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for asset in assets:
                item = QListWidgetItem(_describe(asset))
                item.setData(ASSET_ID_ROLE, asset.id)
                item.setToolTip(asset.path)
                icon = self._icons.get(asset.id)
                if icon is not None:
                    item.setIcon(icon)
                self.list.addItem(item)
                if asset.id == self._session.asset_id:
                    self.list.setCurrentItem(item)
        finally:
            self.list.blockSignals(False)
        self.hint.setVisible(not assets)

    def _refresh_icon(self, asset_id: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ASSET_ID_ROLE) == asset_id:
                item.setIcon(self._icons[asset_id])

    def _start(self, worker: ProbeWorker) -> None:
        was_busy = self.is_busy
        self._workers.append(worker)
        worker.start()
        if not was_busy:
            self.busy_changed.emit(True)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)


def _describe(asset: Asset) -> str:
    """Up to three short lines: the name, duration · rate, picture size (what editors check)."""
    facts = asset.facts
    timing: list[str] = []
    if facts.duration is not None:
        total = float(facts.duration)
        timing.append(f"{int(total // 60)}:{total % 60:04.1f}")
    picture = ""
    video = facts.video
    if video is not None:
        if video.width and video.height:
            picture = f"{video.width}×{video.height}"
        if video.rate is not None:
            timing.append(f"{float(video.rate):.3f}".rstrip("0").rstrip(".") + " fps")
        elif video != VideoFacts():  # a probed stream without a constant rate
            timing.append("VFR")
    elif facts.probed:
        picture = "audio only"
    lines = [asset.name, " · ".join(timing), picture]
    return "\n".join(line for line in lines if line)


def _local_paths(urls: Iterable[QUrl]) -> list[Path]:
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and u.toLocalFile()]
