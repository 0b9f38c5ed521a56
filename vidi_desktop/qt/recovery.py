"""Autosave and crash recovery.

While the project has unsaved changes, :class:`AutosaveController` writes it to
``vidi_desktop.paths.autosave_dir()`` at most every N seconds (``ProjectDocument.autosave``;
never over the project file). A normal save, or closing without saving on purpose, deletes
the autosave; a crash leaves it behind.

Autosave names are stable: a saved project's is derived from its path (so reopening the
file finds it), an untitled one's starts with ``untitled-``. When a project is opened and its
autosave is newer than the file, :func:`open_project` offers to recover it; at start-up
without a project, :func:`recover_untitled` offers the newest untitled autosave. A recovered
project comes back as one undoable step ("Recover autosave") over what the file holds, so
it shows as modified and undo returns to the file's state.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Slot

from vidi_desktop.core.project import (
    AutosaveEntry,
    Change,
    Project,
    ProjectDocument,
    discard_autosave,
    list_autosaves,
    load_autosave,
    new_id,
)
from vidi_desktop.core.project.storage import autosave_path
from vidi_desktop.qt.session import Session

log = logging.getLogger(__name__)

UNTITLED_PREFIX = "untitled-"
DEFAULT_INTERVAL_S = 60

AskRecover = Callable[[str], bool]
"""``ask(question) -> True to recover``; the window shows a question box, tests answer directly."""


def key_for_path(path: str | os.PathLike[str]) -> str:
    """The autosave key of the project file at ``path`` (stable across sessions)."""
    resolved = str(Path(path).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return f"p-{digest}"


def key_for(document: ProjectDocument) -> str:
    """The key ``document`` should autosave under now."""
    if document.path is not None:
        return key_for_path(document.path)
    if document.autosave_key.startswith(UNTITLED_PREFIX):
        return document.autosave_key
    return f"{UNTITLED_PREFIX}{new_id()}"


@dataclass(slots=True)
class RestoreProject:
    """An undoable step that replaces the whole project (the recovered autosave)."""

    before: Project
    after: Project
    description: str = "Recover autosave"

    def do(self, project: Project) -> Project:
        return self.after

    def undo(self, project: Project) -> Project:
        return self.before

    def change(self) -> Change:
        both = (self.before, self.after)
        return Change(
            assets=frozenset(a.id for p in both for a in p.assets),
            suggestions=frozenset(s.id for p in both for s in p.suggestions),
            edit=frozenset(c.id for p in both for c in p.edit),
            settings=True,
        )


def newer_autosave(path: str | os.PathLike[str]) -> AutosaveEntry | None:
    """The autosave of the project at ``path`` if it is newer than the file."""
    key = key_for_path(path)
    target = autosave_path(key)
    try:
        auto_mtime = target.stat().st_mtime_ns
    except OSError:
        return None
    try:
        file_mtime = Path(path).stat().st_mtime_ns
    except OSError:
        file_mtime = -1  # the file is gone: the autosave is all there is
    if auto_mtime <= file_mtime:
        return None
    return AutosaveEntry(key, target, auto_mtime)


def untitled_autosaves() -> list[AutosaveEntry]:
    """Autosaves of projects that were never saved, newest first."""
    return [e for e in list_autosaves() if e.key.startswith(UNTITLED_PREFIX)]


def _when(entry: AutosaveEntry) -> str:
    return _dt.datetime.fromtimestamp(entry.mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")


def recovered(document: ProjectDocument, entry: AutosaveEntry) -> ProjectDocument:
    """``document`` with the autosave's project pushed on top as one undoable step."""
    project = load_autosave(entry.key)
    document.push(RestoreProject(document.project, project))
    document.autosave_key = entry.key
    return document


