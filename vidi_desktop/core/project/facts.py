"""An asset's probe facts as a typed, frozen value, parsed once from the project's JSON.

``Asset.info`` holds what ``probe --json`` wrote (the rate as ``"num/den"`` or ``null`` for
variable rate, exact seconds as ``"num/den"`` beside rounded floats, the start timecode,
picture size, SAR, rotation, audio streams). Every layer that needs one of those facts reads
it from :class:`AssetFacts` instead of the dictionary, so the rules live here once:

* a fact that is missing, or of a type probe never writes (``"n/a"`` for a rate), reads as
  unknown (``None``, or the neutral default named on the field) — older and hand-made
  projects keep opening;
* a fact that is a number no real file has (a width of ``1e9``, a 4,000-digit duration, a
  negative frame count, a rate of a million) raises :class:`AssetFactsError` (a
  ``ValueError``), which the project loader turns into a one-line ``ProjectError``: such
  values would otherwise size buffers or overflow floats far from where they were read.

Pure Python: no PyAV here (``media.probe`` writes the JSON, this module only reads it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.core.timecode import is_drop_frame_label

MAX_SIDE = 32768
"""Largest picture side accepted (16K is 15,360 wide)."""

MAX_FRAMES = 2**31
"""Largest frame count accepted (2.3 years at 30 fps)."""

MAX_SECONDS = Fraction(10**8)
"""Largest duration or start accepted, in seconds (over three years)."""

MAX_RATE = Fraction(10**5)
"""Largest frame rate accepted (high-speed cameras record thousands per second)."""

MAX_SAMPLE_RATE = 10**7
MAX_CHANNELS = 1024
MAX_PTS = 2**63

# A rational as probe writes it: an integer, a decimal or "num/den" ("num:den" for SAR).
# Exponents are refused on purpose: Fraction("1e999999") would build a million-digit number.
_RATIONAL_RE = re.compile(r"^\s*[-+]?\d+(\.\d+)?(\s*[/:]\s*[-+]?\d+)?\s*$")
_MAX_RATIONAL_CHARS = 64  # "30000/1001" is 10; 64 digits is already absurd for any fact


class AssetFactsError(ValueError):
    """A stored probe fact is a value no real file has (the message names the key)."""


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """The video stream: size, exact rates, frame count, pixel shape, orientation."""

    width: int | None = None
    height: int | None = None
    rate: Fraction | None = None  # None: variable (VFR) or unknown
    average_rate: Fraction | None = None
    declared_rate: Fraction | None = None  # what container/codec declare (VFR files: NLE rate)
    frames: int | None = None  # None: unknown; 0 when probe counted none
    sar: Fraction = Fraction(1)  # sample (pixel) aspect ratio; 1 when unknown
    rotation: int = 0  # degrees clockwise to turn the picture for display (0 ≤ r < 360)
    display_width: int | None = None  # upright, square-pixel size as probe computed it
    display_height: int | None = None
    codec: str | None = None
    pix_fmt: str | None = None
    time_base: Fraction | None = None
    start_pts: int | None = None  # first frame's pts, in ``time_base``

    @property
    def vfr(self) -> bool:
        """No constant rate is known (variable frame rate, or a rate that did not parse)."""
        return self.rate is None

    @property
    def origin(self) -> Fraction | None:
        """The first frame's time in seconds (``start_pts × time_base``), when both are known."""
        if self.start_pts is None or self.time_base is None:
            return None
        return self.start_pts * self.time_base


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """One audio stream."""

    stream_index: int | None = None
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    layout: str | None = None


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """Everything probe stored about an asset, typed; see the module notes for the rules.

    ``duration`` is exact seconds (None when unknown or not positive); ``start`` is the
    container time of the file's start (0 when unknown); ``start_timecode`` the embedded
    label (``;`` before the frames = drop-frame, see ``drop_frame``).
    """

    duration: Fraction | None = None
    start: Fraction = Fraction(0)
    start_timecode: str | None = None
    drop_frame: bool = False
    video: VideoFacts | None = None
    audio: tuple[AudioFacts, ...] = ()
    probed: bool = False  # the asset holds any probe facts at all

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def rate(self) -> Fraction | None:
        """The constant frame rate of the video (None: VFR, unknown or no video)."""
        return self.video.rate if self.video is not None else None

    @classmethod
    def from_info(cls, info: Mapping[str, Any] | None) -> AssetFacts:
        """Parse probe's JSON (``Asset.info``); :class:`AssetFactsError` on impossible values."""
        info = info if isinstance(info, Mapping) else {}
        duration = _first(info, ("duration_exact", "duration"), "info", MAX_SECONDS, signed=True)
        if duration is not None and duration <= 0:
            duration = None  # a zero or negative length is no extent: unknown
        start = _first(
            info, ("start_time_exact", "start_time", "start"), "info", MAX_SECONDS, signed=True
        )
        tc = info.get("start_timecode")
        tc = tc if isinstance(tc, str) and tc else None
        video = info.get("video")
        audio = info.get("audio")
        return cls(
            duration=duration,
            start=start if start is not None else Fraction(0),
            start_timecode=tc,
            drop_frame=tc is not None and is_drop_frame_label(tc),
            video=_video(video) if isinstance(video, Mapping) else None,
            audio=tuple(
                _audio(a, f"info.audio[{i}]")
                for i, a in enumerate(audio if isinstance(audio, list) else ())
                if isinstance(a, Mapping)
            ),
            probed=bool(info),
        )


