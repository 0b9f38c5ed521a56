"""What an exporter needs to know about one source file, read from the asset's probe facts.

``Asset.facts`` is ``probe --json`` parsed: the frame rate (``None`` for variable rate), the
embedded start timecode (``;`` = drop-frame), the exact start and duration, frame count, size,
audio streams. NLEs relink by source timecode, so every source in/out is ``start timecode +
frame index``.

A variable-rate file (phone footage, screen recordings) is exported at the rate an NLE gives
it: the rate the container or codec declares, snapped to the nearest standard editing rate
(:func:`nle_rate`) — never the average, which no NLE offers (15.984 fps is not a timeline
rate). Frame ``n`` is then the picture on screen ``n`` frames of that rate after the file's
start, and a cut at a true time lands on the nearest frame of that grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import Asset
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import frames_to_timecode, timecode_to_frames
from vidi_desktop.interchange.errors import ExportError

NLE_RATES: tuple[Fraction, ...] = tuple(
    Fraction(n) * k
    for n in (24, 25, 30, 48, 50, 60, 100, 120)
    for k in ((Fraction(1000, 1001), Fraction(1)) if n % 24 == 0 or n % 30 == 0 else (1,))
)
"""The timeline rates NLEs offer (23.976 … 120), NTSC siblings included."""

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
    audio_channels: int  # channels of the first audio stream (0 = no audio)
    audio_rate: int
    vfr: bool
    # Channels of every audio stream in file order, and their container stream indices.
    audio_streams: tuple[int, ...] = ()
    audio_stream_indices: tuple[int, ...] = ()
    # Variable rate: the measured average, and whether the file declared a rate (else the
    # average was snapped to a standard rate, for projects probed before that was kept).
    average_rate: Fraction | None = None
    rate_declared: bool = True

    @classmethod
    def from_asset(cls, asset: Asset) -> SourceMedia:
        """Read the probe facts of ``asset``; :class:`ExportError` when they are unusable."""
        facts = asset.facts
        video = facts.video
        if facts.duration is None:
            raise ExportError(f"{asset.name}: duration unknown (probe the file again)")
        vfr = video is not None and video.vfr
        declared = video.declared_rate if video is not None else None
        average = video.average_rate if video is not None else None
        if video is None:
            rate = FrameRate(Fraction(25))  # audio only: probe's timecode default
        elif video.rate is not None:
            rate = FrameRate(video.rate)
        elif declared or average:
            rate = FrameRate(nle_rate(declared or average))  # type: ignore[arg-type]
        else:
            raise ExportError(f"{asset.name}: frame rate unknown (probe the file again)")
        tc_text = facts.start_timecode or "00:00:00:00"
        drop = facts.drop_frame and rate.supports_drop_frame
        try:
            tc_start = timecode_to_frames(tc_text, rate, drop_frame=drop)
        except ValueError:
            raise ExportError(f"{asset.name}: bad start timecode {tc_text!r}") from None
        frames = video.frames if video is not None and video.frames else None
        if vfr or frames is None:
            # A variable-rate file lasts its duration on the NLE's grid, not its frame count.
            frames = max(1, round(facts.duration * rate.value))
        audio = [a for a in facts.audio if (a.channels or 0) > 0]
        first_audio = audio[0] if audio else None
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
            audio_channels=(first_audio.channels or 0) if first_audio else 0,
            audio_rate=(first_audio.sample_rate or 48000) if first_audio else 48000,
            vfr=vfr,
            audio_streams=tuple(a.channels or 0 for a in audio),
            audio_stream_indices=tuple(
                -1 if a.stream_index is None else a.stream_index for a in audio
            ),
            average_rate=average if vfr else None,
            rate_declared=not vfr or declared is not None,
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
        counts as that start), so a range covers the frames whose start lies inside it.

        Variable rate: the nearest frame of the NLE's grid (a true cut time rarely falls on
        it; the nearest frame keeps every cut within half a frame). The rule itself is
        :func:`frame_of_offset`, which the window's clock uses too."""
        # x = (t - start) × rate as one integer fraction N / D: Fraction arithmetic would
        # cost ~50 µs a call, which matters at thousands of events.
        a, b = t.time_base.numerator, t.time_base.denominator
        c, d = self.start_time.numerator, self.start_time.denominator
        p, q = self.rate.value.numerator, self.rate.value.denominator
        return frame_of_offset((t.ticks * a * d - c * b) * p, b * d * q, self.rate, self.vfr)

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

    def shown_at(self, frame: int) -> Fraction:
        """Container seconds whose frame on screen is the picture an NLE shows at frame
        ``frame``: the middle of the frame's period on the grid (as the renderer and the
        window's Edit view pick a variable-rate file's frames; for a constant-rate file the
        frame itself, whatever the rounding of its stored time stamps)."""
        return self.start_time + (Fraction(frame) + Fraction(1, 2)) * self.rate.frame_duration

    def timecode(self, frame: int) -> str:
        """Source timecode label of frame index ``frame`` (DF stays DF)."""
        return frames_to_timecode(self.tc_start + frame, self.rate, self.drop_frame)

    @property
    def extent_seconds(self) -> tuple[Fraction, Fraction]:
        """First frame's time and the end of the last frame, seconds."""
        end = self.start_time + Fraction(self.frames) * self.rate.frame_duration
        return self.start_time, end


def frame_of_offset(n: int, den: int, rate: FrameRate, vfr: bool) -> int:
    """The one rule from time to frame (exports, the review list, seeking): the frame of a
    moment ``n / den`` frame periods after the file's first frame.

    Constant rate: the first frame that starts at or after it, a frame start within 1 ms
    counting as that start (model output and subtitle cues are rounded to milliseconds), so
    a range ``[start, end)`` covers the frames whose start lies inside it. Variable rate:
    the nearest frame of the NLE's grid (see :class:`SourceMedia`). ``den`` > 0.
    """
    nearest = (2 * n + den) // (2 * den)
    if vfr:
        return nearest
    p, q = rate.value.numerator, rate.value.denominator
    # |x - nearest| frames × q/p seconds per frame ≤ 1/1000 s
    if 1000 * abs(n - nearest * den) * q <= den * p:
        return nearest
    return -((-n) // den)


def nle_rate(declared: Fraction) -> Fraction:
    """The standard editing rate nearest to ``declared`` (relative distance), e.g. a phone's
    declared 30 stays 30, a container's 2997/100 becomes 30000/1001."""
    if declared <= 0:
        raise ValueError("rate must be positive")
    return min(NLE_RATES, key=lambda r: abs(r - declared) / r)
