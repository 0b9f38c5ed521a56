"""Saving a project that others may write too: under its lock, merging what they saved.

Every writer of a project file — the window's Save, ``analyze -o``, ``ask -o`` — saves
through :func:`save_locked`: it takes the project's advisory lock
(:mod:`vidi_desktop.core.filelock`), and if the file changed since this document last read
or wrote it, it first merges (:mod:`.merge`) or, when told to, overwrites. So two runs of
``analyze -o same.json`` both land in the file, and a window never silently drops an asset
the CLI added meanwhile. :func:`reload_from_disk` takes the file's content instead of mine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from vidi_desktop.core.filelock import default_wait_s, hold_lock, project_lock_path
from vidi_desktop.core.project import storage
from vidi_desktop.core.project.disk import DiskState, FileStamp, changed_since
from vidi_desktop.core.project.document import ProjectDocument
from vidi_desktop.core.project.merge import ReplaceProject, merge_projects

OnChange = Literal["merge", "overwrite"]


def changed_on_disk(document: ProjectDocument, path: str | os.PathLike[str] | None = None) -> bool:
    """True when the document's file (or ``path``, if it is that file) was written by
    someone else since this document last read or wrote it."""
    target = Path(path) if path is not None else document.path
    if target is None or not _same_target(document, target):
        return False
    return changed_since(document.disk, target)


def save_locked(
    document: ProjectDocument,
    path: str | os.PathLike[str] | None = None,
    *,
    on_change: OnChange = "merge",
    wait_s: float | Literal["default"] | None = "default",
    on_wait: Callable[[str], None] | None = None,
) -> Path:
    """Save ``document`` under the project lock, merging a change on disk first
    (``on_change="overwrite"`` keeps mine as it is). Returns the path written.

    Raises :class:`~vidi_desktop.core.filelock.LockBusyError` when another writer keeps
    the lock for ``wait_s`` seconds (default: ``VIDI_DESKTOP_LOCK_WAIT``, else 60), and
    what :meth:`ProjectDocument.save` raises.
    """
    target = Path(path) if path is not None else document.path
    if target is None:
        raise ValueError("this project has no file yet: give a path")
    wait = default_wait_s() if wait_s == "default" else wait_s
    with hold_lock(project_lock_path(target), what=str(target), wait_s=wait, on_wait=on_wait):
        if on_change == "merge" and changed_on_disk(document, target):
            merge_from_disk(document, target)
        return document.save(target)


def merge_from_disk(document: ProjectDocument, path: str | os.PathLike[str]) -> bool:
    """Put my changes on top of the file's current content, as one undoable step.

    False (and nothing done) when the file is gone: then mine is all there is.
    """
    stamp = FileStamp.of(path)
    if stamp is None:
        return False
    theirs = storage.load_project(path)
    base = document.disk.project if document.disk is not None else None
    merged = merge_projects(base, document.project, theirs)
    if merged != document.project:
        document.push(ReplaceProject(document.project, merged))
    # The file's content is now the base: a second merge must not re-apply my removals.
    document.disk = DiskState(stamp, theirs)
    return True


def reload_from_disk(document: ProjectDocument, path: str | os.PathLike[str] | None = None) -> None:
    """Take the file's content in place of mine (one undoable step, marked as saved)."""
    target = Path(path) if path is not None else document.path
    if target is None:
        raise ValueError("this project has no file to reload")
    stamp = FileStamp.of(target)
    theirs = storage.load_project(target)
    if theirs != document.project:
        document.push(ReplaceProject(document.project, theirs, "Reload from disk"))
    document.disk = DiskState(stamp, theirs)
    document.mark_saved()


def _same_target(document: ProjectDocument, target: Path) -> bool:
    """Is ``target`` the document's own file (not a Save As onto another one)?"""
    if document.path is None:
        return False
    if os.path.abspath(document.path) == os.path.abspath(target):
        return True
    try:
        return os.path.samefile(document.path, target)
    except OSError:
        return False
