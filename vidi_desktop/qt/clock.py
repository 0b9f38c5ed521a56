"""An asset's clock as the views show it: frames, the frame grid, source timecode.

Positions in the GUI are exact seconds on the asset's own clock (see :mod:`.session`).
Editors read them as the source timecode an NLE would show for that frame: the embedded
start timecode plus the frame index, drop-frame kept as drop-frame. The facts come from the
asset's probe JSON through :class:`~vidi_desktop.interchange.sources.SourceMedia`, the same
reading the exporters use, so a timecode on screen is the one an exported EDL carries.

One rule from time to frame for the review list, seeking and every export:
:meth:`AssetClock.frame_at` is the exporters' own rule
(:func:`~vidi_desktop.interchange.sources.frame_of_offset`): a range boundary falls on the
first frame starting at or after it (within 1 ms), on a variable-rate file the nearest frame
of the NLE's grid. :meth:`AssetClock.seek_time` is where the player must look to show that
frame. Only the pointer on the ruler asks another question — which frame's span holds this
x — answered by :meth:`AssetClock.snap`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import Asset
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.sources import frame_of_offset

_FALLBACK_RATE = FrameRate(Fraction(25))
_SNAP = Fraction(1, 1000)


@dataclass(frozen=True, slots=True)
class AssetClock:
    """Frame rate, first-frame time, start timecode and length of one asset."""

    rate: FrameRate
    drop_frame: bool
    tc_start: int  # frame number of the start timecode
    start: Fraction  # seconds of the first frame on the asset's clock
    duration: Fraction  # seconds (0 when unknown)
    vfr: bool = False  # variable rate: frames on the NLE's grid at ``rate``
    known: bool = True  # False: the 25 fps stand-in for an asset without usable facts

    @classmethod
    def of(cls, asset: Asset | None) -> AssetClock:
        """The clock of ``asset``; 25 fps from 00:00:00:00 when its facts are unusable."""
        if asset is None:
            return cls(_FALLBACK_RATE, False, 0, Fraction(0), Fraction(0), known=False)
        from vidi_desktop.interchange.errors import ExportError
        from vidi_desktop.interchange.sources import SourceMedia

        extent = asset.extent()
        try:
            src = SourceMedia.from_asset(asset)
        except ExportError:
            start = extent.start.seconds if extent else Fraction(0)
            duration = extent.duration.seconds if extent else Fraction(0)
            return cls(_FALLBACK_RATE, False, 0, start, duration, known=False)
        assert extent is not None  # from_asset refuses an asset without a duration
        return cls(
            src.rate, src.drop_frame, src.tc_start, src.start_time, extent.duration.seconds,
            src.vfr,
        )

    @property
    def end(self) -> Fraction:
        """Seconds just past the last frame."""
        return self.start + self.duration

    @property
    def frame_duration(self) -> Fraction:
        return self.rate.frame_duration

    def frame_at(self, seconds: Fraction | float) -> int:
        """The frame a moment falls on, counted from the first frame, by the exporters'
        rule (see the module docstring): a frame start, or within 1 ms of one, is that
        frame; any other moment of a constant-rate file the next frame."""
        x = (Fraction(seconds) - self.start) * self.rate.value
        return frame_of_offset(x.numerator, x.denominator, self.rate, self.vfr)

    def time_of(self, frame: int) -> Fraction:
        """Exact seconds where frame ``frame`` starts."""
        return self.start + frame * self.rate.frame_duration

    def seek_time(self, seconds: Fraction | float) -> Fraction:
        """Where the player looks to show the frame ``seconds`` falls on (:meth:`frame_at`):
        the middle of that frame's period, so the frame on screen there is the one the
        exports put at ``seconds`` — on a variable-rate file, the picture an NLE shows at
        that frame of its grid. The 25 fps stand-in of an asset without facts changes
        nothing."""
        if not self.known:
            return Fraction(seconds)
        return self.time_of(self.frame_at(seconds)) + self.rate.frame_duration / 2

    def snap(self, seconds: Fraction | float) -> Fraction:
        """Start of the frame whose span holds ``seconds`` (the pointer on the ruler),
        clamped into the asset."""
        x = (Fraction(seconds) - self.start) * self.rate.value
        frame = math.floor(x)
        if abs(x - round(x)) * self.rate.frame_duration <= _SNAP:
            frame = round(x)  # as frame_at: a frame start rounded to the millisecond
        last = max(0, math.ceil(self.duration * self.rate.value) - 1) if self.duration else None
        frame = max(0, frame if last is None else min(frame, last))
        return self.time_of(frame)

    def timecode_of_frame(self, frame: int) -> str:
        """Source timecode label of frame index ``frame`` (negative frames show as the start)."""
        return frames_to_timecode(self.tc_start + max(0, frame), self.rate, self.drop_frame)

    def timecode(self, seconds: Fraction | float) -> str:
        """Source timecode of the frame on screen at ``seconds``."""
        return self.timecode_of_frame(self.frame_at(seconds))
