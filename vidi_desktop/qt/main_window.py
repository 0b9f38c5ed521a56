"""The main window: docks around the viewer, menus, window-level shortcuts, files, close.

The window composes widgets that each take the :class:`~vidi_desktop.qt.session.Session`
and never call each other: the media bin (left), the request box above the viewer
(centre), the timeline (bottom), the review queue and the transcript (right), and a status
bar for messages. A running request's progress and Cancel show in one place, the request box
(never a second progress bar in the status bar).

The window owns the menus and the QActions with shortcuts (gui_common: Space, J/K/L,
Left/Right, Home/End, I/O, A/R/N, Ctrl+Z/Ctrl+Shift+Z, Ctrl+O, Ctrl+S, Ctrl+E, Ctrl+=/-,
Shift+Z); a QLineEdit with focus keeps printable keys, so typing a request is safe. Slots
that can fail (open, save, export, answers) turn errors into a message, never a dead window.
The dock layout, window geometry and recent projects persist in QSettings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.project import PROJECT_SUFFIX, ProjectDocument
from vidi_desktop.core.project.sync import save_locked
from vidi_desktop.qt.audio import load_multimedia
from vidi_desktop.qt.corpus_panel import CorpusPanel
from vidi_desktop.qt.disk_changes import DiskChangeWatcher
from vidi_desktop.qt.focus import KeyboardFlow
from vidi_desktop.qt.marks import MarksController
from vidi_desktop.qt.media_bin import MediaBin
from vidi_desktop.qt.model_thread import BackendFactory, ModelBridge
from vidi_desktop.qt.recovery import AutosaveController, open_project
from vidi_desktop.qt.request_box import RequestBox
from vidi_desktop.qt.review import ReviewQueue
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.settings_dialog import (
    app_settings,
    backend_options,
    load_model_settings,
)
from vidi_desktop.qt.timeline import TimelineWidget
from vidi_desktop.qt.transcript_panel import TranscriptPanel
from vidi_desktop.qt.view_state import ViewStateKeeper
from vidi_desktop.qt.viewer import ViewerWidget

log = logging.getLogger(__name__)

APP_TITLE = "vidi-desktop"
PROJECT_SUFFIXES = (PROJECT_SUFFIX, ".json")  # analyze/ask write project.json by default
RECENT_KEY = "recent/projects"
RECENT_LIMIT = 10
STATE_VERSION = 1  # bump when the dock set changes: an old saved layout is then ignored


# Questions the window asks; module-level so tests can answer them without a modal loop.
def ask_save_changes(parent: QWidget, name: str) -> str:
    """"save", "discard" or "cancel" for a project with unsaved changes."""
    buttons = (
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    answer = QMessageBox.question(
        parent, APP_TITLE, f"Save the changes to {name}?", buttons,
        QMessageBox.StandardButton.Save,
    )
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(answer, "cancel")


def ask_yes_no(parent: QWidget, question: str) -> bool:
    """A yes/no question (recovering an autosave)."""
    answer = QMessageBox.question(parent, APP_TITLE, question)
    return answer == QMessageBox.StandardButton.Yes


def choose_save_path(parent: QWidget, start: str) -> str:
    """A project file name to save to ("" = cancelled)."""
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Save project", start, f"vidi-desktop project (*{PROJECT_SUFFIX})"
    )
    if chosen and not chosen.endswith(PROJECT_SUFFIXES):
        chosen += PROJECT_SUFFIX
    return chosen


def choose_frame_path(parent: QWidget, start: str) -> str:
    """Where Export Frame writes its PNG ("" = cancelled)."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export frame", start, "PNG image (*.png)")
    if chosen and not chosen.lower().endswith(".png"):
        chosen += ".png"
    return chosen


def choose_open_paths(parent: QWidget, project: bool) -> list[str]:
    """Files to open: one project, or any number of media files."""
    if project:
        chosen, _ = QFileDialog.getOpenFileName(
            parent, "Open project", "", "Projects (*.vidi *.json);;All files (*)"
        )
        return [chosen] if chosen else []
    chosen_list, _ = QFileDialog.getOpenFileNames(
        parent, "Open media", "", "Media (*.mp4 *.mov *.mkv *.m4v *.mxf *.avi *.webm *.mts "
        "*.wav *.mp3 *.m4a *.aac *.flac);;All files (*)"
    )
    return list(chosen_list)


