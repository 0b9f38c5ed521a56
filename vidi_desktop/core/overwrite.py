"""Refusing an output path that is one of the command's own inputs.

A render onto a source clip, an export onto the project it reads, a batch whose result file
has the name of one of its media files: each would destroy what the command was asked to
read. Paths are compared as files, not as text — same device and inode — so a symlink, a
hard link, ``./clip.mp4`` versus ``/abs/clip.mp4`` and a case-insensitive file system all
count as the same file. A target that does not exist yet cannot be an input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from vidi_desktop.core.errors import VidiError


class OutputIsInputError(VidiError):
    """The output path names a file the command reads (exit status 2, nothing written)."""


def file_key(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(device, inode)`` of the file ``path`` leads to (links followed); None if none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        # Missing, a dangling link, a name too long or with a NUL: not an existing input.
        return None
    return st.st_dev, st.st_ino


def check_not_input(
    outputs: Iterable[str | os.PathLike[str]],
    inputs: Iterable[str | os.PathLike[str]],
    *,
    what: str = "an input",
) -> None:
    """Raise :class:`OutputIsInputError` when any of ``outputs`` is the same file as an input.

    ``what`` names the inputs in the message ("a source clip of the project"…).
    """
    keys: dict[tuple[int, int], str] = {}
    for p in inputs:
        key = file_key(p)
        if key is not None:
            keys.setdefault(key, os.fspath(p))
    if not keys:
        return
    for out in outputs:
        key = file_key(out)
        if key is not None and key in keys:
            same = keys[key]
            also = "" if Path(same) == Path(out) else f" ({same})"
            raise OutputIsInputError(
                f"{os.fspath(out)}: is {what}{also}; refusing to overwrite it — "
                "choose another output name"
            )
