"""Typed errors of the interchange layer, each with a one-line message for the editor."""

from __future__ import annotations

from vidi_desktop.core.errors import VidiError


class ExportError(VidiError):
    """An export or render cannot be made: bad selection, ranges outside the media, overlap,
    an unwritable target, a format that cannot hold what was asked."""


class ImportFileError(VidiError):
    """An EDL, XML or OTIO file cannot be read (broken lines, unknown structure)."""
