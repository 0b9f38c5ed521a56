"""Where the editor was — clip, playhead, I/O marks, Source/Edit mode — back when a project reopens.

**Where it is kept.** In the project file, as ``settings["view"]``, so it travels with the
project (another machine, a colleague). It is written by every save through
:attr:`~vidi_desktop.core.project.ProjectDocument.settings_on_save`: not an undo step, and it
never marks the project modified — moving the playhead is not an edit, and a project nobody
changed must close without a question. A project only looked at is not saved, so when one
is closed (or another opened) its view also goes to QSettings under the file's resolved
path, with the file's stamp (:class:`~vidi_desktop.core.project.disk.FileStamp`) at that
moment. Reopening takes the QSettings view while the file is still the one it was noted
against, else the file's own (a later save, perhaps elsewhere, is newer).

**What is restored**, once the project is open (scripted runs restore nothing: their
``--seek`` and ``--edit`` are the view): the clip on screen, the playhead (a seek, so the
picture follows), the marks (both, one, or none) and the mode; in Edit mode the sequence
frame. Anything that no longer fits — a clip removed, a mark past the end — is dropped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject

from vidi_desktop.core.project.disk import FileStamp
from vidi_desktop.qt.settings_dialog import app_settings

if TYPE_CHECKING:
    from vidi_desktop.core.project import ProjectDocument
    from vidi_desktop.qt.main_window import MainWindow

log = logging.getLogger(__name__)

VIEW_SETTING = "view"
"""The key of the view in the project's settings."""
LOCAL_GROUP = "view_state"  # QSettings group: one entry per project file
LOCAL_LIMIT = 50  # project files remembered in QSettings


@dataclass(frozen=True)
class ViewState:
    """The view of one project: its clip on screen, playhead, marks, mode."""

    asset_id: str = ""
    position: Fraction = Fraction(0)  # seconds on the clip's own clock
    mark_in: Fraction | None = None  # start of the In frame
    mark_out: Fraction | None = None  # end of the Out frame (exclusive)
    mode: str = "source"
    program_frame: int | None = None  # Edit mode: the sequence frame on screen

    def to_json(self) -> dict[str, Any]:
        """Plain JSON; times as exact ``"num/den"`` seconds."""
        return {
            "asset": self.asset_id,
            "position": _text(self.position),
            "in": None if self.mark_in is None else _text(self.mark_in),
            "out": None if self.mark_out is None else _text(self.mark_out),
            "mode": self.mode,
            "program_frame": self.program_frame,
        }

    @classmethod
    def from_json(cls, data: object) -> ViewState | None:
        """Read :meth:`to_json`'s form; None when it is not one (anything odd is dropped:
        a view is a convenience, never a reason to refuse a project)."""
        if not isinstance(data, dict):
            return None
        asset = data.get("asset")
        position = _fraction(data.get("position"))
        if not isinstance(asset, str) or position is None or position < 0:
            return None
        mark_in, mark_out = _fraction(data.get("in")), _fraction(data.get("out"))
        if mark_in is not None and mark_out is not None and mark_out <= mark_in:
            mark_in = mark_out = None
        mode = data.get("mode") if data.get("mode") in ("source", "edit") else "source"
        frame = data.get("program_frame")
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
            frame = None
        return cls(asset, position, mark_in, mark_out, str(mode), frame)


def _text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _fraction(value: object) -> Fraction | None:
    if not isinstance(value, str):
        return None
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        return None


