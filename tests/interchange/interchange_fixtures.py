"""Helpers for interchange tests: projects built with core.project (no media for text formats).

``asset_info`` writes the dict probe would give a file; ``RATE_CASES`` are the nine rates the
issue lists, each with a start timecode that stresses the edges (an hour boundary two frames
in, or a round hour).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from vidi_desktop.core.project import Asset
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.timecode import timecode_to_frames

# name, rate, drop-frame, embedded start timecode of the source
RATE_CASES: list[tuple[str, Fraction, bool, str]] = [
    ("23.976", Fraction(24000, 1001), False, "01:00:00:00"),
    ("24", Fraction(24), False, "00:59:59:22"),
    ("25", Fraction(25), False, "01:00:00:00"),
    ("29.97DF", Fraction(30000, 1001), True, "00:59:59;28"),
    ("29.97NDF", Fraction(30000, 1001), False, "01:00:00:00"),
    ("30", Fraction(30), False, "00:59:59:28"),
    ("50", Fraction(50), False, "01:00:00:00"),
    ("59.94DF", Fraction(60000, 1001), True, "00:59:59;56"),
    ("60", Fraction(60), False, "01:00:00:00"),
]


def frac(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def asset_info(
    rate: Fraction,
    frames: int,
    start_timecode: str = "00:00:00:00",
    *,
    audio_channels: int = 2,
    width: int = 1920,
    height: int = 1080,
    start_time: Fraction = Fraction(0),
    sar: str = "1:1",
    rotation: int = 0,
) -> dict[str, Any]:
    """The ``info`` dict of an asset, shaped like ``probe --json``."""
    duration = Fraction(frames) / rate
    return {
        "duration": float(duration),
        "start_time": float(start_time),
        "start_timecode": start_timecode,
        "duration_exact": frac(duration),
        "start_time_exact": frac(start_time),
        "video": {
            "codec": "h264",
            "width": width,
            "height": height,
            "rate": frac(rate),
            "frames": frames,
            "sar": sar,
            "rotation": rotation,
        },
        "audio": (
            [{"codec": "aac", "sample_rate": 48000, "channels": audio_channels}]
            if audio_channels
            else []
        ),
    }


def make_asset(
    rate: Fraction, frames: int, start_timecode: str = "00:00:00:00",
    path: str = "/Volumes/Media/A001C003_230101_R1AB.mov", **kwargs: Any,
) -> Asset:
    return Asset.new(path, 1000, 0, info=asset_info(rate, frames, start_timecode, **kwargs))


def edge_ranges(rate: Fraction, drop: bool, start_tc: str) -> tuple[int, list[tuple[int, int]]]:
    """``(frames in the file, [(first, end), …])`` stressing the timecode edges.

    First and last frame, one-frame ranges, ranges across the first drop-frame minute
    boundary (01:01:00;02), a ten-minute boundary (no labels dropped there) and minute 11,
    and one range longer than a minute so the record side crosses a minute as well.
    """
    fr = FrameRate(rate)
    sep = ";" if drop else ":"
    s = timecode_to_frames(start_tc, fr, drop_frame=drop)

    def at(label: str) -> int:
        return timecode_to_frames(label.replace("|", sep), fr, drop_frame=drop) - s

    first_label = 2 if drop else 0
    m1 = at(f"01:01:00|{first_label * (fr.nominal // 30):02d}")
    m10 = at("01:10:00|00")
    m11 = at(f"01:11:00|{first_label * (fr.nominal // 30):02d}")
    total = m11 + fr.nominal * 90
    minute = fr.nominal * 60
    ranges = [
        (0, 1),
        (1, 4),
        (m1 - 3, m1 + 3),
        (m1 + 10, m1 + 11),
        (m1 + 20, m1 + 20 + minute + 3),
        (m10 - 2, m10 + 2),
        (m11 - 1, m11 + 1),
        (m11 + 5, m11 + 6),
        (total - 1, total),
    ]
    return total, ranges
