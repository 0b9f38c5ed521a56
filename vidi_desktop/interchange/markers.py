"""Suggestions as markers on the clips that hold them: name, note, colour, ``metadata["vidi"]``.

A marker sits on every clip that contains the start of its suggestion's extent (the same
material used twice gets two markers), ``offset`` source frames into the clip. Its name,
colour and spans come from the payload and its kind's description (``core.project.kinds``).
Its metadata carries the whole suggestion — tube boxes, the request that produced it,
confidence — for formats that keep metadata (OTIO); the XML formats keep the name and the
note text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from vidi_desktop.core.project import ReviewState, Suggestion
from vidi_desktop.core.project.kinds import kind_info
from vidi_desktop.core.time import Time
from vidi_desktop.interchange.model import Marker, Timeline


def attach_markers(timeline: Timeline, suggestions: Sequence[Suggestion]) -> Timeline:
    """Markers on every clip holding the start of each suggestion's extent."""
    if not suggestions:
        return timeline
    sources = {c.source.asset_id: c.source for c in timeline.clips}
    # Each anchor in frames once, sorted per asset: clips then find theirs by bisection.
    anchors: dict[str, list[tuple[int, int, int, Suggestion]]] = {}
    for n, s in enumerate(suggestions):
        src = sources.get(s.asset_id)
        if src is None:
            continue
        for start, duration in _anchors(s):
            f = src.frame_at(start)
            end = src.frame_at(start + duration) if duration.ticks else f
            anchors.setdefault(s.asset_id, []).append((f, n, end, s))
    for items in anchors.values():
        items.sort(key=lambda a: (a[0], a[1]))
    keys = {asset: [a[0] for a in items] for asset, items in anchors.items()}
    clips = []
    placed: set[str] = set()
    for clip in timeline.clips:
        items = anchors.get(clip.source.asset_id)
        if not items:
            clips.append(clip)
            continue
        starts = keys[clip.source.asset_id]
        lo = bisect.bisect_left(starts, clip.first)
        hi = bisect.bisect_left(starts, clip.end)
        extra = []
        for f, _, end, s in items[lo:hi]:
            extra.append(_marker(s, f - clip.first, max(0, min(end, clip.end) - f)))
            placed.add(s.id)
        if extra:
            clip = replace(clip, markers=clip.markers + tuple(extra))
        clips.append(clip)
    dropped = len({s.id for s in suggestions} - placed)
    warnings = timeline.warnings
    if dropped:
        warnings += (f"{dropped} marker suggestion(s) fall outside the exported clips",)
    return replace(timeline, clips=tuple(clips), warnings=warnings)


def _anchors(s: Suggestion) -> list[tuple[Time, Time]]:
    """Start and duration of each marker a suggestion makes (answers may have several)."""
    return [(r.start, r.duration) for r in s.payload.marker_spans()]


def _marker(s: Suggestion, offset: int, duration: int) -> Marker:
    name = s.label or s.payload.marker_name()
    if s.state is not ReviewState.ACCEPTED:
        name = f"[{s.state.value}] {name}"
    note_parts = [f"{s.kind} from {s.source}"]
    if s.confidence is not None:
        note_parts.append(f"confidence {s.confidence:.2f}")
    if s.request:
        note_parts.append(f"request: {s.request}")
    meta: dict[str, Any] = {
        "suggestion_id": s.id,
        "kind": s.kind,
        "state": s.state.value,
        "source": s.source,
        "confidence": s.confidence,
        "label": s.label,
        "request": s.request,
        "payload": s.payload.to_json(),
    }
    return Marker(
        offset=offset,
        duration=duration,
        name=name,
        note="; ".join(note_parts),
        color=kind_info(s.kind).marker_color,
        kind=s.kind,
        state=s.state.value,
        metadata=meta,
    )