class MainWindow(QMainWindow):
    """The editor's window around one :class:`Session`."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        backend_factory: BackendFactory | None = None,
        restore_layout: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.session = session or Session()
        self.last_error = ""
        self.actions_by_name: dict[str, QAction] = {}
        self._docks: dict[str, QDockWidget] = {}
        self._closing = False
        self.interactive = True  # False in scripted runs: no questions that would block

        settings = load_model_settings()
        self.bridge = ModelBridge(self.session, backend_factory, self)
        self.bridge.set_backend(settings.backend, backend_options(settings))
        load_multimedia()  # before any worker thread runs (see its docstring)
        self.bridge.prepare()  # the request router loads in the background; presets never wait
        self.autosaver = AutosaveController(self.session, settings.autosave_seconds, self)
        self.disk_watch = DiskChangeWatcher(self)  # the project changed on disk: offer choices

        self._build_centre()
        self._build_docks()
        self.statusBar()
        self._build_actions()
        self._build_menus()
        self._connect()
        self.marks = MarksController(self)  # I/O: ruler band, cut/keep from I/O, scope
        self.view_state = ViewStateKeeper(self)  # playhead, marks, mode back on reopen
        self.resize(1440, 900)
        if restore_layout:
            self.restore_layout()
        assets = self.session.document.project.assets
        if not self.session.asset_id and assets:
            self.session.set_asset(assets[0].id)  # show something from the start
        self._update_title()
        self._update_undo()

    # -- building ------------------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.request_box = RequestBox(self.session, self.bridge, centre)
        layout.addWidget(self.request_box)
        self.viewer = ViewerWidget(self.session, self)
        layout.addWidget(self.viewer, 1)
        self.setCentralWidget(centre)

    def _build_docks(self) -> None:
        self.media_bin = MediaBin(self.session, self)
        self._dock("media", "Media", self.media_bin, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.corpus = CorpusPanel(self.session, self)  # batch index search, under the bin
        self.media_bin.add_section(self.corpus)
        self.timeline = TimelineWidget(self.session, self)
        self.review = ReviewQueue(self.session, self)
        self.transcript = TranscriptPanel(self.session, self)
        self._dock("review", "Review", self.review, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock(
            "transcript", "Transcript", self.transcript, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self._dock("timeline", "Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._stack_right_docks()
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks(
            [self._docks["media"], self._docks["review"]], [240, 440], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self._docks["timeline"]], [260], Qt.Orientation.Vertical)

    def _stack_right_docks(self) -> None:
        """Review above transcript on the right."""
        docks = self._docks
        self.splitDockWidget(docks["review"], docks["transcript"], Qt.Orientation.Vertical)

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")  # saveState/restoreState match docks by name
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self._docks[name] = dock

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[..., Any] | None,
        shortcut: QKeySequence | str | Sequence[QKeySequence | str] | None = None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            if isinstance(shortcut, list | tuple):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)  # window-level: the shortcut works whatever panel has focus
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        a = self._action
        key = QKeySequence.StandardKey
        a("new", "&New project", self.new_project, key.New)
        a("open_project", "Open &project…", self.open_project_dialog, "Ctrl+Shift+O")
        a("open_media", "&Open media…", self.open_media_dialog, key.Open)
        a("open_index", "Open Batch &Index…", self.open_index_dialog)
        a("save", "&Save", self.save, key.Save)
        a("save_as", "Save &as…", self.save_as, "Ctrl+Shift+S")
        a("export", "&Export…", self.export_dialog, "Ctrl+E")
        a("export_frame", "Export &Frame…", self.export_frame_dialog, "Ctrl+Shift+E")
        a("settings", "Se&ttings…", self.settings_dialog, key.Preferences)
        a("quit", "&Quit", self.close, key.Quit)
        a("undo", "&Undo", self.undo, "Ctrl+Z")
        a("redo", "&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        a("play_pause", "Play / pause", self._viewer_slot("play_pause"), "Space")
        a("shuttle_back", "Play backwards (J)", self._viewer_slot("shuttle", -1), "J")
        a("shuttle_stop", "Stop (K)", self._viewer_slot("shuttle", 0), "K")
        a("shuttle_fwd", "Play forwards (L)", self._viewer_slot("shuttle", 1), "L")
        a("step_back", "Previous frame", self._viewer_slot("step", -1), "Left")
        a("step_fwd", "Next frame", self._viewer_slot("step", 1), "Right")
        a("go_start", "Go to start", self._viewer_slot("go_start"), "Home")
        a("go_end", "Go to end", self._viewer_slot("go_end"), "End")
        a("mark_in", "Mark in", self._viewer_slot("mark_in"), "I")
        a("mark_out", "Mark out", self._viewer_slot("mark_out"), "O")
        # Shift+1 arrives as "!" on some layouts: both are bound.
        a("mode_source", "&Source (the clip)", self._viewer_slot("set_mode", "source"),
          ["Shift+1", "!"])
        a("mode_edit", "&Edit (the accepted edit)", self._viewer_slot("set_mode", "edit"),
          ["Shift+2", "@"])
        a("accept", "&Accept suggestion", self._review_slot("accept_current"), "A")
        a("reject", "&Reject suggestion", self._review_slot("reject_current"), "R")
        a("next_pending", "&Next pending", self._review_slot("next_pending"), "N")
        a("prev_pending", "&Previous", self._review_slot("previous_pending"), "Shift+N")
        a("accept_all", "Accept all of this kind", self._review_slot("accept_all_of_kind"))
        a("zoom_in", "Zoom in", self._timeline_slot("zoom_in"), ["Ctrl+=", "Ctrl++"])
        a("zoom_out", "Zoom out", self._timeline_slot("zoom_out"), "Ctrl+-")
        a("zoom_fit", "Zoom to fit", self._timeline_slot("zoom_fit"), "Shift+Z")
        # Trims snap to shots, words and silences while this is on (timeline_trim.py).
        trim = self.timeline.trim
        snapping = a("snapping", "&Snapping", None, "S", checkable=True)
        snapping.setChecked(trim.snapping)
        snapping.toggled.connect(trim.set_snapping)
        trim.snapping_changed.connect(snapping.setChecked)
        trim.message.connect(self.show_status)
        for name in ("tubes", "faces", "reframe", "subtitles"):
            action = a(f"overlay_{name}", f"Show {name}", None, checkable=True)
            action.setChecked(True)
            action.toggled.connect(self._overlay_toggler(name))
        a("reset_layout", "Reset layout", self.reset_layout)
        a("about", "About vidi-desktop", self.about)

    def _build_menus(self) -> None:
        acts = self.actions_by_name
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for name in ("new", "open_project", "open_media", "open_index"):
            file_menu.addAction(acts[name])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        for name in ("save", "save_as", "export", "export_frame"):
            file_menu.addAction(acts[name])
        file_menu.addSeparator()
        file_menu.addAction(acts["settings"])
        file_menu.addSeparator()
        file_menu.addAction(acts["quit"])
        edit = bar.addMenu("&Edit")
        edit.addAction(acts["undo"])
        edit.addAction(acts["redo"])
        play = bar.addMenu("&Playback")
        for name in ("play_pause", "shuttle_back", "shuttle_stop", "shuttle_fwd"):
            play.addAction(acts[name])
        play.addSeparator()
        for name in ("step_back", "step_fwd", "go_start", "go_end"):
            play.addAction(acts[name])
        play.addSeparator()
        play.addAction(acts["mark_in"])
        play.addAction(acts["mark_out"])
        play.addSeparator()
        play.addAction(acts["mode_source"])
        play.addAction(acts["mode_edit"])
        review = bar.addMenu("&Review")
        for name in ("accept", "reject", "next_pending", "prev_pending", "accept_all"):
            review.addAction(acts[name])
        view = bar.addMenu("&View")
        for name in ("zoom_in", "zoom_out", "zoom_fit", "snapping"):
            view.addAction(acts[name])
        view.addSeparator()
        overlays = view.addMenu("Overlays")
        for name in ("tubes", "faces", "reframe", "subtitles"):
            overlays.addAction(acts[f"overlay_{name}"])
        panels = view.addMenu("Panels")
        for dock in self._docks.values():
            panels.addAction(dock.toggleViewAction())
        view.addAction(acts["reset_layout"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(acts["about"])

    def _connect(self) -> None:
        s = self.session
        s.document_changed.connect(self._on_document_changed)
        s.project_changed.connect(self._update_undo)
        s.modified_changed.connect(self._update_title)
        self.bridge.failed.connect(self._on_request_failed)
        self.bridge.landed.connect(self._on_request_landed)
        self.media_bin.message.connect(self.show_status)
        self.corpus.message.connect(self.show_status)
        self.corpus.add_media_requested.connect(self.media_bin.add_paths)
        self.review.preview_requested.connect(self._on_preview_requested)
        self.transcript.search_hits.connect(self.timeline.set_highlights)
        self.viewer.audio_unavailable.connect(self._on_audio_unavailable)
        # A scrub proxy being built does the part of the clip in view first.
        self.timeline.view_changed.connect(self.viewer.player.set_proxy_focus)
        # After a request or a panel click, and on Esc in a field, the keys drive the review.
        self.keyboard_flow = KeyboardFlow(self, lambda: [self.timeline, self.review.table])
        self.request_box.submitted.connect(self.keyboard_flow.go_home)

    # -- widget slots behind shortcuts ---------------------------------------------------
    def _viewer_slot(self, name: str, *args: Any) -> Callable[[], None]:
        return self._guarded(lambda: getattr(self.viewer, name)(*args))

    def _review_slot(self, name: str) -> Callable[[], None]:
        return self._guarded(lambda: getattr(self.review, name)())

    def _timeline_slot(self, name: str) -> Callable[[], None]:
        return self._guarded(lambda: getattr(self.timeline, name)())

    def _overlay_toggler(self, name: str) -> Callable[[bool], None]:
        def toggle(on: bool) -> None:
            self._guarded(lambda: self.viewer.set_overlay_visible(name, on))()

        return toggle

    def _guarded(self, fn: Callable[[], Any]) -> Callable[..., None]:
        """``fn`` with its errors shown to the editor instead of escaping into Qt."""

        def run(*_: Any) -> None:
            try:
                fn()
            except Exception as exc:
                log.exception("action failed")
                self.show_error(_one_line(exc))

        return run

    # -- files ---------------------------------------------------------------------------
    @Slot()
    def new_project(self) -> None:
        if self.maybe_save():
            self._set_document(ProjectDocument())

    @Slot()
    def open_project_dialog(self) -> None:
        paths = choose_open_paths(self, project=True)
        if paths:
            self.open_project_file(paths[0])

    @Slot()
    def open_media_dialog(self) -> None:
        paths = choose_open_paths(self, project=False)
        if paths:
            self.media_bin.add_paths(paths)

    @Slot()
    def open_index_dialog(self) -> None:
        """Show the corpus search (under the media bin) and ask for a batch index."""
        self._docks["media"].show()
        self._docks["media"].raise_()
        self.corpus.open_index_dialog()

    def open_paths(self, paths: Iterable[str | Path]) -> None:
        """Open what the command line or a drop names: a project, and/or media files."""
        items = [Path(p) for p in paths]
        projects = [p for p in items if p.suffix.lower() in PROJECT_SUFFIXES]
        media = [p for p in items if p.suffix.lower() not in PROJECT_SUFFIXES]
        if projects:
            self.open_project_file(projects[0])
        if media:
            self.media_bin.add_paths(media)

    def open_project_file(self, path: str | Path) -> bool:
        """Open the project at ``path`` (asking to save the current one first)."""
        if not self.maybe_save():
            return False
        try:
            ask = (lambda question: ask_yes_no(self, question)) if self.interactive else None
            document = open_project(path, ask)
        except Exception as exc:
            self.show_error(f"Cannot open {Path(path).name}: {_one_line(exc)}")
            return False
        self._set_document(document)
        self.view_state.restore()
        self._add_recent(Path(path))
        self.show_status(f"Opened {Path(path).name}")
        return True

    @Slot()
    def save(self) -> bool:
        """Save to the project's file (asking for one if it has none)."""
        doc = self.session.document
        if doc.path is None:
            return self.save_as()
        return self._save_to(doc.path)

    @Slot()
    def save_as(self) -> bool:
        doc = self.session.document
        start = str(doc.path) if doc.path else str(Path.home() / f"{_name_of(doc)}{PROJECT_SUFFIX}")
        chosen = choose_save_path(self, start)
        if not chosen:
            return False
        return self._save_to(Path(chosen))

    def _save_to(self, path: Path) -> bool:
        try:
            on_change = self.disk_watch.before_save(path)
            if on_change is None:
                return False
            written = save_locked(self.session.document, path, on_change=on_change, wait_s=10)
        except Exception as exc:
            self.show_error(f"Cannot save {path.name}: {_one_line(exc)}")
            return False
        self._add_recent(written)
        self._update_title()
        self.show_status(f"Saved {written}")
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded, or clean)."""
        doc = self.session.document
        if not doc.is_modified:
            return True
        answer = ask_save_changes(self, _name_of(doc))
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.autosaver.discard()
            return True
        return False

    def _set_document(self, document: ProjectDocument) -> None:
        self.session.set_document(document)

    # -- dialogs -------------------------------------------------------------------------
    @Slot()
    def export_dialog(self) -> None:
        from vidi_desktop.qt.export_dialog import ExportDialog

        try:
            dialog = ExportDialog(self.session.document, self)
            dialog.exec()
        except Exception as exc:
            self.show_error(f"Export failed: {_one_line(exc)}")

    @Slot()
    def export_frame_dialog(self) -> None:
        """Export Frame: the frame on screen, full resolution, as PNG."""
        doc = self.session.document
        folder = doc.path.parent if doc.path is not None else Path.home()
        chosen = choose_frame_path(self, str(folder / f"{_name_of(doc)}-frame.png"))
        if not chosen:
            return
        try:
            written = self.viewer.export_frame(chosen)
        except Exception as exc:
            self.show_error(f"Export Frame failed: {_one_line(exc)}")
            return
        self.show_status(f"Frame saved to {written}")

    @Slot()
    def settings_dialog(self) -> None:
        from vidi_desktop.qt.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        if dialog.exec():
            self.apply_settings()

    def apply_settings(self) -> None:
        """Use the stored settings for the next request and the autosave interval."""
        settings = load_model_settings()
        self.bridge.set_backend(settings.backend, backend_options(settings))
        self.bridge.prepare()
        self.autosaver.set_interval(settings.autosave_seconds)
        self.show_status(f"Requests now go to the {settings.backend} backend")

    @Slot()
    def about(self) -> None:
        from vidi_desktop import __version__

        QMessageBox.about(
            self, APP_TITLE,
            f"vidi-desktop {__version__}\nFind, review and export the moments that matter.",
        )

    # -- undo ----------------------------------------------------------------------------
    @Slot()
    def undo(self) -> None:
        self._guarded(self.session.document.undo)()

    @Slot()
    def redo(self) -> None:
        self._guarded(self.session.document.redo)()

    @Slot()
    def _update_undo(self, *_: object) -> None:
        stack = self.session.document.undo_stack
        undo, redo = self.actions_by_name["undo"], self.actions_by_name["redo"]
        undo.setEnabled(stack.can_undo)
        redo.setEnabled(stack.can_redo)
        undo.setText(f"&Undo {stack.undo_text}".rstrip())
        redo.setText(f"&Redo {stack.redo_text}".rstrip())

    @Slot()
    def cancel_jobs(self) -> None:
        """Cancel every queued and running request."""
        self.bridge.cancel()

    # -- messages ------------------------------------------------------------------------
    @Slot(str)
    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def show_error(self, message: str) -> None:
        """Tell the editor, without blocking: status bar + a window-modal message box."""
        log.warning("%s", message)
        self.last_error = message
        self.statusBar().showMessage(message, 20_000)
        if self._closing:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, message, parent=self)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # non-blocking: the window keeps running behind it

    # -- reactions -----------------------------------------------------------------------
    @Slot()
    def _on_document_changed(self) -> None:
        self._update_title()
        self._update_undo()

    @Slot()
    def _update_title(self, *_: object) -> None:
        doc = self.session.document
        self.setWindowTitle(f"{_name_of(doc)}[*] — {APP_TITLE}")
        self.setWindowModified(doc.is_modified)

    @Slot(str, str)
    def _on_request_failed(self, rid: str, message: str) -> None:
        # The request box shows it in full; the status bar keeps a trace.
        self.last_error = message
        self.show_status(f"Request failed: {message}")

    @Slot(str, object)
    def _on_request_landed(self, rid: str, outcome: Any) -> None:
        self.show_status(f"Request done: {outcome.summary()}")

    @Slot(object)
    def _on_preview_requested(self, time_range: Any) -> None:
        try:
            sid = self.review.current_id()
            project = self.session.document.project
            if sid and project.suggestion(sid).payload.edit_action() == "cut":
                self.viewer.preview_cut(sid)  # around the join, as if accepted
                return
            start = Fraction(time_range.start.seconds)
            self.session.request_seek(start)
            # Let the seek land first; then play from the range's start.
            QTimer.singleShot(0, self.viewer.player.play)
        except Exception as exc:
            self.show_error(f"Cannot preview: {_one_line(exc)}")

    @Slot(str)
    def _on_audio_unavailable(self, reason: str) -> None:
        self.show_status(f"No sound: {reason}")

    # -- layout and recent projects ------------------------------------------------------
    def restore_layout(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), STATE_VERSION)

    def save_layout(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(STATE_VERSION))
        settings.sync()

    @Slot()
    def reset_layout(self) -> None:
        for name, dock in self._docks.items():
            dock.setFloating(False)
            dock.show()
            area = {
                "media": Qt.DockWidgetArea.LeftDockWidgetArea,
                "timeline": Qt.DockWidgetArea.BottomDockWidgetArea,
            }.get(name, Qt.DockWidgetArea.RightDockWidgetArea)
            self.addDockWidget(area, dock)
        self._stack_right_docks()

    def recent_projects(self) -> list[str]:
        value = app_settings().value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)]

    def _add_recent(self, path: Path) -> None:
        entry = str(path.expanduser().resolve())
        recent = [p for p in self.recent_projects() if p != entry]
        settings = app_settings()
        settings.setValue(RECENT_KEY, [entry, *recent][:RECENT_LIMIT])
        settings.sync()

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_projects()
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
            return
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(self._recent_opener(path))

    def _recent_opener(self, path: str) -> Callable[[], None]:
        def open_it(*_: Any) -> None:
            self.open_project_file(path)

        return open_it

    # -- closing -------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:  # already shut down (scripted run, or a second close)
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self._closing = True
        self.save_layout()
        self.shutdown()
        if not self.session.document.is_modified:
            self.autosaver.discard()
        event.accept()

    def shutdown(self) -> None:
        """Stop every thread the window started (model, probing, playback), waiting for
        none: each is told to stop and finishes on its own (:mod:`.quitting`)."""
        self.bridge.shutdown(0)
        self.media_bin.shutdown(0)
        self.corpus.shutdown(0)
        try:
            self.viewer.close_media(wait=False)
        except Exception:
            log.exception("closing the player failed")


def _name_of(document: ProjectDocument) -> str:
    if document.path is not None:
        return document.path.stem
    name = document.project.name
    return name if name and name != "Untitled" else "Untitled"


def _one_line(exc: BaseException) -> str:
    from vidi_desktop.core.errors import VidiError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, VidiError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
