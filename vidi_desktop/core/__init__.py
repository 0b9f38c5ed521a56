"""Pure data and rules: exact time, timecode, the project document and its undo stack.

Nothing here imports Qt, PyAV, torch or OpenCV; everything else builds on it. The names
below load their module on first use, so ``import vidi_desktop.core.values`` (the CLI's
``--help``) does not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from vidi_desktop.core.errors import (
        CancelledError,
        CorruptMediaError,
        CorruptProjectError,
        EmptyFileError,
        MediaError,
        MediaNotFoundError,
        MissingStreamError,
        NotAFileError,
        NotMediaError,
        ProjectError,
        ProjectVersionError,
        VidiError,
    )
    from vidi_desktop.core.frame_index import FrameIndex
    from vidi_desktop.core.rate import FrameRate
    from vidi_desktop.core.time import Time, TimeRange
    from vidi_desktop.core.timecode import frames_to_timecode, timecode_to_frames

_LAZY = {
    **dict.fromkeys(
        (
            "CancelledError",
            "CorruptMediaError",
            "CorruptProjectError",
            "EmptyFileError",
            "MediaError",
            "MediaNotFoundError",
            "MissingStreamError",
            "NotAFileError",
            "NotMediaError",
            "ProjectError",
            "ProjectVersionError",
            "VidiError",
        ),
        "errors",
    ),
    "FrameIndex": "frame_index",
    "FrameRate": "rate",
    "Time": "time",
    "TimeRange": "time",
    "frames_to_timecode": "timecode",
    "timecode_to_frames": "timecode",
}

__all__ = [
    "CancelledError",
    "CorruptMediaError",
    "CorruptProjectError",
    "EmptyFileError",
    "FrameIndex",
    "FrameRate",
    "MediaError",
    "MediaNotFoundError",
    "MissingStreamError",
    "NotAFileError",
    "NotMediaError",
    "ProjectError",
    "ProjectVersionError",
    "Time",
    "TimeRange",
    "VidiError",
    "frames_to_timecode",
    "timecode_to_frames",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"vidi_desktop.core.{module}"), name)
