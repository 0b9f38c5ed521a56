"""What a project file held when this process last read or wrote it.

A save replaces the file by renaming a new one over it, so any write by anyone gives the
path a new inode; with the size and the modification time that tells "changed on disk"
without reading the file, however close together two writes come.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vidi_desktop.core.project.model import Project


@dataclass(frozen=True, slots=True)
class FileStamp:
    """Device, inode, size and mtime of a file, or of its absence (:meth:`of` gives None)."""

    dev: int
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileStamp | None:
        """The stamp of the file at ``path`` now (links followed); None when there is none."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class DiskState:
    """The file's stamp and the project it held, when this process last read or wrote it."""

    stamp: FileStamp | None
    project: Project


def changed_since(state: DiskState | None, path: str | os.PathLike[str]) -> bool:
    """True when the file at ``path`` is not what ``state`` saw (created, replaced, removed).

    With no ``state`` (a project never read from or written to this path) any existing
    file counts as a change.
    """
    now = FileStamp.of(path)
    if state is None:
        return now is not None
    return now != state.stamp
