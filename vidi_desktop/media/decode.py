"""Sequential decode to small numpy frames for the analysers: one pass, threaded, exact pts.

Conversion must cost little beside decoding (target: ≥ 0.8× raw decode speed, even on cheap
streams where one frame decodes in 0.5 ms). Small gray frames of 8-bit YUV video — nearly
all camera and delivery footage — are the luma plane sampled by integer strides (as
PySceneDetect downscales): ~0.05 ms a frame. RGB frames, and other pixel formats, go through
one reused swscale ``VideoReformatter`` (a new context per frame would double the cost, see
docs/architecture.md, "Measured constraints"). Frames come out upright (display rotation
applied) with square pixels (SAR applied), so boxes found on them are in display coordinates.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vidi_desktop.core.errors import CancelledError, CorruptMediaError
from vidi_desktop.core.time import Time
from vidi_desktop.media.container import open_media, video_stream
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.index import load_or_scan

if TYPE_CHECKING:
    import av
    import numpy as np

PixelFormat = Literal["gray", "rgb24"]

# Consecutive undecodable packets tolerated (a damaged stretch) before the file is refused.
_MAX_BAD_PACKETS = 50


@dataclass(frozen=True, slots=True)
class AnalysisFrame:
    """One decoded frame: its number in display order, exact time and a small picture."""

    index: int
    pts: int
    time: Time
    image: np.ndarray


def analysis_size(
    width: int, height: int, sar: float, rotation: int, max_side: int
) -> tuple[int, int]:
    """Upright, square-pixel size whose longer side is ``max_side`` (even numbers)."""
    disp_w = width * (sar or 1.0)
    w, h = (height, disp_w) if rotation in (90, 270) else (disp_w, height)
    scale = min(1.0, max_side / max(w, h))
    out_w = max(2, round(w * scale / 2) * 2)
    out_h = max(2, round(h * scale / 2) * 2)
    # Decoded pictures are scaled before rotation: return the pre-rotation size.
    return (out_h, out_w) if rotation in (90, 270) else (out_w, out_h)


class _Converter:
    """Per-stream conversion state shared by every frame of one pass."""

    def __init__(self, sar: float) -> None:
        from av.video.reformatter import VideoReformatter

        self.sar = sar
        self.reformatter = VideoReformatter()
        self.plans: dict[tuple[str, int], tuple[tuple[int, int], tuple[int, int] | None]] = {}

    def convert(
        self, frame: av.VideoFrame, rotation: int, fmt: PixelFormat, max_side: int
    ) -> np.ndarray:
        import numpy as np

        plan = self.plans.get((fmt, max_side))
        if plan is None:
            size = analysis_size(frame.width, frame.height, self.sar, rotation, max_side)
            fast = _fast_path(frame, size) if fmt == "gray" else None
            plan = self.plans[(fmt, max_side)] = (size, fast)
        size, fast = plan
        if fast is not None:
            small = _strided_gray(frame, fast)
        else:
            small = self.reformatter.reformat(
                frame, size[0], size[1], fmt, interpolation="AREA"
            ).to_ndarray()
        if rotation:
            small = np.ascontiguousarray(np.rot90(small, k=-(rotation // 90)))
        return small


class DecodedFrame:
    """A frame of the shared decode pass; small pictures are made on demand and memoized.

    Several analysers read the same pass (shots want small gray every frame, faces want RGB
    a few times a second): each asks for its own size and format, and each conversion is
    done at most once per frame. Don't keep these beyond the pass — they hold the decoded
    picture.
    """

    __slots__ = ("_cache", "_conv", "_frame", "_rotation", "index", "pts", "time")

    def __init__(
        self, frame: av.VideoFrame, index: int, time: Time, rotation: int, conv: _Converter
    ) -> None:
        self._frame = frame
        self.index = index
        self.pts = frame.pts
        self.time = time
        self._rotation = rotation
        self._conv = conv
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    @property
    def rotation(self) -> int:
        return self._rotation

    @property
    def full_size(self) -> tuple[int, int]:
        """Decoded width and height (before SAR and rotation)."""
        return self._frame.width, self._frame.height

    def image(self, fmt: PixelFormat = "gray", max_side: int = 320) -> np.ndarray:
        """Upright, square-pixel picture whose longer side is at most ``max_side``."""
        key = (fmt, max_side)
        img = self._cache.get(key)
        if img is None:
            img = self._cache[key] = self._conv.convert(
                self._frame, self._rotation, fmt, max_side
            )
        return img


@dataclass
class PassReport:
    """How a decode pass ended: frames delivered, and where it stopped if it stopped early."""

    frames: int = 0
    expected: int = 0
    stopped_at: Time | None = None
    reason: str | None = None

    @property
    def complete(self) -> bool:
        return self.stopped_at is None


def iter_decoded(
    path: str | os.PathLike[str],
    *,
    start_frame: int = 0,
    end_frame: int | None = None,
    cancel: threading.Event | None = None,
    threads: Literal["AUTO", "FRAME", "SLICE", "NONE"] = "AUTO",
    allow_truncated: bool = False,
    report: PassReport | None = None,
    skip_loop_filter: bool = False,
) -> Iterator[DecodedFrame]:
    """The shared decode pass: every frame ``start_frame`` … ``end_frame - 1`` in order.

    With ``allow_truncated`` a cut-off or damaged file yields what decodes and ``report``
    says where it stopped; otherwise such a file raises :class:`CorruptMediaError`.
    ``skip_loop_filter`` skips the decoder's deblocking (H.264/HEVC): about 1.3× faster
    decoding, every frame still decoded and numbered exactly, pictures very slightly
    blockier — fine for analysis at small sizes, never for display or export.
    Raises :class:`CancelledError` when ``cancel`` is set (checked every frame).
    """

    report = report if report is not None else PassReport()
    p = Path(path).resolve()
    with contextlib.ExitStack() as opened:
        container = opened.enter_context(open_media(p))
        stream = video_stream(container, p)
        index = load_or_scan(
            container, stream, FileIdentity.of(p), allow_truncated=allow_truncated
        )
        frames = index.frames
        n_total = len(frames)
        end = n_total if end_frame is None else min(end_frame, n_total)
        report.expected = max(0, end - start_frame)
        if start_frame >= end:
            return
        if index.truncated:
            report.stopped_at = frames.time_of(n_total - 1)
            report.reason = "file is truncated"
        def configured(s: Any) -> Any:
            s.codec_context.thread_type = threads
            if skip_loop_filter:
                s.codec_context.options = {"skip_loop_filter": "all"}
            return s

        def reopen() -> tuple[Any, Any]:
            # A failed seek leaves the demuxer anywhere: a second opening is at the start.
            again = opened.enter_context(open_media(p))
            return again, configured(again.streams[stream.index])

        configured(stream)
        conv = _Converter(float(stream.codec_context.sample_aspect_ratio or 1))
        rotation: int | None = None  # shows only on decoded frames: read from the first
        first_pts = frames.pts[start_frame]
        last_pts = frames.pts[end - 1]
        if (index.segments or index.untimed) and start_frame > 0:
            # Timestamps jump back, or there are none: only the file's start is sure.
            start_at: int | None = None
        else:
            start_at = start_frame
        batches = _seek_for(
            container, stream, frames, start_at, p, report, allow_truncated, reopen
        )
        unwrap = index.unwrapper()
        last_time: Time | None = None
        for decoded in batches:
            for frame in decoded:
                if cancel is not None and cancel.is_set():
                    raise CancelledError("decoding cancelled")
                raw = frame.pts
                pts = unwrap(raw)
                if pts is None:
                    continue
                if pts != raw:
                    frame.pts = pts  # on the file's one timeline (media.discontinuity)
                if pts < first_pts or (last_time is not None and pts <= last_time.ticks):
                    continue  # before the range, or out of order after damage: never back
                if pts > last_pts:
                    return
                n = frames.frame_of_pts(pts)
                if n is None:
                    continue
                if rotation is None:
                    rotation = (-round(frame.rotation or 0)) % 360
                last_time = Time(pts, frames.time_base)
                report.frames += 1
                yield DecodedFrame(frame, n, last_time, rotation, conv)
        if report.frames < report.expected and report.stopped_at is None:
            report.stopped_at = last_time or frames.time_of(start_frame)
            report.reason = report.reason or "stream ended early"


def _frame_batches(
    container: Any, stream: Any, path: Path, report: PassReport, allow_truncated: bool
) -> Iterator[list[av.VideoFrame]]:
    """The frames each packet decodes to, from the container's position, in decode order.

    An unreadable tail ends the pass (what was decoded stands); a damaged stretch of more
    than ``_MAX_BAD_PACKETS`` packets refuses the file unless ``allow_truncated``.
    """
    import av

    bad = 0
    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            report.reason = f"read error ({exc.strerror})"
            return
        try:
            decoded = packet.decode()
            bad = 0
        except av.error.FFmpegError as exc:
            bad += 1
            if bad > _MAX_BAD_PACKETS:
                if not allow_truncated:
                    raise CorruptMediaError(
                        f"{path}: too many undecodable packets ({exc.strerror})"
                    ) from None
                report.reason = f"undecodable stretch ({exc.strerror})"
                return
            continue
        if decoded:
            yield decoded


def _seek_for(
    container: Any,
    stream: Any,
    frames: Any,
    start_frame: int | None,
    path: Path,
    report: PassReport,
    allow_truncated: bool,
    reopen: Callable[[], tuple[Any, Any]],
) -> Iterator[list[av.VideoFrame]]:
    """Frame batches from a position where decoding reaches frame ``start_frame``.

    Seeks to the keyframe at or before it; when the first picture out is already past it
    (MPEG-TS/PS seek by dts and can land after the keyframe) it tries the keyframe before,
    and at last the start of the file — as a player does. ``start_frame`` None: the start.
    """
    import itertools

    import av

    if start_frame == 0:
        # From the top: where a freshly opened (or just scanned and rewound) file is.
        return _frame_batches(container, stream, path, report, allow_truncated)
    tries: list[int | None] = []
    target = 0
    if start_frame is not None:
        target = frames.pts[start_frame]
        key = frames.keyframe_at_or_before(start_frame)
        tries.append(key)
        if key > 0:
            tries.append(frames.keyframe_at_or_before(key - 1))
    tries.append(None)  # the start of the file
    for where in tries:
        try:
            if where is None:
                container.seek(0)
            else:
                container.seek(frames.pts[where], stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            # A stream that cannot seek (raw H.264, some damaged files): from the start.
            container, stream = reopen()
            return _frame_batches(container, stream, path, report, allow_truncated)
        stream.codec_context.flush_buffers()
        batches = _frame_batches(container, stream, path, report, allow_truncated)
        first = next(batches, None)
        if first is None:
            if where is None:
                return iter(())
            continue  # nothing decodable after that point: start earlier
        first_pts = next((f.pts for f in first if f.pts is not None), None)
        if where is None or first_pts is None or first_pts <= target:
            return itertools.chain([first], batches)
    return iter(())  # not reached: the last try always returns


def iter_frames(
    path: str | os.PathLike[str],
    *,
    max_side: int = 320,
    fmt: PixelFormat = "gray",
    start_frame: int = 0,
    end_frame: int | None = None,
    step: int = 1,
    cancel: threading.Event | None = None,
    threads: Literal["AUTO", "FRAME", "SLICE", "NONE"] = "AUTO",
) -> Iterator[AnalysisFrame]:
    """Decode frames ``start_frame`` … ``end_frame - 1`` (every ``step``-th) as small arrays.

    Raises :class:`CancelledError` when ``cancel`` is set (checked every frame).
    """
    for f in iter_decoded(
        path, start_frame=start_frame, end_frame=end_frame, cancel=cancel, threads=threads
    ):
        if (f.index - start_frame) % step == 0:
            yield AnalysisFrame(f.index, f.pts, f.time, f.image(fmt, max_side))


# 8-bit planar YUV: plane 0 is the luma picture itself.
_STRIDABLE = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12"}


def _fast_path(frame: av.VideoFrame, size: tuple[int, int]) -> tuple[int, int] | None:
    """Integer strides (x, y) shrinking ``frame``'s luma to fit ``size``, or None.

    None when the pixel format has no luma plane to sample, or when whole-number strides
    would distort the display aspect by more than 2 % (non-square pixels, odd sizes).
    """
    if frame.format.name not in _STRIDABLE:
        return None
    sx = -(-frame.width // size[0])
    sy = -(-frame.height // size[1])
    out_w, out_h = -(-frame.width // sx), -(-frame.height // sy)
    if abs((out_w / out_h) / (size[0] / size[1]) - 1) > 0.02:
        return None
    return sx, sy


def _strided_gray(frame: av.VideoFrame, strides: tuple[int, int]) -> np.ndarray:
    """Small gray frame: the luma plane sampled every ``strides`` pixels."""
    import numpy as np

    sx, sy = strides
    plane = frame.planes[0]
    luma = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return np.ascontiguousarray(luma[: frame.height : sy, : frame.width : sx])
