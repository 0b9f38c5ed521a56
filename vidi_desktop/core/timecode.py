"""SMPTE timecode ↔ frame numbers, including 29.97/59.94 drop-frame.

Drop-frame skips the labels ``;00`` and ``;01`` (``;00``–``;03`` at 59.94) at the start of
every minute except each tenth, so the label tracks wall-clock time at NTSC rates. No frames
are dropped, only labels. Non-drop timecode simply counts ``nominal`` frames per second.

Labels are not wrapped at 24 hours unless asked (``wrap_24h``): frame → label stays one to
one, and a label past ``23:59:59:29`` reads back as the frame it was written from.
"""

from __future__ import annotations

import operator
import re
from fractions import Fraction

from vidi_desktop.core.rate import FrameRate

_TC_RE = re.compile(r"^\s*(-?)(\d+)[:.](\d{2})[:.](\d{2})([:;.,])(\d{2,})\s*$")


def _drop_count(rate: FrameRate) -> int:
    """Labels skipped each non-tenth minute: 2 at 29.97, 4 at 59.94."""
    return rate.nominal // 15


def _check_drop(rate: FrameRate, drop_frame: bool) -> None:
    if drop_frame and not rate.supports_drop_frame:
        raise ValueError(f"drop-frame timecode does not exist at {float(rate.value):.3f} fps")


def frames_per_day(rate: FrameRate | Fraction | str | int, drop_frame: bool = False) -> int:
    """Frames (labels) in 24 hours of timecode: 2,073,600 at 24; 2,589,408 at 29.97 DF."""
    fr = FrameRate.parse(rate)
    _check_drop(fr, drop_frame)
    per_hour = fr.nominal * 3600
    if drop_frame:
        per_hour -= _drop_count(fr) * 54
    return 24 * per_hour


def frames_to_timecode(
    frame: int,
    rate: FrameRate | Fraction | str | int,
    drop_frame: bool = False,
    *,
    wrap_24h: bool = False,
) -> str:
    """Label of ``frame`` (counted from 00:00:00:00): ``HH:MM:SS:FF``, or ``HH:MM:SS;FF`` for DF.

    Hours keep counting past 23 (``24:00:00:00``, ``100:00:00:00``) unless ``wrap_24h``
    makes the label roll over to ``00:00:00:00`` the way a timecode generator does. Frames
    take two digits, three from 101 frames per second on.
    """
    if isinstance(frame, bool):
        raise TypeError("frame must be an int, got bool")
    frame = operator.index(frame)
    fr = FrameRate.parse(rate)
    _check_drop(fr, drop_frame)
    if frame < 0:
        raise ValueError(f"timecode cannot show a negative frame number ({frame})")
    if wrap_24h:
        frame %= frames_per_day(fr, drop_frame)
    nominal = fr.nominal
    if drop_frame:
        drop = _drop_count(fr)
        per_10min = nominal * 600 - drop * 9
        per_min = nominal * 60 - drop
        tens, rem = divmod(frame, per_10min)
        frame += drop * 9 * tens
        if rem > drop:
            frame += drop * ((rem - drop) // per_min)
    ff = frame % nominal
    total_seconds = frame // nominal
    ss = total_seconds % 60
    mm = (total_seconds // 60) % 60
    hh = total_seconds // 3600
    sep = ";" if drop_frame else ":"
    width = max(2, len(str(nominal - 1)))
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:0{width}d}"


def timecode_to_frames(
    text: str,
    rate: FrameRate | Fraction | str | int,
    drop_frame: bool | None = None,
) -> int:
    """Frame number of a timecode label.

    ``drop_frame=None`` reads the separator: ``;`` (or ``,``) before the frames means
    drop-frame, as cameras and NLEs write it. Labels that drop-frame skips are refused.
    """
    fr = FrameRate.parse(rate)
    m = _TC_RE.match(text)
    if not m:
        raise ValueError(f"not a timecode: {text!r} (expected HH:MM:SS:FF)")
    neg, h, mi, s, sep, f = m.groups()
    if neg:
        raise ValueError(f"negative timecode {text!r}")
    hh, mm, ss, ff = int(h), int(mi), int(s), int(f)
    if drop_frame is None:
        drop_frame = sep in ";,"
    _check_drop(fr, drop_frame)
    nominal = fr.nominal
    if mm >= 60 or ss >= 60 or ff >= nominal:
        raise ValueError(f"timecode {text!r} is out of range at {nominal} frames per second")
    frames = ((hh * 60 + mm) * 60 + ss) * nominal + ff
    if drop_frame:
        drop = _drop_count(fr)
        if ss == 0 and ff < drop and mm % 10 != 0:
            raise ValueError(f"{text!r} does not exist in drop-frame timecode (label is skipped)")
        minutes = hh * 60 + mm
        frames -= drop * (minutes - minutes // 10)
    return frames


def is_drop_frame_label(text: str) -> bool:
    """True when a timecode string is written in the drop-frame style (``;`` before frames)."""
    m = _TC_RE.match(text)
    return bool(m) and m.group(5) in ";,"
