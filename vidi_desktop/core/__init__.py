"""Pure data and rules: exact time, timecode, the project document and its undo stack.

Nothing here imports Qt, PyAV, torch or OpenCV; everything else builds on it.
"""

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
