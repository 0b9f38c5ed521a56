"""Helpers shared by the player, viewer and overlay tests: footage with known geometry, and
reading the frame number back from a QImage the player handed out."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def qimage_rgb(image: object) -> np.ndarray:
    """An ``H×W×3`` RGB copy of a QImage."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage) and not image.isNull()
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    raw = np.frombuffer(img.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


def shown_number(image: object, coded: tuple[int, int] | None = None, turn: int = 0) -> int:
    """The barcode frame number in a displayed picture.

    ``coded`` (width, height) scales the picture back to the size it was encoded at (a proxy
    picture, a non-square-pixel picture stretched for display); ``turn`` undoes a display
    rotation (degrees clockwise that were applied).
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QTransform

    assert isinstance(image, QImage)
    img = image
    if turn:
        img = img.transformed(QTransform().rotate(-turn))
    if coded is not None and (img.width(), img.height()) != coded:
        img = img.scaled(coded[0], coded[1], Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    from vidi_desktop.media.synth import read_frame_number

    return read_frame_number(qimage_rgb(img))


def write_geometry_clip(
    path: Path,
    *,
    frames: int = 12,
    size: tuple[int, int] = (320, 240),
    sar: Fraction | None = None,
    rotation_cw: int | None = None,
) -> Path:
    """A barcode clip with a sample aspect ratio and/or a display rotation (clockwise)."""
    import av

    from vidi_desktop.media.synth import moving_pattern, stamp_frame_number

    w, h = size
    picture = moving_pattern(w, h)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "20"}
        if sar is not None:
            vs.codec_context.sample_aspect_ratio = sar
        if rotation_cw is not None:
            # PyAV takes the counter-clockwise angle of the display matrix.
            vs.set_display_rotation(-rotation_cw % 360)
        for n in range(frames):
            img = picture(n)
            stamp_frame_number(img, n)
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return path


def truncated_copy(src: Path, dst: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` of ``src``'s bytes: a recording cut off mid-file."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst
