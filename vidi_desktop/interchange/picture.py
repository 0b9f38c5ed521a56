"""What happens to one picture on its way into a rendered clip: upright, crop, scale, captions.

Decoded frames come as stored (maybe rotated by metadata, maybe non-square pixels). The
render wants them upright with square pixels at the output size; a reframed clip wants the
crop window cut out first; burnt-in subtitles are drawn last. When nothing but scaling is
needed the frame never leaves PyAV (the encoder's reused swscale context does it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import av
    import numpy as np


def needs_pixels(rotation: int, crop: bool, caption: bool) -> bool:
    """True when the frame must go through numpy (rotation, crop or caption)."""
    return bool(rotation) or crop or caption


def upright(frame: av.VideoFrame, rotation: int) -> np.ndarray:
    """The frame as an upright RGB array (``rotation`` = clockwise degrees to display)."""
    import numpy as np

    rgb = frame.to_ndarray(format="rgb24")
    if rotation:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-(rotation // 90)))
    return rgb


def crop_window(
    image: np.ndarray,
    window: tuple[float, float, float, float],
    aspect: float,
    sar: float = 1.0,
) -> np.ndarray:
    """The part of ``image`` inside the normalized display window, widened or narrowed to
    exactly ``aspect`` (display width / height) around its centre and kept in the frame.

    The image is in stored pixels: with non-square pixels (``sar`` ≠ 1) a display width of
    ``d`` is ``d / sar`` stored pixels.
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = window
    cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
    ch = max(2.0, (y1 - y0) * h)
    cw = min(w, ch * aspect / sar)
    ch = min(ch, h)
    left = round(min(max(cx - cw / 2, 0), w - cw))
    top = round(min(max(cy - ch / 2, 0), h - ch))
    return image[top : top + round(ch), left : left + round(cw)]


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to ``size`` (width, height) with area interpolation when shrinking."""
    import cv2

    w, h = size
    if image.shape[1] == w and image.shape[0] == h:
        return image
    shrink = image.shape[1] > w
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def draw_caption(image: np.ndarray, text: str) -> None:
    """Subtitle ``text`` centred near the bottom, white on a dark outline (in place)."""
    import cv2

    h, w = image.shape[:2]
    scale = max(0.4, h / 1080 * 1.4)
    thickness = max(1, round(scale * 2))
    lines = [line for line in text.splitlines() if line.strip()][:3]
    line_h = int(40 * scale)
    y = h - int(h * 0.06) - line_h * (len(lines) - 1)
    for line in lines:
        ascii_line = line.encode("ascii", "replace").decode("ascii")  # Hershey fonts are ASCII
        (tw, _), _ = cv2.getTextSize(ascii_line, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        x = max(0, (w - tw) // 2)
        cv2.putText(image, ascii_line, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                    thickness + 3, cv2.LINE_AA)
        cv2.putText(image, ascii_line, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), thickness, cv2.LINE_AA)
        y += line_h
