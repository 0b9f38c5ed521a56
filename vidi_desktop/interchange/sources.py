"""What an exporter needs to know about one source file, read from the asset's probe facts.

``Asset.facts`` is ``probe --json`` parsed: the exact frame rate (``None`` for variable
rate, then the average rate stands in, as NLEs conform VFR to it), the embedded start
timecode (``;`` = drop-frame), the exact start and duration, frame count, size, audio.
NLEs relink by source timecode, so every source in/out is ``start timecode + frame index``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import Asset, AudioFacts
from vidi_desktop.core.rate import FrameRate, snap_rate
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import frames_to_timecode, timecode_to_frames
from vidi_desktop.interchange.errors import ExportError

# A range boundary within this many seconds of a frame start means that frame: model output
# and subtitle cues are rounded to milliseconds.
SNAP_SECONDS = Fraction(1, 1000)


@dataclass(frozen=True, slots=True)
class SourceMedia:
    """One asset as an exporter sees it; frame indices count from the file's first frame."""

    asset_id: str
    name: str
    path: str
    rate: FrameRate
    drop_frame: bool
    tc_start: int  # frame number of the embedded start timecode (0 without one)
    start_time: Fraction  # container time of the first frame, seconds
    frames: int
    width: int
    height: int
    sar: Fraction
    rotation: int
    has_video: bool
    audio_channels: int
    audio_rate: int
    vfr: bool

    @classmethod
    def from_asset(cls, asset: Asset) -> SourceMedia:
        """Read the probe facts of ``asset``; :class:`ExportError` when they are unusable."""
        facts = asset.facts
        video = facts.video
        if facts.duration is None:
            raise ExportError(f"{asset.name}: duration unknown (probe the file again)")
        vfr = video is not None and video.vfr
        if video is None:
            rate = FrameRate(Fraction(25))  # audio only: probe's timecode default
        elif video.rate is not None:
            rate = FrameRate(video.rate)
        elif video.average_rate is not None:
            rate = FrameRate(snap_rate(video.average_rate))  # VFR: NLEs conform to it
        else:
            raise ExportError(f"{asset.name}: frame rate unknown (probe the file again)")
        tc_text = facts.start_timecode or "00:00:00:00"
        drop = facts.drop_frame and rate.supports_drop_frame
        try:
            tc_start = timecode_to_frames(tc_text, rate, drop_frame=drop)
        except ValueError:
            raise ExportError(f"{asset.name}: bad start timecode {tc_text!r}") from None
        frames = video.frames if video is not None and video.frames else None
        if frames is None:
            frames = max(1, round(facts.duration * rate.value))
        first_audio = facts.audio[0] if facts.audio else AudioFacts()
        return cls(
            asset_id=asset.id,
            name=asset.name,
            path=asset.path,
            rate=rate,
            drop_frame=drop,
            tc_start=tc_start,
            start_time=facts.start,
            frames=frames,
            width=(video.width if video else None) or 1920,
            height=(video.height if video else None) or 1080,
            sar=video.sar if video else Fraction(1),
            rotation=video.rotation if video else 0,
            has_video=video is not None,
            audio_channels=first_audio.channels or 0,
            audio_rate=first_audio.sample_rate or 48000,
            vfr=vfr,
        )

    # -- sizes --------------------------------------------------------------------------
    @property
    def display_size(self) -> tuple[int, int]:
        """Upright, square-pixel size (SAR applied to the width, then rotation)."""
        w = round(self.width * self.sar)
        w, h = (self.height, w) if self.rotation in (90, 270) else (w, self.height)
        return w, h

    # -- time ---------------------------------------------------------------------------
    def frame_at(self, t: Time) -> int:
        """Index of the first frame that starts at or after ``t`` (within 1 ms of a start
        counts as that start), so a range covers the frames whose start lies inside it."""
        # x = (t - start) × rate as one integer fraction N / D: Fraction arithmetic would
        # cost ~50 µs a call, which matters at thousands of events.
        a, b = t.time_base.numerator, t.time_base.denominator
        c, d = self.start_time.numerator, self.start_time.denominator
        p, q = self.rate.value.numerator, self.rate.value.denominator
        n = (t.ticks * a * d - c * b) * p
        den = b * d * q
        nearest = (2 * n + den) // (2 * den)
        # |x - nearest| frames × q/p seconds per frame ≤ 1/1000 s
        if 1000 * abs(n - nearest * den) * q <= den * p:
            return nearest
        return -((-n) // den)

    def frames_of(self, r: TimeRange) -> tuple[int, int]:
        """``(first, end_exclusive)`` frame indices a source range covers."""
        return self.frame_at(r.start), self.frame_at(r.end_exclusive)

    def time_of(self, frame: int) -> Time:
        """Container time of frame ``frame`` (constant-rate model)."""
        seconds = self.start_time + Fraction(frame) * self.rate.frame_duration
        return Time(seconds.numerator, Fraction(1, seconds.denominator))

    def range_of(self, first: int, end: int) -> TimeRange:
        """The exact source range of frames ``first`` … ``end - 1``."""
        return TimeRange.from_start_end(self.time_of(first), self.time_of(end))

    def timecode(self, frame: int) -> str:
        """Source timecode label of frame index ``frame`` (DF stays DF)."""
        return frames_to_timecode(self.tc_start + frame, self.rate, self.drop_frame)

    @property
    def extent_seconds(self) -> tuple[Fraction, Fraction]:
        """First frame's time and the end of the last frame, seconds."""
        end = self.start_time + Fraction(self.frames) * self.rate.frame_duration
        return self.start_time, end

