"""All-intra low-resolution scrub proxies: one small JPEG picture per frame of the original.

Exact seeking in a long-GOP file decodes from the previous keyframe: up to ~2 s for a frame
late in a 250-frame GOP of 1080p H.264 on these machines. Scrubbing cannot wait that long. A
proxy holds every frame of the original as an independent MJPEG picture (every frame a
keyframe) at most ``PROXY_SIDE`` pixels on its longer side, so any frame is one seek and one
small decode away (a few milliseconds). The player shows the proxy's frame at once and
replaces it with the exact full-resolution frame when that is decoded; it also plays from
the proxy when shuttling and playing backwards.

Proxy frame ``n`` *is* original frame ``n``: pictures are written in display order, one per
entry of the original's frame table (a frame that fails to decode repeats the previous
picture so numbering never shifts), and a proxy whose frame count differs is refused.
Pictures are stored upright and square-pixel (rotation and SAR applied).

Proxies are cached per file identity in the media cache (``proxy/<key>/``), written through
the atomic writer (a temporary name, renamed), so a cancelled or crashed build never leaves
a half file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Literal

from vidi_desktop.core.atomic import write_via
from vidi_desktop.media.container import check_file
from vidi_desktop.media.identity import FileIdentity, entry_dir, write_json

PROXY_SIDE = 640  # longer side of proxy pictures: 640×360 for 16:9
PROXY_FORMAT = 1  # bump when what a proxy holds changes meaning
# Rate control aims at ~20 KB a picture (the stream is stamped 25 fps): about 2 GB for an
# hour of 30 fps footage, sharp enough to find a moment, never to judge focus.
_BITRATE = 20_000 * 8 * 25


def proxy_file(identity: FileIdentity, side: int = PROXY_SIDE) -> Path:
    """Where the proxy of this file version lives (it may not exist)."""
    return entry_dir(identity, "proxy") / f"proxy{side}_v{PROXY_FORMAT}.mov"


def find_proxy(path: str | os.PathLike[str], side: int = PROXY_SIDE) -> Path | None:
    """The finished proxy of ``path``, or None when none was built for this file version."""
    identity = FileIdentity.of(check_file(path))
    target = proxy_file(identity, side)
    meta = _read_meta(target)
    if target.is_file() and meta is not None:
        return target
    return None


def wants_proxy(display_width: int, display_height: int, side: int = PROXY_SIDE) -> bool:
    """True when frames are big enough that a proxy makes scrubbing faster."""
    return max(display_width, display_height) > side * 1.2


def build_proxy(
    path: str | os.PathLike[str],
    *,
    side: int = PROXY_SIDE,
    cancel: threading.Event | None = None,
    progress: Callable[[float], None] | None = None,
    threads: Literal["AUTO", "FRAME", "SLICE", "NONE"] = "AUTO",
) -> Path:
    """Build (or find) the proxy of ``path`` and return its file.

    Decodes the whole file once (``threads="NONE"`` keeps a background build to one core,
    leaving the others to interactive playback). Raises ``core.errors.CancelledError`` when
    ``cancel`` is set (nothing is left behind) and the media errors of
    :func:`media.decode.iter_decoded`.
    """
    import av
    import numpy as np

    from vidi_desktop.media.decode import PassReport, iter_decoded

    p = Path(path).resolve()
    identity = FileIdentity.of(check_file(p))
    target = proxy_file(identity, side)
    if target.is_file() and _read_meta(target) is not None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> int:
        written = 0
        expected = 0
        with av.open(str(tmp), mode="w", format="mov") as out:
            stream = None
            last: np.ndarray | None = None
            report = PassReport()
            for frame in iter_decoded(p, cancel=cancel, report=report, threads=threads):
                expected = report.expected
                image = frame.image("rgb24", side)
                if stream is None:
                    stream = out.add_stream("mjpeg", rate=25)
                    h, w = image.shape[:2]
                    stream.width, stream.height = w - w % 2, h - h % 2
                    stream.pix_fmt = "yuvj420p"
                    stream.bit_rate = _BITRATE
                    stream.codec_context.time_base = Fraction(1, 25)
                image = image[: stream.height, : stream.width]
                # A frame the decoder dropped repeats the previous picture: numbering holds.
                while written < frame.index and last is not None:
                    _encode(out, stream, last, written)
                    written += 1
                _encode(out, stream, image, written)
                written += 1
                last = image
                if progress is not None and expected:
                    progress(written / expected)
            if stream is not None:
                while written < expected and last is not None:
                    _encode(out, stream, last, written)
                    written += 1
                for packet in stream.encode():
                    out.mux(packet)
        if written == 0 or written != expected:
            raise ValueError(f"proxy has {written} pictures for {expected} frames")
        return written

    written = write_via(target, write, suffix=".tmp.mov", durable=False)
    # The side file marks the proxy finished: written last, read first.
    _write_meta(target, {"format": PROXY_FORMAT, "frames": written, "side": side})
    return target


def _encode(out: object, stream: object, image: object, n: int) -> None:
    import av

    frame = av.VideoFrame.from_ndarray(image, format="rgb24")  # type: ignore[arg-type]
    frame.pts = n
    frame.time_base = Fraction(1, 25)
    for packet in stream.encode(frame):  # type: ignore[attr-defined]
        out.mux(packet)  # type: ignore[attr-defined]


def _meta_file(target: Path) -> Path:
    return target.with_suffix(".json")


def _read_meta(target: Path) -> dict | None:
    try:
        meta = json.loads(_meta_file(target).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != PROXY_FORMAT:
        return None
    return meta


def _write_meta(target: Path, meta: dict) -> None:
    write_json(_meta_file(target), meta)

