"""Frame numbers ↔ presentation times for any stream, constant or variable rate.

A container gives every frame a pts; sorted, they *are* the frames in display order. Mapping
through this table instead of ``frame / fps`` keeps variable-frame-rate footage (phones,
screen recordings, dropped frames) exact.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from vidi_desktop.core.rate import FrameRate, snap_rate
from vidi_desktop.core.time import Time


@dataclass(frozen=True, slots=True)
class FrameIndex:
    """Sorted presentation timestamps (ticks of ``time_base``), one per displayed frame."""

    pts: tuple[int, ...]
    time_base: Fraction
    keyframes: tuple[int, ...] = field(default=())  # frame numbers of keyframes, ascending

    def __post_init__(self) -> None:
        if any(b <= a for a, b in zip(self.pts, self.pts[1:], strict=False)):
            raise ValueError("frame pts must be strictly increasing")

    @classmethod
    def from_pts(
        cls,
        pts: Sequence[int],
        time_base: Fraction,
        keyframe_pts: Sequence[int] = (),
    ) -> FrameIndex:
        """Build from pts in any order (decode order is fine); duplicates are dropped."""
        ordered = tuple(sorted(set(pts)))
        key_set = set(keyframe_pts)
        keys = tuple(i for i, p in enumerate(ordered) if p in key_set)
        return cls(ordered, time_base, keys)

    def __len__(self) -> int:
        return len(self.pts)

    @property
    def start(self) -> Time:
        return Time(self.pts[0], self.time_base)

    def time_of(self, frame: int) -> Time:
        """Presentation time of ``frame`` (0-based)."""
        if not 0 <= frame < len(self.pts):
            raise IndexError(f"frame {frame} outside 0..{len(self.pts) - 1}")
        return Time(self.pts[frame], self.time_base)

    def frame_at(self, t: Time) -> int:
        """The frame on screen at ``t``: the last frame whose pts is ≤ t (clamped to the clip)."""
        ticks = t.rescale(self.time_base, "floor").ticks
        i = bisect.bisect_right(self.pts, ticks) - 1
        return min(max(i, 0), len(self.pts) - 1)

    def frame_of_pts(self, pts: int) -> int | None:
        """Frame number whose pts is exactly ``pts``, or None."""
        i = bisect.bisect_left(self.pts, pts)
        return i if i < len(self.pts) and self.pts[i] == pts else None

    def keyframe_at_or_before(self, frame: int) -> int:
        """Nearest keyframe at or before ``frame`` (0 when the table has none)."""
        i = bisect.bisect_right(self.keyframes, frame) - 1
        return self.keyframes[i] if i >= 0 else 0

    def constant_rate(
        self, hint: Fraction | None = None, tolerance_ticks: int = 1
    ) -> FrameRate | None:
        """The constant rate when every frame sits on a regular grid, else None (VFR).

        ``hint`` (the rate the container declares) is tried first: with a coarse time base
        and few frames 29.97 and 30 fit the same pts, and the declaration breaks the tie.
        ``tolerance_ticks`` absorbs the rounding of coarse time bases (Matroska's 1 ms ticks
        alternate 41/42 at 23.976).
        """
        n = len(self.pts)
        if n < 2:
            return FrameRate(snap_rate(hint)) if hint else None
        span = self.pts[-1] - self.pts[0]
        candidates = [snap_rate(hint)] if hint else []
        candidates.append(snap_rate((n - 1) / (span * self.time_base)))
        for rate in candidates:
            if rate > 0 and self._fits_grid(rate, tolerance_ticks):
                return FrameRate(rate)
        return None

    def _fits_grid(self, rate: Fraction, tolerance_ticks: int) -> bool:
        step = 1 / (rate * self.time_base)  # ticks per frame, exact
        first = self.pts[0]
        return all(abs(p - first - i * step) <= tolerance_ticks for i, p in enumerate(self.pts))
