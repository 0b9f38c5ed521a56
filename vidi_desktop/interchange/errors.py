"""Typed errors of the interchange layer, each with a one-line message for the editor."""

from __future__ import annotations

import os
from pathlib import Path

from vidi_desktop.core.errors import VidiError


class ExportError(VidiError):
    """An export or render cannot be made: bad selection, ranges outside the media, overlap,
    an unwritable target, a format that cannot hold what was asked."""


class NothingAcceptedError(ExportError):
    """Nothing the export or render was asked to take shapes the edit, and nothing rides
    along: writing the files uncut would pass silently for an edit. ``pending`` counts the
    undecided suggestions of each kind that would shape it (kind name → count)."""

    def __init__(self, message: str, pending: dict[str, int]) -> None:
        super().__init__(message)
        self.pending = pending


class ImportFileError(VidiError):
    """An EDL, XML or OTIO file cannot be read (broken lines, unknown structure)."""


def check_writable_target(target: Path) -> None:
    """Refuse a target that cannot be written, before any work is done."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{folder}: folder does not exist")
    if target.is_dir():
        raise ExportError(f"{target}: is a folder; give a file name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder}: no permission to write in this folder")
