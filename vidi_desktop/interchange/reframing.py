"""Reframe suggestions (crop paths) onto the clips they cover, as keyframes per clip.

The payload class belongs to the reframing analyser and may not exist in this build, so it is
read by kind name and JSON shape, never imported: keyframes as ``[t_ms, x0, y0, x1, y1]`` or
objects with ``t_ms`` and corners or ``cx, cy, w, h``; ``aspect`` as ``"9:16"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from vidi_desktop.core.project import Suggestion
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Clip, Reframe, ReframeKey, Timeline

REFRAME_KIND = "reframe_path"

# Standard output sizes for reframed sequences, by aspect (width, height).
REFRAME_SIZES: dict[Fraction, tuple[int, int]] = {
    Fraction(9, 16): (1080, 1920),
    Fraction(1, 1): (1080, 1080),
    Fraction(4, 5): (1080, 1350),
    Fraction(16, 9): (1920, 1080),
    Fraction(4, 3): (1440, 1080),
}



def reframe_track(s: Suggestion) -> tuple[Fraction, list[tuple[int, float, float, float, float]]]:
    """``(aspect, [(t_ms, x0, y0, x1, y1), …])`` of a reframe suggestion, read from its JSON.

    The payload class lives with the reframing analyser; it is read by shape: keyframes as
    ``[t_ms, x0, y0, x1, y1]`` lists or objects with ``t_ms`` and either corners or
    ``cx, cy, w, h``; ``aspect`` as ``"9:16"``. :class:`ExportError` if unreadable.
    """
    data = s.payload.to_json()
    try:
        aspect_text = str(data.get("aspect") or "9:16").replace("/", ":")
        num, den = aspect_text.split(":")
        aspect = Fraction(int(num), int(den))
        keys = []
        for k in data.get("keyframes") or data.get("keys") or ():
            keys.append(_reframe_key(k))
    except (ValueError, TypeError, KeyError, ZeroDivisionError, AttributeError):
        raise ExportError(f"reframe suggestion {s.id}: keyframes not understood") from None
    if not keys:
        raise ExportError(f"reframe suggestion {s.id}: no keyframes")
    keys.sort()
    return aspect, keys


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
        aspect, track = reframe_track(s)
        for i, clip in enumerate(clips):
            if clip.source.asset_id != s.asset_id or clip.reframe is not None:
                continue
            keys = _keys_for_clip(clip, track)
            if keys:
                clips[i] = replace(clip, reframe=Reframe(aspect, tuple(keys), s.id))
                aspect_used = aspect_used or aspect
    if aspect_used is None:
        return timeline
    width, height = REFRAME_SIZES.get(aspect_used) or _size_for(aspect_used)
    return replace(timeline, clips=tuple(clips), width=width, height=height)


def _keys_for_clip(
    clip: Clip, track: Sequence[tuple[int, float, float, float, float]]
) -> list[ReframeKey]:
    """Keys inside the clip, plus interpolated ones at its first and last frame."""
    src = clip.source
    start_ms = Fraction(src.time_of(clip.first).seconds) * 1000
    end_ms = Fraction(src.time_of(clip.end - 1).seconds) * 1000
    if track[-1][0] < start_ms - 2000 or track[0][0] > end_ms + 2000:
        return []  # the path does not cover this clip
    frames_per_ms = src.rate.value / 1000

    def at(ms: Fraction) -> tuple[float, float, float, float]:
        if ms <= track[0][0]:
            return track[0][1:]
        for a, b in itertools.pairwise(track):
            if a[0] <= ms <= b[0]:
                w = float((ms - a[0]) / (b[0] - a[0])) if b[0] != a[0] else 0.0
                return tuple(x + (y - x) * w for x, y in zip(a[1:], b[1:], strict=True))  # type: ignore[return-value]
        return track[-1][1:]

    keys = [ReframeKey(0, *at(start_ms))]
    for t, *box in track:
        off = round((Fraction(t) - start_ms) * frames_per_ms)
        if 0 < off < clip.count - 1:
            keys.append(ReframeKey(off, *box))
    if clip.count > 1:
        keys.append(ReframeKey(clip.count - 1, *at(end_ms)))
    dedup: dict[int, ReframeKey] = {k.offset: k for k in keys}
    return [dedup[o] for o in sorted(dedup)]


def _size_for(aspect: Fraction) -> tuple[int, int]:
    if aspect >= 1:
        return 1920, max(2, round(1920 / aspect / 2) * 2)
    return 1080, max(2, round(1080 / aspect / 2) * 2)

