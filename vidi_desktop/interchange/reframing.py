"""Reframe suggestions (crop paths) onto the clips they cover, as keyframes per clip.

A ``reframe_path`` payload (``core.project.ReframePath``) is read through its JSON, so any
payload of that kind and shape works: ``aspect`` ``"9:16"``, ``keyframes`` as
``[t_ms, x0, y0, x1, y1]`` windows (or objects with ``t_ms`` and corners or ``cx, cy, w, h``),
``cuts_ms`` where the window jumps instead of gliding, ``end_ms`` where it stops applying.
Between keyframes the window moves linearly; across a cut it holds, then jumps: a clip gets
a key on the frame before each cut and one on the cut, so NLE keyframes (linear between
keys) and the render show the same window on every frame.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from vidi_desktop.core.project import Suggestion
from vidi_desktop.core.project.model import ReframePath
from vidi_desktop.core.time import Time
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Clip, Reframe, ReframeKey, Timeline

REFRAME_KIND = ReframePath.kind

# Standard output sizes for reframed sequences, by aspect (width, height).
REFRAME_SIZES: dict[Fraction, tuple[int, int]] = {
    Fraction(9, 16): (1080, 1920),
    Fraction(1, 1): (1080, 1080),
    Fraction(4, 5): (1080, 1350),
    Fraction(16, 9): (1920, 1080),
    Fraction(4, 3): (1440, 1080),
}


@dataclass(frozen=True, slots=True)
class CropPath:
    """A reframe suggestion's path, read from its JSON."""

    aspect: Fraction
    keys: tuple[tuple[int, float, float, float, float], ...]
    cuts_ms: tuple[int, ...] = ()
    end_ms: int | None = None

    def window(self, ms: Fraction) -> tuple[float, float, float, float]:
        """The crop window at ``ms`` milliseconds (linear; held then jumping at cuts)."""
        keys = self.keys
        i = bisect.bisect_right([k[0] for k in keys], ms)
        if i == 0:
            return keys[0][1:]
        a = keys[i - 1]
        if i == len(keys) or a[0] == ms:
            return a[1:]
        b = keys[i]
        cut = next((c for c in self.cuts_ms if a[0] < c <= b[0]), None)
        if cut is not None:
            return a[1:] if ms < cut else b[1:]
        w = float((ms - a[0]) / (b[0] - a[0]))
        return (
            a[1] + (b[1] - a[1]) * w,
            a[2] + (b[2] - a[2]) * w,
            a[3] + (b[3] - a[3]) * w,
            a[4] + (b[4] - a[4]) * w,
        )


def read_crop_path(s: Suggestion) -> CropPath:
    """The crop path of a ``reframe_path`` suggestion; :class:`ExportError` if unreadable."""
    data = s.payload.to_json()
    try:
        aspect_text = str(data.get("aspect") or "9:16").replace("/", ":")
        num, den = aspect_text.split(":")
        aspect = Fraction(int(num), int(den))
        keys = sorted(_reframe_key(k) for k in data.get("keyframes") or data.get("keys") or ())
        cuts = tuple(sorted(int(c) for c in data.get("cuts_ms") or ()))
        end = data.get("end_ms")
        end_ms = None if end is None else int(end)
    except (ValueError, TypeError, KeyError, ZeroDivisionError, AttributeError):
        raise ExportError(f"reframe suggestion {s.id}: keyframes not understood") from None
    if not keys:
        raise ExportError(f"reframe suggestion {s.id}: no keyframes")
    return CropPath(aspect, tuple(keys), cuts, end_ms)


def _reframe_key(k: Any) -> tuple[int, float, float, float, float]:
    if isinstance(k, list | tuple):
        t, x0, y0, x1, y1 = k[:5]
    else:
        t = k["t_ms"]
        if "x0" in k:
            x0, y0, x1, y1 = k["x0"], k["y0"], k["x1"], k["y1"]
        else:
            cx, cy, w, h = k["cx"], k["cy"], k["w"], k["h"]
            x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    vals = [min(1.0, max(0.0, float(v))) for v in (x0, y0, x1, y1)]
    if vals[2] <= vals[0] or vals[3] <= vals[1]:
        raise ValueError("empty crop window")
    return int(t), vals[0], vals[1], vals[2], vals[3]


def attach_reframes(timeline: Timeline, suggestions: Sequence[Suggestion]) -> Timeline:
    """Crop paths onto the clips they cover; the sequence takes the crop's standard size."""
    if not suggestions:
        return timeline
    clips = list(timeline.clips)
    aspect_used: Fraction | None = None
    for s in suggestions:
        path = read_crop_path(s)
        for i, clip in enumerate(clips):
            if clip.source.asset_id != s.asset_id or clip.reframe is not None:
                continue
            keys = _keys_for_clip(clip, path)
            if keys:
                clips[i] = replace(clip, reframe=Reframe(path.aspect, tuple(keys), s.id))
                aspect_used = aspect_used or path.aspect
    if aspect_used is None:
        return timeline
    width, height = REFRAME_SIZES.get(aspect_used) or _size_for(aspect_used)
    return replace(timeline, clips=tuple(clips), width=width, height=height)


def _keys_for_clip(clip: Clip, path: CropPath) -> list[ReframeKey]:
    """Keys on the clip's first and last frame, at each keyframe, and around each cut."""
    src = clip.source

    def ms_of(frame: int) -> Fraction:
        return src.time_of(frame).seconds * 1000

    if path.end_ms is not None and ms_of(clip.first) >= path.end_ms:
        return []  # the path stops before this clip
    frames = {clip.first, clip.end - 1}
    for t, *_ in path.keys:
        frames.add(src.frame_at(_ms_time(t)))
    for c in path.cuts_ms:
        cut_frame = src.frame_at(_ms_time(c))
        frames.update((cut_frame - 1, cut_frame))
    inside = sorted(f for f in frames if clip.first <= f < clip.end)
    return [ReframeKey(f - clip.first, *path.window(ms_of(f))) for f in inside]


def _ms_time(ms: int) -> Time:
    return Time(ms, Fraction(1, 1000))


def _size_for(aspect: Fraction) -> tuple[int, int]:
    if aspect >= 1:
        return 1920, max(2, round(1920 / aspect / 2) * 2)
    return 1080, max(2, round(1080 / aspect / 2) * 2)
