"""An asset's clock as the views show it: frames, the frame grid, source timecode.

Positions in the GUI are exact seconds on the asset's own clock (see :mod:`.session`).
Editors read them as the source timecode an NLE would show for that frame: the embedded
start timecode plus the frame index, drop-frame kept as drop-frame. The facts come from the
asset's probe JSON through :class:`~vidi_desktop.interchange.sources.SourceMedia`, the same
reading the exporters use, so a timecode on screen is the one an exported EDL carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import Asset
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.timecode import frames_to_timecode

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

    @classmethod
    def of(cls, asset: Asset | None) -> AssetClock:
        """The clock of ``asset``; 25 fps from 00:00:00:00 when its facts are unusable."""
        if asset is None:
            return cls(_FALLBACK_RATE, False, 0, Fraction(0), Fraction(0))
        from vidi_desktop.interchange.errors import ExportError
        from vidi_desktop.interchange.sources import SourceMedia

        extent = asset.extent()
        try:
            src = SourceMedia.from_asset(asset)
        except ExportError:
            start = extent.start.seconds if extent else Fraction(0)
            duration = extent.duration.seconds if extent else Fraction(0)
            return cls(_FALLBACK_RATE, False, 0, start, duration)
        assert extent is not None  # from_asset refuses an asset without a duration
        return cls(src.rate, src.drop_frame, src.tc_start, src.start_time, extent.duration.seconds)

    @property
    def end(self) -> Fraction:
        """Seconds just past the last frame."""
        return self.start + self.duration

    @property
    def frame_duration(self) -> Fraction:
        return self.rate.frame_duration

    def frame_at(self, seconds: Fraction | float) -> int:
        """Index of the frame on screen at ``seconds`` (counted from the first frame).

        Within 1 ms of a frame start counts as that start: model output and subtitle cues
        are rounded to milliseconds, and their frame is the one an exporter would use.
        """
        if isinstance(seconds, float):
            x = (seconds - float(self.start)) * float(self.rate.value)
            nearest = round(x)
            if abs(x - nearest) * float(self.rate.frame_duration) <= 0.001:
                return nearest
            return math.floor(x)
        x = (Fraction(seconds) - self.start) * self.rate.value
        nearest = round(x)
        if abs(x - nearest) * self.rate.frame_duration <= _SNAP:
            return nearest
        return math.floor(x)

    def time_of(self, frame: int) -> Fraction:
        """Exact seconds where frame ``frame`` starts."""
        return self.start + frame * self.rate.frame_duration

    def snap(self, seconds: Fraction | float) -> Fraction:
        """Start of the frame on screen at ``seconds``, clamped into the asset."""
        frame = self.frame_at(seconds)
        last = max(0, math.ceil(self.duration * self.rate.value) - 1) if self.duration else None
        frame = max(0, frame if last is None else min(frame, last))
        return self.time_of(frame)

    def timecode_of_frame(self, frame: int) -> str:
        """Source timecode label of frame index ``frame`` (negative frames show as the start)."""
        return frames_to_timecode(self.tc_start + max(0, frame), self.rate, self.drop_frame)

    def timecode(self, seconds: Fraction | float) -> str:
        """Source timecode of the frame on screen at ``seconds``."""
        return self.timecode_of_frame(self.frame_at(seconds))
