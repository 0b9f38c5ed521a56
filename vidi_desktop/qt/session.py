"""The window's shared state: the open project, the current asset, the playhead, the selection.

Widgets never talk to each other directly; they read and change this one object and listen
to its signals (napari's model/view split, with Qt signals as the events). Everything here
lives in the GUI thread: workers hand their results to the GUI thread first, then the
results land in the document through the session.

Positions are exact seconds (``Fraction``) on the current asset's own clock (0 = the first
frame of the file, as ``Asset.extent()`` and suggestions use).
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QObject, Signal

from vidi_desktop.core.project import Asset, ProjectDocument


class Session(QObject):
    """The open project and what the editor is looking at."""

    document_changed = Signal()  # a different ProjectDocument was opened or created
    project_changed = Signal(object)  # the document changed (payload: core Change or None)
    modified_changed = Signal(bool)
    asset_changed = Signal(str)  # current asset id ("" = none)
    seek_requested = Signal(object)  # Fraction seconds: someone wants the player there
    position_changed = Signal(object)  # Fraction seconds: the frame now shown
    selection_changed = Signal(str)  # suggestion id ("" = none)

    def __init__(self, document: ProjectDocument | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._document = document or ProjectDocument()
        self._asset_id = ""
        self._position = Fraction(0)
        self._selected = ""
        self._listen(self._document)

    # -- the project ---------------------------------------------------------------------
    @property
    def document(self) -> ProjectDocument:
        return self._document

    def set_document(self, document: ProjectDocument) -> None:
        """Switch to another project; the current asset becomes its first one (if any)."""
        self._unlisten(self._document)
        self._document = document
        self._listen(document)
        self._selected = ""
        assets = list(document.project.assets)
        self.document_changed.emit()
        self.set_asset(_asset_id(assets[0]) if assets else "")
        self.modified_changed.emit(document.is_modified)

    def _listen(self, document: ProjectDocument) -> None:
        document.events.connect(self._on_changed, "changed")
        document.events.connect(self._on_modified, "modified")
        document.events.connect(self._on_modified, "saved")

    def _unlisten(self, document: ProjectDocument) -> None:
        document.events.disconnect(self._on_changed, "changed")
        document.events.disconnect(self._on_modified, "modified")
        document.events.disconnect(self._on_modified, "saved")

    def _on_changed(self, event: object) -> None:
        self.project_changed.emit(getattr(event, "payload", None))

    def _on_modified(self, event: object) -> None:
        self.modified_changed.emit(self._document.is_modified)

    # -- the asset -----------------------------------------------------------------------
    @property
    def asset_id(self) -> str:
        return self._asset_id

    @property
    def asset(self) -> Asset | None:
        """The asset shown in the viewer, or None."""
        if not self._asset_id:
            return None
        return _find_asset(self._document, self._asset_id)

    def set_asset(self, asset_id: str) -> None:
        if asset_id == self._asset_id:
            return
        self._asset_id = asset_id
        self._position = Fraction(0)
        self.asset_changed.emit(asset_id)

    # -- the playhead --------------------------------------------------------------------
    @property
    def position(self) -> Fraction:
        """Seconds of the frame on screen, on the asset's own clock."""
        return self._position

    def request_seek(self, seconds: Fraction) -> None:
        """Ask the player to show the frame at ``seconds`` (it answers with position_changed)."""
        self.seek_requested.emit(Fraction(seconds))

    def set_position(self, seconds: Fraction) -> None:
        """Called by the player once a frame is on screen."""
        self._position = Fraction(seconds)
        self.position_changed.emit(self._position)

    # -- the selection -------------------------------------------------------------------
    @property
    def selected(self) -> str:
        return self._selected

    def select(self, suggestion_id: str) -> None:
        if suggestion_id != self._selected:
            self._selected = suggestion_id
            self.selection_changed.emit(suggestion_id)


def _asset_id(asset: object) -> str:
    return str(getattr(asset, "id", asset))


def _find_asset(document: ProjectDocument, asset_id: str) -> Asset | None:
    return next((a for a in document.project.assets if a.id == asset_id), None)
