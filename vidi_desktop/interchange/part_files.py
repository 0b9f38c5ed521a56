"""The hidden ``.part`` files a render writes into, and cleaning up after killed renders.

A render writes ``.NAME.XXXXXXXX.part`` beside its target and renames it at the end; a
render killed with ``kill -9`` (or a power cut) cannot remove it. Each running render
therefore holds an advisory lock on its part file: the next render into that folder removes
every render part file nobody holds — those whose render is gone — and leaves a concurrent
render's alone. Only names this module makes are touched (hidden, a video extension, eight
``mkstemp`` characters, ``.part``).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: a held file cannot be deleted anyway
    fcntl = None  # type: ignore[assignment]

_PART = re.compile(r"^\..+\.(mp4|m4v|mov|mkv)\.[A-Za-z0-9_]{8}\.part$", re.IGNORECASE)


def hold(part: Path) -> int | None:
    """Lock ``part`` for as long as the render runs; returns the fd to :func:`release`."""
    try:
        fd = os.open(part, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    if fcntl is not None:
        # Without flock (some network file systems) the part is merely unprotected.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    return fd


def release(fd: int | None) -> None:
    """Drop the lock taken by :func:`hold`."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def clean_stale_parts(folder: Path) -> list[Path]:
    """Remove the render part files in ``folder`` that no running render holds."""
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if _PART.match(n)]
    except OSError:
        return removed
    for name in names:
        path = folder / name
        if _is_stale(path):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _is_stale(path: Path) -> bool:
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a render holds it
    finally:
        os.close(fd)
    return True
