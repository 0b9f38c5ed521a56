"""Per-second activity curves for ranking: picture motion and sound loudness.

Both reduce footage to one number per second, so hours cost kilobytes and the highlight
scorer never needs the frames or samples again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.media.decode import DecodedFrame
    from vidi_desktop.media.probe import MediaInfo

_SIDE = 64  # tiny pictures are enough to tell still from moving, and cost nothing


class MotionActivity:
    """FrameAnalyser: mean absolute luma change between consecutive frames, per second."""

    name = "activity"

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._sums: dict[int, float] = {}
        self._counts: dict[int, int] = {}
        self._start = 0.0
        self._seconds = 0

    def begin(self, info: MediaInfo) -> None:
        self._start = float(info.start_time)
        self._seconds = max(1, math.ceil(info.duration))

    def wants(self, index: int) -> bool:
        return True

    def feed(self, frame: DecodedFrame) -> None:
        img = frame.image("gray", _SIDE).astype(np.int16)
        if self._prev is not None and self._prev.shape == img.shape:
            second = int(float(frame.time.seconds) - self._start)
            diff = float(np.abs(img - self._prev).mean()) / 255.0
            self._sums[second] = self._sums.get(second, 0.0) + diff
            self._counts[second] = self._counts.get(second, 0) + 1
        self._prev = img

    def finish(self) -> np.ndarray:
        out = np.zeros(self._seconds)
        for s, total in self._sums.items():
            if 0 <= s < self._seconds:
                out[s] = total / self._counts[s]
        return out


def loudness_per_second(clip: AudioClip, start: float, seconds: int) -> np.ndarray:
    """RMS level of each second of ``clip``, in dB above -60 dBFS scaled to 0..1."""
    mono = clip.mono().astype(np.float64)
    out = np.zeros(seconds)
    offset = float(clip.start.seconds) - start
    rate = clip.rate
    for s in range(seconds):
        a = int((s - offset) * rate)
        b = int((s + 1 - offset) * rate)
        chunk = mono[max(0, a) : max(0, b)]
        if chunk.size:
            rms = math.sqrt(float(np.mean(chunk * chunk)))
            db = 20 * math.log10(max(rms, 1e-6))
            out[s] = min(1.0, max(0.0, (db + 60) / 60))
    return out
