"""What an exporter needs to know about one source file, read from the asset's probe facts.

``Asset.info`` is ``probe --json``: the frame rate as ``"num/den"`` (``null`` for variable
rate, then the average rate stands in, as NLEs conform VFR to it), the embedded start
timecode (``;`` = drop-frame), the exact start and duration, frame count, size, audio.
NLEs relink by source timecode, so every source in/out is ``start timecode + frame index``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.core.project import Asset
from vidi_desktop.core.rate import FrameRate, parse_fraction, snap_rate
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import (
    frames_to_timecode,
    is_drop_frame_label,
    timecode_to_frames,
)
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
        info: dict[str, Any] = asset.info or {}
        video = info.get("video") if isinstance(info.get("video"), dict) else None
        extent = asset.extent()
        if extent is None:
            raise ExportError(f"{asset.name}: duration unknown (probe the file again)")
        rate_text = (video or {}).get("rate") or (video or {}).get("average_rate")
        vfr = video is not None and not (video or {}).get("rate")
        try:
            if rate_text:
                exact = parse_fraction(rate_text)
                rate = FrameRate(snap_rate(exact) if vfr else exact)
            elif video is None:
                rate = FrameRate(Fraction(25))  # audio only: probe's timecode default
            else:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            raise ExportError(f"{asset.name}: frame rate unknown (probe the file again)") from None
        tc_text = str(info.get("start_timecode") or "00:00:00:00")
        drop = is_drop_frame_label(tc_text) and rate.supports_drop_frame
        try:
            tc_start = timecode_to_frames(tc_text, rate, drop_frame=drop)
        except ValueError:
            raise ExportError(f"{asset.name}: bad start timecode {tc_text!r}") from None
        duration_frames = extent.duration.seconds * rate.value
        frames = (video or {}).get("frames")
        if not isinstance(frames, int) or isinstance(frames, bool) or frames <= 0:
            frames = max(1, round(duration_frames))
        audio = [a for a in info.get("audio") or [] if isinstance(a, dict)]
        first_audio = audio[0] if audio else {}
        sar = _sar((video or {}).get("sar"))
        check_plausible(asset.name, video or {}, frames, sar)
        return cls(
            asset_id=asset.id,
            name=asset.name,
            path=asset.path,
            rate=rate,
            drop_frame=drop,
            tc_start=tc_start,
            start_time=extent.start.seconds,
            frames=frames,
            width=int((video or {}).get("width") or 1920),
            height=int((video or {}).get("height") or 1080),
            sar=sar,
            rotation=int((video or {}).get("rotation") or 0),
            has_video=video is not None,
            audio_channels=int(first_audio.get("channels") or 0),
            audio_rate=int(first_audio.get("sample_rate") or 48000),
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


MAX_SIDE = 32768  # beyond any camera or delivery format (16K is 15360 wide)
MAX_FRAMES = 2**31  # 2.3 years at 30 fps


def check_plausible(name: str, video: dict[str, Any], frames: int, sar: Fraction) -> None:
    """Refuse probe facts no real file has (a hand-edited project): they would size buffers."""
    for key in ("width", "height"):
        value = video.get(key)
        if value is None:
            continue
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or not 0 < value <= MAX_SIDE:
            shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "…"
            raise ExportError(
                f"{name}: the project says the picture {key} is {shown}, which no real file "
                "has (edited by hand?); analyze the file again"
            )
    if frames > MAX_FRAMES:
        raise ExportError(f"{name}: the project claims {frames} frames; analyze the file again")
    if not Fraction(1, 100) <= sar <= 100:
        raise ExportError(f"{name}: the project's pixel aspect {sar} is not a real one")


def _sar(value: object) -> Fraction:
    if not isinstance(value, str) or ":" not in value:
        return Fraction(1)
    try:
        sar = parse_fraction(value)
    except (ValueError, ZeroDivisionError):
        return Fraction(1)
    return sar if sar > 0 else Fraction(1)
