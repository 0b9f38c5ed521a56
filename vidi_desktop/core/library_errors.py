"""Errors that FFmpeg raises through PyAV, told apart from everything else by their class.

FFmpeg reports a damaged header with ENOMEM as readily as a real shortage, and PyAV turns
that into ``av.error.MemoryError`` — a subclass of Python's ``MemoryError``. Code that maps
``MemoryError`` to "the model ran out of memory: try 4-bit" would blame the model for a
broken file. This module recognises PyAV's errors by their module (``core`` imports no PyAV)
and words them as what they are: the media could not be read.
"""

from __future__ import annotations


def is_ffmpeg_error(exc: BaseException) -> bool:
    """True for an exception PyAV raised on FFmpeg's behalf (``av.error.*``, ``av.*``)."""
    module = type(exc).__module__ or ""
    return module == "av" or module.startswith("av.")


def ffmpeg_failure(exc: BaseException) -> str | None:
    """One line for an FFmpeg error ("the media cannot be read: …"), None for any other."""
    if not is_ffmpeg_error(exc):
        return None
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    where = getattr(exc, "filename", None)
    text = str(reason).splitlines()[0][:200]
    return f"the media cannot be read{f' ({where})' if where else ''}: FFmpeg says {text}"