def _video(v: Mapping[str, Any]) -> VideoFacts:
    where = "info.video"
    rotation = _whole(v.get("rotation"), f"{where}.rotation", -360, 360)
    sar = _positive(_rational(v.get("sar"), f"{where}.sar", Fraction(100)))  # 0:1 = unknown
    if sar is not None and sar < Fraction(1, 100):
        raise AssetFactsError(f"{where}.sar: {_short(v.get('sar'))} is no real pixel aspect")
    return VideoFacts(
        width=_side(v.get("width"), f"{where}.width"),
        height=_side(v.get("height"), f"{where}.height"),
        rate=_rate(v.get("rate"), f"{where}.rate"),
        average_rate=_rate(v.get("average_rate"), f"{where}.average_rate"),
        declared_rate=_rate(v.get("declared_rate"), f"{where}.declared_rate"),
        frames=_whole(v.get("frames"), f"{where}.frames", 0, MAX_FRAMES),
        sar=sar if sar is not None else Fraction(1),
        rotation=(rotation or 0) % 360,
        display_width=_side(v.get("display_width"), f"{where}.display_width"),
        display_height=_side(v.get("display_height"), f"{where}.display_height"),
        codec=_text(v.get("codec")),
        pix_fmt=_text(v.get("pix_fmt")),
        time_base=_positive(_rational(v.get("time_base"), f"{where}.time_base", Fraction(10**9))),
        start_pts=_whole(v.get("start_pts"), f"{where}.start_pts", -MAX_PTS, MAX_PTS),
    )


def _audio(a: Mapping[str, Any], where: str) -> AudioFacts:
    return AudioFacts(
        stream_index=_whole(a.get("stream_index"), f"{where}.stream_index", 0, 10**6),
        codec=_text(a.get("codec")),
        sample_rate=_whole(a.get("sample_rate"), f"{where}.sample_rate", 0, MAX_SAMPLE_RATE),
        channels=_whole(a.get("channels"), f"{where}.channels", 0, MAX_CHANNELS),
        layout=_text(a.get("layout")),
    )


# -- value readers ------------------------------------------------------------------------------


def _short(value: object) -> str:
    """A value as a message shows it: long ones cut (a 4,000-digit number is one line)."""
    if isinstance(value, int) and value.bit_length() > 96:
        # str() of a huge int is slow, and refused past 4,300 digits: count them instead.
        digits = int((abs(value).bit_length() - 1) * 0.30102999566) + 1
        digits += abs(value) >= 10**digits
        return f"a {digits}-digit number"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 24 else text[:24] + "…"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _whole(value: object, where: str, lo: int, hi: int) -> int | None:
    """An integer fact in ``[lo, hi]``; a whole float counts; other types are unknown."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise AssetFactsError(f"{where}: {_short(value)} is not a whole number")
    if not lo <= value <= hi:
        raise AssetFactsError(f"{where}: {_short(value)} is out of range ({lo}…{hi})")
    return int(value)


def _side(value: object, where: str) -> int | None:
    """A picture dimension in pixels; 0 reads as unknown."""
    side = _whole(value, where, 0, MAX_SIDE)
    return side or None


def _rational(
    value: object, where: str, limit: Fraction, *, signed: bool = False
) -> Fraction | None:
    """A rational fact (int, finite float, ``"num/den"``, ``"num:den"``, decimal) of magnitude
    at most ``limit``; text that is no number, a zero denominator or a wrong type read as
    unknown; a number too long or too large raises :class:`AssetFactsError`."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AssetFactsError(f"{where}: {_short(value)} is not a finite number")
        number = Fraction(repr(value))
    elif isinstance(value, int):
        number = Fraction(value)
    elif isinstance(value, str):
        if not _RATIONAL_RE.match(value):
            return None
        if len(value) > _MAX_RATIONAL_CHARS:
            raise AssetFactsError(f"{where}: {_short(value)} has too many digits")
        num, _, den = value.replace(":", "/").partition("/")
        try:
            number = Fraction(num.strip()) / Fraction(den.strip() or 1)
        except ZeroDivisionError:
            return None
    else:
        return None
    if abs(number) > limit:
        raise AssetFactsError(f"{where}: {_short(value)} is too large (at most {limit})")
    if not signed and number < 0:
        raise AssetFactsError(f"{where}: {_short(value)} is negative")
    return number


def _positive(value: Fraction | None) -> Fraction | None:
    return value if value is not None and value > 0 else None


def _rate(value: object, where: str) -> Fraction | None:
    """A frame rate: positive (0 reads as unknown), at most :data:`MAX_RATE`."""
    return _positive(_rational(value, where, MAX_RATE))


def _first(
    info: Mapping[str, Any], keys: tuple[str, ...], where: str, limit: Fraction, *, signed: bool
) -> Fraction | None:
    """The first of ``keys`` that holds a readable number (exact keys come first)."""
    for key in keys:
        value = _rational(info.get(key), f"{where}.{key}", limit, signed=signed)
        if value is not None:
            return value
    return None
