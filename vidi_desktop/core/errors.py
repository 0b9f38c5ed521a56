"""Typed errors with one-line messages meant for the editor, not for a traceback.

The CLI prints ``str(error)`` and exits with code 2 for any :class:`VidiError`; the GUI shows
the same text in the window. Each message names the file and what is wrong with it.
"""

from __future__ import annotations


class VidiError(Exception):
    """Base of every error vidi-desktop raises on purpose (bad input, cancelled work)."""


class MediaError(VidiError):
    """A media file cannot be used."""


class MediaNotFoundError(MediaError):
    """The path does not exist."""


class NotAFileError(MediaError):
    """The path is a directory or another non-regular file."""


class EmptyFileError(MediaError):
    """The file has zero bytes."""


class NotMediaError(MediaError):
    """The file is not a container FFmpeg can read (e.g. a text file renamed .mp4)."""


class CorruptMediaError(MediaError):
    """The file opens but is damaged or truncated: no decodable frames where they should be."""


class MissingStreamError(MediaError):
    """The file has no stream of the kind asked for (e.g. video from an audio-only file)."""


class SeekError(MediaError):
    """A frame or time outside the clip was asked for."""


class ProjectError(VidiError):
    """A project file cannot be read or written."""


class CorruptProjectError(ProjectError):
    """The project file is not valid JSON or does not have the project's shape."""


class ProjectVersionError(ProjectError):
    """The project file was written by a newer vidi-desktop (a schema this one cannot read)."""


class CancelledError(VidiError):
    """Work was cancelled by the user; nothing it would have written was written."""
