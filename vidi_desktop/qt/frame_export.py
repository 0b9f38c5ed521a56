"""Export Frame: one source frame as a PNG at full resolution, upright and square-pixel.

The viewer shows pictures scaled to its size; an editor exporting a still wants the frame
itself. It is decoded again here, exactly, from its file (``media.reader``), at the display
size the exporters use (pixel aspect applied to the width, then the display rotation), and
written through the atomic writer, so a failed export leaves nothing behind.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.core.errors import VidiError

if TYPE_CHECKING:
    from vidi_desktop.interchange.program import SourcePick


def export_frame(
    source: str | Path, pick: SourcePick, sar: Fraction, rotation: int, out: Path
) -> Path:
    """Write frame ``pick`` of ``source`` to ``out`` as PNG; returns ``out``.

    Raises :class:`VidiError` with one line when the frame cannot be read or written.
    """
    import numpy as np
    from PySide6.QtGui import QImage

    from vidi_desktop.core.atomic import write_via
    from vidi_desktop.media.reader import VideoReader

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise VidiError(f"{out}: an exported frame is a PNG file (name it .png)")
    if out.resolve() == Path(source).resolve():
        raise VidiError(f"{out}: would overwrite its own source")
    with VideoReader(source) as reader:
        n = pick.resolve(reader.frame_at_time, reader.frame_count)
        frame = reader.frame(n)
        width = max(2, round(frame.width * sar))
        rgb = frame.reformat(width, frame.height, "rgb24", interpolation="LANCZOS").to_ndarray()
    if rotation:
        rgb = np.rot90(rgb, k=-(rotation // 90))
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()

    def save(tmp: Path) -> None:
        if not image.save(str(tmp), "PNG"):
            raise OSError(f"{out}: cannot write the PNG")

    if not out.parent.is_dir():
        raise VidiError(f"{out.parent}: folder does not exist")
    try:
        write_via(out, save, suffix=".png")
    except OSError as exc:
        raise VidiError(f"{out}: cannot write the frame ({exc.strerror or exc})") from None
    return out
