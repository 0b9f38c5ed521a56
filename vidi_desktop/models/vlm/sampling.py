"""Frames for a VLM: a few exact frames of a clip (or of a window of it), small and upright.

A VLM sees a video as a handful of pictures with their times. :func:`plan_samples` picks
which frames (``fps`` per second, at most ``max_frames``, spread evenly over the window when
the cap bites); :func:`sample_frames` decodes exactly those frames with
:class:`~vidi_desktop.media.reader.VideoReader` (frame-exact seeks through the frame table,
VFR-safe) and returns them upright with square pixels, the longer side at most
``max_side``. Every frame keeps its exact presentation time: the model is told these times,
and its answers are mapped back through them.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.progress import check_cancel
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import RequestError
from vidi_desktop.models.vlm.budget import VideoBudget, smart_size

if TYPE_CHECKING:
    import av
    import numpy as np


@dataclass(frozen=True)
class FrameSample:
    """The frames of one clip a model is shown, and what is needed to read its answer.

    ``bounds`` is the part of the clip the frames cover (the request's window within the
    clip); answers are clamped to it. ``index`` and ``clip`` let answers snap to real frames.
    """

    images: tuple[np.ndarray, ...]  # RGB uint8, all the same size, upright, square pixels
    frames: tuple[int, ...]  # frame numbers, display order
    times: tuple[Time, ...]  # exact presentation time of each frame
    index: FrameIndex  # the clip's whole frame table
    clip: TimeRange  # first frame's start to the last frame's end
    bounds: TimeRange  # window ∩ clip: where the samples (and answers) lie
    interval: Fraction  # seconds between samples (an instant answer covers this long)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the sampled pictures."""
        h, w = self.images[0].shape[:2]
        return w, h

    def times_ms(self) -> list[int]:
        """Sample times in whole milliseconds (what the model's processor is given)."""
        return [t.to_ms() for t in self.times]


def _secs(t: Time) -> str:
    return f"{float(t.seconds):.3f}"


def _fraction(value: float | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value).limit_denominator(10_000)


def plan_samples(
    index: FrameIndex,
    clip: TimeRange,
    window: TimeRange | None,
    fps: float | Fraction,
    max_frames: int,
    min_frames: int = 1,
    even: bool = False,
) -> tuple[TimeRange, Fraction, list[int]]:
    """``(bounds, interval, frame numbers)`` to sample ``fps`` times a second in the window.

    The first sample is the frame on screen at the window's start; then one every
    ``1 / fps`` seconds, or every ``duration / max_frames`` when that would be too many, or
    every ``duration / min_frames`` when too few. ``even`` keeps the count even (the vision
    tower merges frames in pairs; qwen-vl-utils samples so). Frames picked twice (footage
    slower than that) are kept once.
    """
    bounds = clip if window is None else clip.intersection(window)
    if bounds is None or bounds.is_empty():
        asked = clip if window is None else window
        raise RequestError(
            f"the requested window ({_secs(asked.start)}–{_secs(asked.end_exclusive)} s) "
            f"lies outside the footage ({_secs(clip.start)}–{_secs(clip.end_exclusive)} s)"
        )
    span = bounds.duration.seconds
    interval = max(1 / _fraction(fps), span / max_frames)
    count = max(1, min(max_frames, math.ceil(span / interval)))
    if count < min_frames:
        count = min(min_frames, max_frames)
        interval = span / count
    if even and count % 2:
        # Pairs: one frame more where the cap allows (one fewer where it does not), spread
        # evenly over the window as qwen-vl-utils does.
        count = count + 1 if count < max_frames else max(1, count - 1)
        interval = span / count
    frames: list[int] = []
    for k in range(count):
        n = index.frame_at(Time.exact(bounds.start.seconds + k * interval))
        if not frames or n != frames[-1]:
            frames.append(n)
    return bounds, interval, frames