class ViewStateKeeper(QObject):
    """Notes the window's view as it changes and puts it back when a project reopens."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._document: ProjectDocument | None = None
        self._state = ViewState()
        session, viewer = window.session, window.viewer
        session.document_changed.connect(self._on_document_changed)
        session.asset_changed.connect(self._remember)
        session.position_changed.connect(self._remember)
        viewer.marks_changed.connect(self._remember)
        viewer.mode_changed.connect(self._remember)
        window.installEventFilter(self)
        self._attach(session.document)

    # -- noting --------------------------------------------------------------------------
    def current(self) -> ViewState:
        """The view on screen now."""
        w = self._window
        viewer, session = w.viewer, w.session
        program_frame = None
        if viewer.mode == "edit" and viewer.program_player is not None:
            program_frame = viewer.program_player.current_frame
        return ViewState(
            session.asset_id, session.position, viewer.in_point, viewer.out_point,
            viewer.mode, program_frame,
        )

    def _remember(self, *_: object) -> None:
        self._state = self.current()

    def settings(self) -> dict[str, Any]:
        """What a save writes into the project's settings."""
        self._remember()
        return {VIEW_SETTING: self._state.to_json()}

    def _attach(self, document: ProjectDocument) -> None:
        self._document = document
        document.settings_on_save = self.settings

    def _on_document_changed(self) -> None:
        self._note_locally()  # the project being left: its last view
        self._attach(self._window.session.document)
        self._state = ViewState()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self._remember()
            self._note_locally()
        return False

    def _note_locally(self) -> None:
        """Keep the view of the project being left in QSettings (see the module docstring)."""
        document = self._document
        if document is None or document.path is None or not self._window.interactive:
            return
        stamp = FileStamp.of(document.path)
        if stamp is None:
            return
        try:
            settings = app_settings()
            key = _key(document.path)
            settings.beginGroup(LOCAL_GROUP)
            settings.setValue(key, json.dumps({
                "stamp": _stamp_text(stamp), "at": time.time(), "view": self._state.to_json()
            }))
            keys = settings.childKeys()
            if len(keys) > LOCAL_LIMIT:  # a bounded list: the views noted longest ago go
                ages = sorted(keys, key=lambda k: _noted_at(settings.value(k)))
                for old in ages[: len(keys) - LOCAL_LIMIT]:
                    settings.remove(old)
            settings.endGroup()
        except Exception:  # a view not kept is no reason to stop closing
            log.exception("could not keep the view of %s", document.path)

    # -- restoring -----------------------------------------------------------------------
    def saved_view(self, document: ProjectDocument) -> ViewState | None:
        """The view to restore for ``document``: QSettings' while the file is unchanged since
        it was noted, else the file's."""
        if document.path is not None:
            stamp = FileStamp.of(document.path)
            settings = app_settings()
            settings.beginGroup(LOCAL_GROUP)
            raw = settings.value(_key(document.path))
            settings.endGroup()
            if isinstance(raw, str) and stamp is not None:
                try:
                    local = json.loads(raw)
                except ValueError:
                    local = None
                if isinstance(local, dict) and local.get("stamp") == _stamp_text(stamp):
                    state = ViewState.from_json(local.get("view"))
                    if state is not None:
                        return state
        return ViewState.from_json(document.project.settings.get(VIEW_SETTING))

    def restore(self) -> bool:
        """Put the open project's saved view back; False when there is none to restore."""
        w = self._window
        if not w.interactive:
            return False
        state = self.saved_view(w.session.document)
        if state is None:
            return False
        project = w.session.document.project
        if not project.has_asset(state.asset_id):
            return False
        session, viewer = w.session, w.viewer
        if viewer.mode != "source":
            viewer.set_mode("source")
        session.set_asset(state.asset_id)
        extent = project.asset(state.asset_id).extent()
        end = extent.end_exclusive.seconds if extent is not None else None
        position = state.position if end is None or state.position < end else Fraction(0)
        session.set_position(position)  # the timeline and Edit mode start from it
        session.request_seek(position)  # the picture follows
        viewer.set_marks(*_fitting_marks(state, end))
        if state.mode == "edit":
            viewer.set_mode("edit")
            program, frame = viewer.program, state.program_frame
            if program is not None and frame is not None and frame < program.duration:
                viewer.seek_program(frame)
        self._remember()
        return True


def _fitting_marks(
    state: ViewState, end: Fraction | None
) -> tuple[Fraction | None, Fraction | None]:
    def fits(t: Fraction | None) -> Fraction | None:
        return t if t is not None and (end is None or t <= end) else None

    mark_in, mark_out = fits(state.mark_in), fits(state.mark_out)
    if mark_in is not None and mark_in == end:
        mark_in = None  # an In at the very end marks nothing
    return mark_in, mark_out


def _key(path: str | os.PathLike[str]) -> str:
    # QSettings keys treat "/" as groups and "\\" specially: the path goes in as hex.
    return Path(path).expanduser().resolve().as_posix().encode("utf-8").hex()


def _noted_at(raw: object) -> float:
    try:
        at = json.loads(raw).get("at") if isinstance(raw, str) else None
    except (ValueError, AttributeError):
        at = None
    return float(at) if isinstance(at, int | float) else 0.0


def _stamp_text(stamp: FileStamp) -> str:
    return f"{stamp.dev}:{stamp.ino}:{stamp.size}:{stamp.mtime_ns}"
