"""``thumbs``: timeline thumbnails as PNG files in a folder, all or nothing.

Every PNG goes to a temporary file in the target folder, is fsynced, and only when all of
them are complete are they renamed to their names. A full disk (or any write error) removes
the temporaries — and the folder, if this run made it — and says so in one line: no 0-byte
or half-written PNG is ever left under a thumbnail's name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from vidi_desktop.core.atomic import write_files_atomic
from vidi_desktop.core.errors import VidiError
from vidi_desktop.services.output_guard import refuse_overwriting_media


class ThumbnailWriteError(VidiError):
    """The thumbnails could not be written (full disk, no permission); nothing was left."""


def write_thumbnails(
    file: str | os.PathLike[str], out_dir: Path, count: int, height: int
) -> list[dict[str, Any]]:
    """Write ``count`` thumbnails of ``file`` into ``out_dir``; returns what was written
    (``{"file", "frame", "time"}`` each)."""
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.thumbnails import encode_png, thumbnails

    info = probe(file)
    if info.video is None:
        from vidi_desktop.core.errors import MissingStreamError

        raise MissingStreamError(f"{info.path}: has no video stream (audio-only file?)")
    if out_dir.exists() and not out_dir.is_dir():
        raise ThumbnailWriteError(f"{out_dir}: exists and is not a folder")
    thumbs = thumbnails(file, count=count, height=height)
    rate = info.video.timecode_rate
    named = []
    for i, t in enumerate(thumbs):
        tc = frames_to_timecode(t.frame, rate).replace(":", "-").replace(";", "-")
        named.append((out_dir / f"thumb_{i + 1:03d}_{tc}.png", t))
    refuse_overwriting_media([p for p, _ in named], [file])
    made_folder = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ThumbnailWriteError(f"{out_dir}: cannot create ({exc.strerror or exc})") from None
    try:
        _write_all([(p, encode_png(t.image)) for p, t in named], out_dir)
    except ThumbnailWriteError:
        if made_folder:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only when empty: nothing of ours is left in it
        raise
    return [
        {"file": str(p), "frame": t.frame, "time": float(t.time.seconds)} for p, t in named
    ]


def _write_all(files: list[tuple[Path, bytes]], folder: Path) -> None:
    try:
        write_files_atomic(files)
    except OSError as exc:
        raise ThumbnailWriteError(
            f"{folder}: cannot write the thumbnails ({exc.strerror or exc}); nothing was written"
        ) from None