def open_project(path: str | os.PathLike[str], ask: AskRecover | None) -> ProjectDocument:
    """Open the project at ``path``, offering its newer autosave through ``ask``.

    ``ask`` None (a scripted run) neither offers nor deletes anything.
    Declining deletes the autosave (it would otherwise be offered at every opening);
    an unreadable autosave is logged and ignored.
    """
    from vidi_desktop.core.project import ProjectNotFoundError

    if ask is None:
        return ProjectDocument.open(path, autosave_key=key_for_path(path))
    entry = newer_autosave(path)
    try:
        document = ProjectDocument.open(path, autosave_key=key_for_path(path))
    except ProjectNotFoundError:
        if entry is None:
            raise
        document = None  # the file is gone; only the autosave is left
    if entry is not None and ask(
        f"{Path(path).name} has changes from {_when(entry)} that were never saved "
        "(the app closed unexpectedly). Recover them?"
    ):
        base = document or ProjectDocument(path=path, autosave_key=key_for_path(path))
        try:
            return recovered(base, entry)
        except Exception:
            log.exception("the autosave %s cannot be read", entry.path)
            if document is None:
                raise
            return document
    if entry is not None:
        discard_autosave(entry.key)
    if document is None:
        return ProjectDocument.open(path)  # raises the not-found error with its message
    return document


def recover_untitled(ask: AskRecover) -> ProjectDocument | None:
    """Offer the newest untitled autosave; declining deletes the untitled autosaves."""
    entries = untitled_autosaves()
    if not entries:
        return None
    newest = entries[0]
    if ask(
        f"An unsaved project from {_when(newest)} was found "
        "(the app closed unexpectedly). Recover it?"
    ):
        try:
            return recovered(ProjectDocument(autosave_key=newest.key), newest)
        except Exception:
            log.exception("the autosave %s cannot be read", newest.path)
            return None
    for e in entries:
        discard_autosave(e.key)
    return None


class AutosaveController(QObject):
    """Autosaves the session's project ``interval_s`` seconds after it was changed."""

    def __init__(
        self,
        session: Session,
        interval_s: float = DEFAULT_INTERVAL_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.autosave_now)
        self.set_interval(interval_s)
        self.last_path: Path | None = None
        self.last_error: str = ""
        self._was_modified = False
        self._suspended = False
        session.document_changed.connect(self._on_document)
        session.project_changed.connect(self._on_changed)
        session.modified_changed.connect(self._on_modified)
        self._on_document()

    def set_interval(self, seconds: float) -> None:
        self._timer.setInterval(max(1, int(seconds * 1000)))

    @property
    def interval_s(self) -> float:
        return self._timer.interval() / 1000

    @property
    def pending(self) -> bool:
        """True while an autosave is scheduled."""
        return self._timer.isActive()

    @Slot()
    def autosave_now(self) -> Path | None:
        """Write the autosave now if there are unsaved changes; returns its path."""
        document = self._session.document
        if not document.is_modified or self._suspended:
            return None
        self._sync_key(document)
        try:
            self.last_path = document.autosave()
            self.last_error = ""
        except Exception as exc:  # a full disk must not take the editing session down
            log.warning("autosave failed: %s", exc)
            self.last_error = str(exc)
            return None
        return self.last_path

    def suspend(self) -> None:
        """Neither write nor delete any autosave from now on (a scripted run: the autosave
        on disk is the user's crash recovery, which only the user may save or discard)."""
        self._timer.stop()
        self._suspended = True

    def discard(self) -> None:
        """Delete the current project's autosave (after a save, or on a deliberate close)."""
        self._timer.stop()
        if self._suspended:
            return
        document = self._session.document
        discard_autosave(document.autosave_key)

    @Slot()
    def _on_document(self) -> None:
        self._timer.stop()
        if self._suspended:
            return
        document = self._session.document
        self._was_modified = document.is_modified
        self._sync_key(document)
        if document.is_modified:
            self._timer.start()

    @Slot(object)
    def _on_changed(self, change: object) -> None:
        if self._suspended:
            return
        if self._session.document.is_modified and not self._timer.isActive():
            self._timer.start()

    @Slot(bool)
    def _on_modified(self, modified: bool) -> None:
        was_modified, self._was_modified = self._was_modified, modified
        if modified or not was_modified or self._suspended:
            return  # only a change from unsaved to saved says the autosave is obsolete
        # Saved (or undone back to the saved state): the file holds it all.
        self._timer.stop()
        document = self._session.document
        discard_autosave(document.autosave_key)
        self._sync_key(document)
        discard_autosave(document.autosave_key)

    def _sync_key(self, document: ProjectDocument) -> None:
        key = key_for(document)
        if document.autosave_key != key:
            # Saved under a new name: the old autosave no longer describes anything.
            if document.autosave_key.startswith((UNTITLED_PREFIX, "p-")):
                discard_autosave(document.autosave_key)
            document.autosave_key = key