def sample_frames(
    path: str | os.PathLike[str],
    *,
    window: TimeRange | None = None,
    fps: float | Fraction = 1.0,
    max_frames: int = 32,
    max_side: int | None = 448,
    cancel: threading.Event | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    budget: VideoBudget | None = None,
) -> FrameSample:
    """Decode the planned frames of ``path`` (see :func:`plan_samples`).

    With a ``budget`` (:mod:`.budget`) its frame rate and frame count bounds replace ``fps``
    and ``max_frames`` (``max_frames`` still caps them), the count is even, and each frame is
    resized to a multiple of the model's token size within the budget's per-frame pixels,
    as qwen-vl-utils does, instead of to ``max_side``. ``on_frame(done, total)`` reports
    progress; ``cancel`` is checked before every frame. Media problems raise the
    :mod:`vidi_desktop.core.errors` media errors.
    """
    from vidi_desktop.media.reader import VideoReader

    cancel = cancel or threading.Event()
    with VideoReader(path) as reader:
        stream = reader.index
        index = stream.frames
        clip = TimeRange.from_start_end(index.start, Time(stream.end_pts, index.time_base))
        if budget is None:
            bounds, interval, frames = plan_samples(index, clip, window, fps, max_frames)
            converter = _Upright(float(reader.sar), max_side or 448)
        else:
            bounds, interval, frames = plan_samples(
                index, clip, window, budget.fps, min(max_frames, budget.max_frames),
                budget.min_frames, even=True,
            )
            converter = _Upright(float(reader.sar), max_side, budget, len(frames))
        images: list[np.ndarray] = []
        for done, n in enumerate(frames):
            check_cancel(cancel)
            images.append(converter(reader.frame(n)))
            if on_frame is not None:
                on_frame(done + 1, len(frames))
        times = tuple(index.time_of(n) for n in frames)
    return FrameSample(tuple(images), tuple(frames), times, index, clip, bounds, interval)


class _Upright:
    """Frame → RGB array, upright (display rotation applied), square pixels, ≤ ``max_side``.

    One reused swscale context for the whole clip (a new one per frame costs as much as the
    decode, see docs/architecture.md, "Measured constraints"); the size is fixed by the
    first frame so every sample matches.
    """

    def __init__(
        self,
        sar: float,
        max_side: int | None,
        budget: VideoBudget | None = None,
        frames: int = 1,
    ) -> None:
        from av.video.reformatter import VideoReformatter

        self.sar = sar
        self.max_side = max_side
        self.budget = budget
        self.frames = frames
        self.reformatter = VideoReformatter()
        self.plan: tuple[int, int, int] | None = None  # width, height, rotation

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        import numpy as np

        from vidi_desktop.media.decode import analysis_size

        if self.plan is None:
            rotation = (-round(frame.rotation or 0)) % 360
            if self.budget is None:
                side = self.max_side or 448
                w, h = analysis_size(frame.width, frame.height, self.sar, rotation, side)
            else:
                # Square pixels, upright: the picture as displayed, then the budget's size.
                dw, dh = frame.width * max(self.sar, 1e-6), float(frame.height)
                if rotation in (90, 270):
                    dw, dh = dh, dw
                b = self.budget
                cap = b.frame_pixels(self.frames)
                if self.max_side:  # an explicit longer-side limit on top of the budget
                    cap = min(cap, int(self.max_side**2 * min(dw, dh) / max(dw, dh)))
                th, tw = smart_size(round(dh), round(dw), b.factor, min(b.min_pixels, cap), cap)
                # The reformatter scales before the rotation: swap back for it.
                w, h = (th, tw) if rotation in (90, 270) else (tw, th)
            self.plan = (w, h, rotation)
        w, h, rotation = self.plan
        img = self.reformatter.reformat(frame, w, h, "rgb24", interpolation="AREA").to_ndarray()
        if rotation:
            img = np.ascontiguousarray(np.rot90(img, k=-(rotation // 90)))
        return img
