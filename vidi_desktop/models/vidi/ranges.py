"""Fractions of a duration → exact media time ranges on the asset's frame grid.

Vidi answers in fractions of the whole file (its frame 0 is the file's first frame), so a
fraction ``f`` is the instant ``asset start + f × duration``. Editors cut on frames, so
each end is snapped to the nearest frame boundary of the video stream (constant rate), or
to the millisecond when the rate is variable or unknown. A range never leaves the asset
and never collapses: one that rounds to nothing covers one frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import AssetFacts
from vidi_desktop.core.time import Time, TimeRange

MS = Fraction(1, 1000)


@dataclass(frozen=True)
class FrameGrid:
    """Where the asset's frames fall: ``origin + k / rate`` for ``0 <= k < frames``.

    ``start``/``duration`` are the asset's extent in seconds (what fractions are of);
    ``rate`` None means no constant grid (variable rate): times snap to milliseconds.
    """

    start: Fraction
    duration: Fraction
    rate: Fraction | None = None
    origin: Fraction | None = None  # first frame's time; default: ``start``
    frames: int | None = None  # frame count; default: what fits in the extent

    @classmethod
    def for_asset(
        cls, duration: Fraction, rate: Fraction | None, facts: AssetFacts | None = None
    ) -> FrameGrid:
        """The grid of an asset from its probe facts (start, video start pts, frames)."""
        facts = facts or AssetFacts()
        video = facts.video
        origin = video.origin if video is not None else None
        frames = video.frames if video is not None and video.frames else None
        return cls(facts.start, duration, rate, origin, frames)

    def to_range(self, start_fraction: Fraction, end_fraction: Fraction) -> TimeRange | None:
        """The snapped range of ``[start_fraction, end_fraction]``; None if off the asset."""
        t0 = self.start + start_fraction * self.duration
        t1 = self.start + end_fraction * self.duration
        if self.rate is None or self.rate <= 0:
            return self._ms_range(t0, t1)
        origin = self.origin if self.origin is not None else self.start
        step = 1 / self.rate
        last = self.frames
        if last is None:
            last = math.floor((self.start + self.duration - origin) * self.rate)
        first = min(max(_nearest((t0 - origin) * self.rate), 0), last)
        end = min(max(_nearest((t1 - origin) * self.rate), 0), last)
        if end <= first:
            if first >= last:
                first = last - 1  # a range at the very end covers the last frame
            end = first + 1
        if first < 0 or end > last:
            return None  # an asset with no frame at all
        if origin == 0:
            return TimeRange(Time(first, step), Time(end - first, step))
        base = Time.exact(origin)
        return TimeRange.from_start_end(base + Time(first, step), base + Time(end, step))

    def _ms_range(self, t0: Fraction, t1: Fraction) -> TimeRange | None:
        lo = math.ceil(self.start * 1000)
        hi = math.floor((self.start + self.duration) * 1000)
        if hi <= lo:
            return None
        a = min(max(_nearest(t0 * 1000), lo), hi)
        b = min(max(_nearest(t1 * 1000), lo), hi)
        if b <= a:
            a, b = (a, a + 1) if a < hi else (hi - 1, hi)
        return TimeRange(Time(a, MS), Time(b - a, MS))


def to_ranges(spans: Iterable[tuple[Fraction, Fraction]], grid: FrameGrid) -> list[TimeRange]:
    """Snapped ranges of ``spans`` in order, duplicates (after snapping) dropped."""
    ranges: list[TimeRange] = []
    for a, b in spans:
        snapped = grid.to_range(a, b)
        if snapped is not None and snapped not in ranges:
            ranges.append(snapped)
    return ranges


def _nearest(value: Fraction) -> int:
    """Round half up: a boundary exactly between two frames goes to the later one."""
    return math.floor(value + Fraction(1, 2))

