"""The timeline's lanes as sorted interval indexes: what to paint and what a click hits.

Painting 10,000 suggestions must not walk 10,000 objects per frame. Each lane keeps its
items sorted by start in numpy arrays (start, end, review state) plus a running maximum of
the ends, so the items overlapping a visible window are found by two binary searches: items
at or after ``lo`` have a running-max end past the window's start, items before ``hi``
start before its end. Indexes are rebuilt when the project changes; the geometry of each
suggestion (seconds as floats, its exact start) is cached by payload, which accepting or
rejecting does not replace, so a rebuild after a review step is a cheap walk.

No Qt here: this module is plain data, tested on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from vidi_desktop.core.project.model import (
    Answer,
    ObjectTube,
    Payload,
    Project,
    ReviewState,
    SceneBoundary,
    Suggestion,
)
from vidi_desktop.qt.kinds import style_for, style_key

if TYPE_CHECKING:
    from vidi_desktop.core.time import TimeRange

STATE_CODES: dict[ReviewState, int] = {
    ReviewState.REJECTED: 0,
    ReviewState.PENDING: 1,
    ReviewState.ACCEPTED: 2,
}
"""Review state as a small integer (also the paint order: rejected under accepted)."""

DEFAULT_BRIDGE_MS = 500  # as vidi_desktop.analysis.tubes: gaps up to this are one run


@dataclass(frozen=True, slots=True)
class Segment:
    """One drawn piece of a suggestion: seconds as floats, the exact start for seeking."""

    start: float
    end: float
    exact_start: Fraction


@dataclass(slots=True)
class Lane:
    """One row of the timeline: a style key, a title, and its items sorted by start."""

    key: str  # style key (colour); every object tube has its own lane with key "object_tube"
    title: str
    ticks: bool = False  # instants drawn as ticks (scene boundaries)
    ids: list[str] = field(default_factory=list)
    exact: list[Fraction] = field(default_factory=list)
    starts: np.ndarray = field(default_factory=lambda: np.empty(0))
    ends: np.ndarray = field(default_factory=lambda: np.empty(0))
    states: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    max_end: np.ndarray = field(default_factory=lambda: np.empty(0))
    suggestion_id: str = ""  # the one suggestion of a per-suggestion lane (object tubes)

    def __len__(self) -> int:
        return len(self.ids)

    def window(self, t0: float, t1: float) -> tuple[int, int]:
        """Index bounds ``[lo, hi)`` of the items that may overlap ``[t0, t1]``.

        Every item overlapping the window lies in the bounds; an item inside them may still
        end before ``t0`` (callers drawing it off-screen lose nothing, hit tests filter).
        """
        lo = int(np.searchsorted(self.max_end, t0, side="left"))
        hi = int(np.searchsorted(self.starts, t1, side="right"))
        return lo, max(lo, hi)

    def hit(self, t: float, tolerance: float) -> int | None:
        """The item at time ``t`` (seconds), or within ``tolerance`` of it.

        An item containing ``t`` wins, the shortest of several (a short cut over a long
        chapter is still clickable); else the nearest one within ``tolerance``.
        """
        lo, hi = self.window(t - tolerance, t + tolerance)
        if lo >= hi:
            return None
        starts, ends = self.starts[lo:hi], self.ends[lo:hi]
        near = (starts <= t + tolerance) & (ends >= t - tolerance)
        if not near.any():
            return None
        inside = near & (starts <= t) & (ends > t)
        if inside.any():
            lengths = np.where(inside, ends - starts, np.inf)
            return lo + int(np.argmin(lengths))
        distance = np.where(near, np.maximum(starts - t, t - ends), np.inf)
        return lo + int(np.argmin(distance))


def _tube_segments(s: Suggestion, payload: ObjectTube) -> list[Segment]:
    """Where a tube's object is on screen (gaps where it leaves), by its own metadata."""
    vidi = s.metadata.get("vidi") if isinstance(s.metadata.get("vidi"), dict) else {}
    bridge = vidi.get("bridge_ms") if isinstance(vidi, dict) else None
    sample = vidi.get("sample_ms") if isinstance(vidi, dict) else None
    bridge = bridge if isinstance(bridge, int) and bridge >= 0 else DEFAULT_BRIDGE_MS
    if not (isinstance(sample, int) and sample > 0):
        # No sampling interval recorded: the median spacing of its boxes, at most the bridge.
        times = [b.t_ms for b in payload.boxes]
        gaps = sorted(b - a for a, b in itertools.pairwise(times) if b - a <= bridge)
        sample = gaps[len(gaps) // 2] if gaps else 40
    ranges = payload.visible_ranges(bridge, sample)
    return [_segment(r) for r in ranges]


def _segment(r: TimeRange) -> Segment:
    start = r.start.seconds
    return Segment(float(start), float(r.end_exclusive.seconds), start)


def segments_of(s: Suggestion) -> list[Segment]:
    """The pieces a suggestion is drawn as: one per range (a tube's visible runs, an
    answer's moments), none when it is not tied to time."""
    payload: Payload = s.payload
    if isinstance(payload, ObjectTube):
        return _tube_segments(s, payload)
    if isinstance(payload, Answer):
        return [_segment(r) for r in payload.ranges]
    extent = payload.extent()
    return [] if extent is None else [_segment(extent)]


class LaneIndex:
    """All lanes of one asset, rebuilt from a project value; geometry cached by payload."""

    def __init__(self) -> None:
        self.lanes: list[Lane] = []
        self.by_id: dict[str, Suggestion] = {}
        self.end = 0.0  # latest end of any segment, seconds
        self._geometry: dict[str, tuple[Payload, list[Segment]]] = {}

    def rebuild(self, project: Project, asset_id: str) -> None:
        """Index the suggestions of ``asset_id`` (all lanes replaced)."""
        groups: dict[str, list[tuple[Segment, str, int]]] = {}
        tubes: list[tuple[Suggestion, list[Segment]]] = []
        cache: dict[str, tuple[Payload, list[Segment]]] = {}
        by_id: dict[str, Suggestion] = {}
        end = 0.0
        for s in project.suggestions:
            if s.asset_id != asset_id:
                continue
            by_id[s.id] = s
            cached = self._geometry.get(s.id)
            if cached is not None and cached[0] is s.payload:
                segments = cached[1]
            else:
                segments = segments_of(s)
            cache[s.id] = (s.payload, segments)
            if not segments:
                continue
            end = max(end, max(seg.end for seg in segments))
            if isinstance(s.payload, ObjectTube):
                tubes.append((s, segments))
                continue
            code = STATE_CODES[s.state]
            bucket = groups.setdefault(style_key(s), [])
            bucket.extend((seg, s.id, code) for seg in segments)
        self._geometry = cache
        self.by_id = by_id
        self.end = end
        lanes = [_lane(key, items) for key, items in groups.items()]
        lanes.sort(key=lambda lane: style_for(lane.key).order)
        tubes.sort(key=lambda t: (t[1][0].start, t[0].label))
        for s, segments in tubes:
            code = STATE_CODES[s.state]
            lane = _lane("object_tube", [(seg, s.id, code) for seg in segments])
            lane.title = s.label or s.payload.query or "object"  # type: ignore[attr-defined]
            lane.suggestion_id = s.id
            lanes.append(lane)
        self.lanes = lanes

    def segments(self, suggestion_id: str) -> list[Segment]:
        """The drawn pieces of one suggestion (empty when unknown)."""
        cached = self._geometry.get(suggestion_id)
        return cached[1] if cached else []

    def lanes_of(self, suggestion_id: str) -> Iterable[int]:
        """Numbers of the lanes that hold a suggestion."""
        s = self.by_id.get(suggestion_id)
        if s is None:
            return ()
        if isinstance(s.payload, ObjectTube):
            return [i for i, lane in enumerate(self.lanes) if lane.suggestion_id == suggestion_id]
        key = style_key(s)
        return [i for i, lane in enumerate(self.lanes) if lane.key == key]


def _lane(key: str, items: list[tuple[Segment, str, int]]) -> Lane:
    items.sort(key=lambda item: (item[0].start, item[0].end))
    starts = np.fromiter((i[0].start for i in items), np.float64, len(items))
    ends = np.fromiter((i[0].end for i in items), np.float64, len(items))
    return Lane(
        key=key,
        title=style_for(key).label,
        ticks=key == SceneBoundary.kind,
        ids=[i[1] for i in items],
        exact=[i[0].exact_start for i in items],
        starts=starts,
        ends=ends,
        states=np.fromiter((i[2] for i in items), np.int8, len(items)),
        max_end=np.maximum.accumulate(ends) if len(items) else ends,
    )
