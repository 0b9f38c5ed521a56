"""Waveform peaks for the timeline's audio lane, cached on disk per file identity.

Peaks are (min, max) pairs of the mono mix per bucket of ``1 / peaks_per_second`` seconds,
computed from audio decoded at a low rate (enough for drawing, far cheaper than full rate).
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidi_desktop.core.time import Time
from vidi_desktop.media.audio import read_audio
from vidi_desktop.media.container import check_file
from vidi_desktop.media.identity import FileIdentity, entry_dir, read_cached, write_atomic

if TYPE_CHECKING:
    import numpy as np

_DECODE_RATE = 8000


@dataclass(frozen=True, slots=True)
class Waveform:
    """``peaks`` is float32 ``(n, 2)``: min and max of bucket ``i`` starting at
    ``start + i / peaks_per_second``."""

    peaks: np.ndarray
    peaks_per_second: int
    start: Time

    def reduce(self, factor: int) -> Waveform:
        """A coarser waveform (``factor`` buckets merged), for zoomed-out views."""
        import numpy as np

        n = self.peaks.shape[0] // factor * factor
        if factor <= 1 or n == 0:
            return self
        blocks = self.peaks[:n].reshape(-1, factor, 2)
        peaks = np.stack([blocks[..., 0].min(axis=1), blocks[..., 1].max(axis=1)], axis=1)
        return Waveform(peaks, max(1, self.peaks_per_second // factor), self.start)


def waveform_peaks(
    path: str | os.PathLike[str],
    peaks_per_second: int = 100,
    cancel: threading.Event | None = None,
) -> Waveform:
    """Min/max peaks of the first audio stream (MissingStreamError without audio)."""
    import numpy as np

    p = check_file(path).resolve()
    identity = FileIdentity.of(p)
    cache_file = entry_dir(identity, "waveform") / f"pps{peaks_per_second}.npz"
    cached = read_cached(cache_file, lambda data: _parse(data, peaks_per_second))
    if cached is not None:
        return cached
    rate = max(_DECODE_RATE, peaks_per_second * 2)
    clip = read_audio(p, rate=rate, layout="mono", cancel=cancel)
    mono = clip.mono()
    per = rate // peaks_per_second
    n = -(-mono.shape[0] // per)
    padded = np.zeros(n * per, np.float32)
    padded[: mono.shape[0]] = mono
    blocks = padded.reshape(n, per)
    peaks = np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1).astype(np.float32)
    wf = Waveform(peaks, peaks_per_second, clip.start)
    buf = io.BytesIO()
    tb = clip.start.time_base
    np.savez(buf, peaks=peaks, start=np.array([clip.start.ticks, tb.numerator, tb.denominator]))
    write_atomic(cache_file, buf.getvalue())
    return wf


def _parse(data: bytes, peaks_per_second: int) -> Waveform:
    """A cached waveform (any damage raises: :func:`read_cached` makes it a miss)."""
    from fractions import Fraction

    import numpy as np

    with np.load(io.BytesIO(data)) as npz:
        tb = npz["start"]
        peaks = npz["peaks"]
    if peaks.ndim != 2 or peaks.shape[1] != 2:
        raise ValueError("not waveform peaks")
    return Waveform(peaks, peaks_per_second, Time(int(tb[0]), Fraction(int(tb[1]), int(tb[2]))))
