"""Pure data and rules: exact time, timecode, the project document and its undo stack.

Nothing here imports Qt, PyAV, torch or OpenCV; everything else builds on it. The names
below load their module on first use, so ``import vidi_desktop.core.values`` (the CLI's
``--help``) does not pay for the rest.
"""

from __future__ import annotations

from typing import Any

_MODULES = {
    "errors": (
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
    "frame_index": ("FrameIndex",),
    "rate": ("FrameRate",),
    "time": ("Time", "TimeRange"),
    "timecode": ("frames_to_timecode", "timecode_to_frames"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"vidi_desktop.core.{module}"), name)
