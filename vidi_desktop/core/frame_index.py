"""Frame numbers ↔ presentation times for any stream, constant or variable rate.

A container gives every frame a pts; sorted, they *are* the frames in display order. Mapping
through this table instead of ``frame / fps`` keeps variable-frame-rate footage (phones,
screen recordings, dropped frames) exact.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from vidi_desktop.core.rate import FrameRate, parse_fraction, snap_rate
from vidi_desktop.core.time import Time


@dataclass(frozen=True, slots=True)
class FrameIndex:
    """Sorted presentation timestamps (ticks of ``time_base``), one per displayed frame."""

    pts: tuple[int, ...]
    time_base: Fraction
    keyframes: tuple[int, ...] = field(default=())  # frame numbers of keyframes, ascending

    def __post_init__(self) -> None:
        # Lists (from JSON) and numpy integers become a hashable tuple of plain ints.
        object.__setattr__(self, "pts", tuple(operator.index(p) for p in self.pts))
        object.__setattr__(self, "keyframes", tuple(operator.index(k) for k in self.keyframes))
        if not isinstance(self.time_base, Fraction):
            object.__setattr__(self, "time_base", parse_fraction(self.time_base))
        if self.time_base <= 0:
            raise ValueError(f"time base must be positive, got {self.time_base}")
        if any(b <= a for a, b in zip(self.pts, self.pts[1:], strict=False)):
            raise ValueError("frame pts must be strictly increasing")
        if any(b <= a for a, b in zip(self.keyframes, self.keyframes[1:], strict=False)):
            raise ValueError("keyframe numbers must be strictly increasing")
        if self.keyframes and (self.keyframes[0] < 0 or self.keyframes[-1] >= len(self.pts)):
            raise ValueError(f"keyframe numbers must lie in 0..{len(self.pts) - 1}")

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
        """Presentation time of the first frame."""
        if not self.pts:
            raise IndexError("an empty frame index has no start")
        return Time(self.pts[0], self.time_base)

    def time_of(self, frame: int) -> Time:
        """Presentation time of ``frame`` (0-based)."""
        if not 0 <= frame < len(self.pts):
            raise IndexError(f"frame {frame} outside 0..{len(self.pts) - 1}")
        return Time(self.pts[frame], self.time_base)

    def frame_at(self, t: Time) -> int:
        """The frame on screen at ``t``: the last frame whose pts is ≤ t (clamped to the clip).

        Before the first pts that is frame 0, after the last pts the last frame. ``t`` may be
        in any time base; the comparison is exact.
        """
        if not self.pts:
            raise IndexError("an empty frame index has no frames")
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
        self,
        hint: FrameRate | Fraction | int | str | None = None,
        tolerance_ticks: int = 1,
    ) -> FrameRate | None:
        """The constant rate when every frame sits on a regular grid, else None (VFR).

        ``hint`` (the rate the container declares) is tried first: with a coarse time base
        and few frames 29.97 and 30 fit the same pts, and the declaration breaks the tie.
        ``tolerance_ticks`` absorbs the rounding of coarse time bases (Matroska's 1 ms ticks
        alternate 41/42 at 23.976).
        """
        hint_rate = _hint_rate(hint)
        n = len(self.pts)
        if n < 2:
            return FrameRate(hint_rate) if hint_rate else None
        span = self.pts[-1] - self.pts[0]
        measured = (n - 1) / (span * self.time_base)
        # The declaration first; then the standard rates around the measured one, nearest
        # first (on a short clip in coarse ticks the measure is off by a tick or two, which can
        # be more than snap_rate's tolerance); then the simplest fraction near the measure and
        # the measure itself, for odd but regular grids (12.5 fps; 29.98 fps, whose rounded pts
        # measure 29.98002…, comes back as 1499/50).
        candidates = [hint_rate] if hint_rate else []
        candidates += [
            *_standard_rates_near(measured),
            measured.limit_denominator(100),
            measured,
        ]
        for rate in dict.fromkeys(candidates):
            if rate > 0 and self._fits_grid(rate, tolerance_ticks):
                return FrameRate(rate)
        return None

    def _fits_grid(self, rate: Fraction, tolerance_ticks: int) -> bool:
        step = 1 / (rate * self.time_base)  # ticks per frame, exact
        # |p - first - i*step| <= tol, multiplied through by step's denominator: integers only,
        # which keeps a 100,000-frame table fast.
        num, den = step.numerator, step.denominator
        first = self.pts[0]
        limit = tolerance_ticks * den
        return all(abs((p - first) * den - i * num) <= limit for i, p in enumerate(self.pts))


def _hint_rate(hint: FrameRate | Fraction | int | str | None) -> Fraction | None:
    """The declared rate, snapped to a standard one; None when absent, zero or invalid."""
    if hint is None:
        return None
    try:
        rate = FrameRate.parse(hint)
    except (ValueError, TypeError, ZeroDivisionError):
        return None  # a container's 0/0 or garbage declaration is no hint
    return snap_rate(rate.value)


def _standard_rates_near(rate: Fraction) -> list[Fraction]:
    """The whole rates either side of ``rate`` and their NTSC (×1000/1001) siblings."""
    low = max(1, int(rate))
    out = []
    for whole in (low, low + 1):
        out += [Fraction(whole), Fraction(whole * 1000, 1001)]
    return sorted(out, key=lambda c: abs(c - rate))
