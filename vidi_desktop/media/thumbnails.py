"""Timeline thumbnails, cached on disk per file identity and request.

Each thumbnail reports the exact number and time of the frame it shows. Results are stored as
one ``.npz`` per (file, count, height) in the media cache.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.core.time import Time
from vidi_desktop.media.container import check_file
from vidi_desktop.media.decode import analysis_size
from vidi_desktop.media.identity import FileIdentity, entry_dir, read_cached, write_atomic
from vidi_desktop.media.reader import VideoReader

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class Thumbnail:
    frame: int
    time: Time
    image: np.ndarray  # H×W×3 uint8 RGB, upright and square-pixel


def thumbnails(
    path: str | os.PathLike[str], count: int = 10, height: int = 90
) -> list[Thumbnail]:
    """``count`` thumbnails spread evenly over the clip, ``height`` pixels tall.

    Slot ``i`` shows the frame at the middle of the i-th of ``count`` equal parts; a keyframe
    within half a slot of it stands in (much cheaper to decode) and reports its own time.
    """
    import numpy as np

    if count < 1:
        raise ValueError("count must be at least 1")
    p = Path(path).resolve()
    identity = FileIdentity.of(check_file(p))
    cache_file = entry_dir(identity, "thumbs") / f"n{count}_h{height}.npz"
    cached = _load(cache_file)
    if cached is not None:
        return cached
    with VideoReader(p) as reader:
        frames = reader.index.frames
        n = len(frames)
        slot = max(1, n // count)
        targets = [min(n - 1, (2 * i + 1) * n // (2 * count)) for i in range(count)]
        out: list[Thumbnail] = []
        for target in targets:
            key = frames.keyframe_at_or_before(target)
            shown = key if target - key <= slot // 2 else target
            frame = reader.frame(shown)
            rotation = (-round(frame.rotation or 0)) % 360
            sar = float(reader.sar)
            w, h = analysis_size(frame.width, frame.height, sar, rotation, 10**6)
            disp_h = w if rotation in (90, 270) else h
            scale = height / disp_h
            tw, th = max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2)
            img = frame.to_ndarray(width=tw, height=th, format="rgb24", interpolation="AREA")
            if rotation:
                img = np.ascontiguousarray(np.rot90(img, k=-(rotation // 90)))
            out.append(Thumbnail(shown, frames.time_of(shown), img))
    _store(cache_file, out)
    return out


def _store(cache_file: Path, thumbs: list[Thumbnail]) -> None:
    import numpy as np

    if not thumbs:
        return
    buf = io.BytesIO()
    arrays = {f"img{i}": t.image for i, t in enumerate(thumbs)}
    meta = np.array(
        [[t.frame, t.time.ticks, t.time.time_base.numerator, t.time.time_base.denominator]
         for t in thumbs],
        dtype=np.int64,
    )
    np.savez(buf, meta=meta, **arrays)
    write_atomic(cache_file, buf.getvalue())


def _load(cache_file: Path) -> list[Thumbnail] | None:
    """The cached thumbnails; None for a miss (absent, truncated, damaged: rebuilt)."""
    return read_cached(cache_file, _parse)


def _parse(data: bytes) -> list[Thumbnail]:
    from fractions import Fraction

    import numpy as np

    with np.load(io.BytesIO(data)) as npz:
        meta = npz["meta"]
        thumbs = [
            Thumbnail(int(m[0]), Time(int(m[1]), Fraction(int(m[2]), int(m[3]))),
                      npz[f"img{i}"])
            for i, m in enumerate(meta)
        ]
    if not thumbs or any(t.image.ndim != 3 or t.image.dtype != np.uint8 for t in thumbs):
        raise ValueError("not thumbnails")
    return thumbs


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an RGB image, through FFmpeg's encoder (no imaging library needed)."""
    import av

    h, w = image.shape[:2]
    cc = av.CodecContext.create("png", "w")
    cc.width, cc.height, cc.pix_fmt = w, h, "rgb24"
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    return b"".join(bytes(pkt) for pkt in [*cc.encode(frame), *cc.encode(None)])
