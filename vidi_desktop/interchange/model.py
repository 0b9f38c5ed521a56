"""The timeline every writer reads: clips and markers in whole frames, exact by construction.

Times are integers here. A clip is frames ``first … first + count - 1`` of one source file
(indices from the file's first frame; the source timecode adds the file's start timecode)
placed at ``record_in`` frames from the sequence start; the record timecode adds the
sequence's start (01:00:00:00 by default). Writers only format these numbers, so every
format agrees on every frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import TimeRange
from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.names import reel_name
from vidi_desktop.interchange.sources import SourceMedia


@dataclass(frozen=True, slots=True)
class Marker:
    """A note on a clip: ``offset`` source frames after its first frame, ``duration`` frames
    long (0 = a point). ``metadata`` travels as ``metadata["vidi"]`` where a format can hold
    it (OTIO; the XML formats keep the note text only)."""

    offset: int
    duration: int
    name: str
    note: str = ""
    color: str = "RED"
    kind: str = ""
    state: str = "accepted"
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReframeKey:
    """The crop window at ``offset`` source frames into the clip: normalized display
    coordinates ``x0, y0, x1, y1`` (origin top-left)."""

    offset: int
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @property
    def size(self) -> tuple[float, float]:
        return self.x1 - self.x0, self.y1 - self.y0


@dataclass(frozen=True, slots=True)
class Reframe:
    """A crop path over one clip (from a reframe suggestion), keys sorted by offset."""

    aspect: Fraction  # width / height of the crop, e.g. 9/16
    keys: tuple[ReframeKey, ...]
    suggestion_id: str = ""

    def window_at(self, offset: int) -> tuple[float, float, float, float]:
        """The crop window at ``offset``, linearly interpolated between keys."""
        keys = self.keys
        if offset <= keys[0].offset:
            k = keys[0]
            return k.x0, k.y0, k.x1, k.y1
        for a, b in itertools.pairwise(keys):
            if a.offset <= offset <= b.offset:
                span = b.offset - a.offset
                w = 0.0 if span == 0 else (offset - a.offset) / span
                return (
                    a.x0 + (b.x0 - a.x0) * w,
                    a.y0 + (b.y0 - a.y0) * w,
                    a.x1 + (b.x1 - a.x1) * w,
                    a.y1 + (b.y1 - a.y1) * w,
                )
        k = keys[-1]
        return k.x0, k.y0, k.x1, k.y1


@dataclass(frozen=True, slots=True)
class Clip:
    """Frames ``first … first + count - 1`` of ``source`` at ``record_in`` on the sequence."""

    source: SourceMedia
    first: int
    count: int
    record_in: int
    record_count: int
    name: str
    enabled: bool = True
    suggestion_id: str | None = None
    kind: str = "edit"
    state: str = "accepted"
    markers: tuple[Marker, ...] = ()
    reframe: Reframe | None = None

    @property
    def end(self) -> int:
        """First source frame after the clip."""
        return self.first + self.count

    @property
    def record_out(self) -> int:
        return self.record_in + self.record_count

    @property
    def source_range(self) -> TimeRange:
        """The container-time range of the clip's frames: frames ``first … end - 1``.

        For a variable-rate source these are frames of the NLE's grid (its declared rate),
        so a render shows what an NLE reading the export shows.
        """
        return self.source.range_of(self.first, self.end)

    def record_offset(self, source_offset: int) -> int:
        """Sequence frames after ``record_in`` of a point ``source_offset`` frames in."""
        return self.record_in + _convert(source_offset, self.source.rate, self.record_rate)

    # Set by the timeline that holds the clip (clips at another rate are conformed).
    record_rate: FrameRate = field(default=FrameRate(Fraction(25)), compare=False)
    # The source range the project gave, before frame rounding (VFR notes say how far the
    # cuts moved onto the NLE's grid).
    given_range: TimeRange | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Timeline:
    """An edit ready to be written: one video track of clips (and their audio)."""

    name: str
    rate: FrameRate
    drop_frame: bool
    start: int  # record frame number of the sequence's first frame (e.g. 01:00:00:00)
    width: int
    height: int
    clips: tuple[Clip, ...]
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> int:
        """Sequence length in frames."""
        return max((c.record_out for c in self.clips), default=0)

    @property
    def sources(self) -> tuple[SourceMedia, ...]:
        """Distinct source files in order of first use."""
        seen: dict[str, SourceMedia] = {}
        for c in self.clips:
            seen.setdefault(c.source.asset_id, c.source)
        return tuple(seen.values())

    def reels(self) -> dict[str, str]:
        """Asset id → unique CMX reel name (≤ 8 letters/digits)."""
        used: set[str] = set()
        return {s.asset_id: reel_name(s.name, used) for s in self.sources}

    def record_timecode(self, frame: int) -> str:
        """Record timecode of sequence frame ``frame`` (0 = the sequence's first frame)."""
        return frames_to_timecode(self.start + frame, self.rate, self.drop_frame)

    @property
    def audio_channels(self) -> int:
        return max((s.audio_channels for s in self.sources), default=0)

    @property
    def audio_rate(self) -> int:
        rates = [s.audio_rate for s in self.sources if s.audio_channels]
        return rates[0] if rates else 48000


def _convert(frames: int, src: FrameRate, dst: FrameRate) -> int:
    """A frame count at ``src`` expressed at ``dst`` (nearest frame; exact when equal)."""
    if src.value == dst.value:
        return frames
    value = Fraction(frames) * dst.value / src.value
    return int(value + Fraction(1, 2))


convert_frames = _convert
"""Public alias: frame counts between rates, rounded to the nearest frame."""
