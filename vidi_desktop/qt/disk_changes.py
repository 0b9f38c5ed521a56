"""The window notices when its project file was changed by someone else, like any editor.

``analyze -o``, ``ask -o`` or a second window may save the project while this window has it
open. :class:`DiskChangeWatcher` watches the file's folder (a save renames a new file over
the old one, which a watch on the file itself would lose) and checks again when the window
comes back to the front. A change to a project without unsaved edits is simply reloaded;
with unsaved edits the editor chooses:

* **Reload** — take the file as it is now (my edits stay one Undo away);
* **Merge** — my edits on top of what was saved (:mod:`vidi_desktop.core.project.merge`);
* **Overwrite** — keep mine; the next Save replaces what they wrote.

Save asks the same question when the file changed and nothing was decided yet, and then
writes under the project lock (:func:`vidi_desktop.core.project.sync.save_locked`), so a
save never silently drops an asset the CLI added meanwhile.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from vidi_desktop.core.project.disk import FileStamp
from vidi_desktop.core.project.sync import (
    OnChange,
    changed_on_disk,
    merge_from_disk,
    reload_from_disk,
)

log = logging.getLogger(__name__)

CHECK_DELAY_MS = 250  # a burst of folder events (temp file, rename, .bak) is one check


def ask_disk_change(parent: QWidget, name: str) -> str:
    """"reload", "merge", "overwrite" or "cancel" for a file changed on disk (module-level
    so tests answer it without a modal loop)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("vidi-desktop")
    box.setText(f"{name} was changed on disk by another program since you opened it.")
    box.setInformativeText(
        "Reload it (your unsaved changes stay one Undo away), merge your changes into it, "
        "or overwrite it with yours?"
    )
    buttons = {
        box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole): "reload",
        box.addButton("Merge", QMessageBox.ButtonRole.AcceptRole): "merge",
        box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole): "overwrite",
        box.addButton(QMessageBox.StandardButton.Cancel): "cancel",
    }
    box.setDefaultButton(next(b for b, v in buttons.items() if v == "merge"))
    box.exec()
    return buttons.get(box.clickedButton(), "cancel")


class DiskChangeWatcher(QObject):
    """Watches the window's project file; see the module docstring."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._schedule)
        self._watcher.fileChanged.connect(self._schedule)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check)
        self._kept: FileStamp | None = None  # the disk version the editor chose to overwrite
        self._asking = False
        window.session.document_changed.connect(self.watch)
        window.session.modified_changed.connect(lambda _m: self.watch())
        app = QGuiApplication.instance()
        if app is not None:  # back to the front: look again, as editors do
            app.applicationStateChanged.connect(self._on_app_state)
        self.watch()

    @Slot(object)
    def _on_app_state(self, state: object) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self._schedule()

    @Slot()
    def watch(self) -> None:
        """Follow the current document's file (after open, save as, or a new project)."""
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)
        path = self._window.session.document.path
        if path is not None:
            folder = Path(path).absolute().parent
            if folder.is_dir():
                self._watcher.addPath(str(folder))
            if Path(path).is_file():
                self._watcher.addPath(str(path))

    @Slot()
    def _schedule(self, *_: object) -> None:
        self._timer.start()

    @Slot()
    def check(self) -> str:
        """Act on a change on disk now; returns what was done ("" when nothing changed)."""
        document = self._window.session.document
        path = document.path
        if self._asking or path is None or not changed_on_disk(document):
            return ""
        if not Path(path).is_file():
            return ""  # deleted or being replaced: the next Save writes it again
        if FileStamp.of(path) == self._kept:
            return ""  # the editor already chose to overwrite this version
        if not document.is_modified:
            return self._apply("reload")
        if not self._window.interactive:
            return self._apply("merge")
        return self._apply(self._ask())

    def before_save(self, path: Path) -> OnChange | None:
        """How to save to ``path``: "merge" or "overwrite"; None when the save is off."""
        document = self._window.session.document
        if not changed_on_disk(document, path) or not self._window.interactive:
            return "merge"
        if FileStamp.of(path) == self._kept:
            return "overwrite"
        choice = self._ask()
        if choice in ("reload", "cancel"):
            self._apply(choice)
            return None
        if choice == "merge":
            return "merge"
        return "overwrite"

    def _ask(self) -> str:
        document = self._window.session.document
        self._asking = True
        try:
            return ask_disk_change(self._window, Path(document.path).name)
        finally:
            self._asking = False

    def _apply(self, choice: str) -> str:
        document = self._window.session.document
        path = document.path
        try:
            if choice == "reload":
                reload_from_disk(document)
                self._window.show_status(f"Reloaded {path.name}: it was changed on disk")
            elif choice == "merge":
                merge_from_disk(document, path)
                self._window.show_status(f"Merged the changes saved to {path.name}")
            elif choice == "overwrite":
                self._kept = FileStamp.of(path)
                self._window.show_status(f"{path.name} changed on disk; Save will overwrite it")
        except Exception as exc:  # a damaged file on disk must not take the window down
            log.warning("cannot %s %s: %s", choice, path, exc)
            self._window.show_error(f"Cannot {choice} {path.name}: {exc}")
            return ""
        return choice
