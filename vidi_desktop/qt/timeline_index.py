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

# How a gradual scene boundary is drawn (Lane.shapes; 0 = a plain item: a cut's tick, a box).
SHAPE_NONE, SHAPE_FADE_IN, SHAPE_FADE_OUT, SHAPE_DIP, SHAPE_CROSS = range(5)
TRANSITION_SHAPES: dict[str, int] = {
    "fade_in": SHAPE_FADE_IN,  # a ramp up, from black
    "fade_out": SHAPE_FADE_OUT,  # a ramp down, to black
    "dip_to_black": SHAPE_DIP,  # down then up
    "dissolve": SHAPE_CROSS,  # the outgoing and incoming shots crossing
    "wipe": SHAPE_CROSS,
    "other": SHAPE_CROSS,
}
TRANSITION_LABELS: dict[str, str] = {
    "fade_in": "fade in", "fade_out": "fade out", "dip_to_black": "dip to black",
    "dissolve": "dissolve", "wipe": "wipe", "other": "transition",
}
"""The word each transition is labelled with in the scenes lane."""


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
    # Per item: SHAPE_* (a fade, a dissolve… drawn as a transition), 0 for a plain item.
    shapes: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    labels: dict[int, str] = field(default_factory=dict)  # item → its transition's word

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


@dataclass(frozen=True, slots=True)
class _Geometry:
    """What indexing needs of one suggestion, kept while its payload stays the same."""

    payload: Payload
    segments: list[Segment]
    key: str  # style key
    tube: bool
    end: float
    transition: str = ""  # a gradual scene boundary's transition ("dissolve"…), else ""


class _Group:
    """Items of one lane while it is being built."""

    __slots__ = ("codes", "ends", "exact", "ids", "starts", "transitions")

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.ids: list[str] = []
        self.codes: list[int] = []
        self.exact: list[Fraction] = []
        self.transitions: list[str] = []

    def add(self, sid: str, code: int, segments: list[Segment], transition: str = "") -> None:
        for seg in segments:
            self.starts.append(seg.start)
            self.ends.append(seg.end)
            self.ids.append(sid)
            self.codes.append(code)
            self.exact.append(seg.exact_start)
            self.transitions.append(transition)

    def lane(self, key: str) -> Lane:
        starts = np.array(self.starts, np.float64)
        ends = np.array(self.ends, np.float64)
        order = np.lexsort((ends, starts))
        starts, ends = starts[order], ends[order]
        ids, exact = self.ids, self.exact
        picks = order.tolist()
        transitions = [self.transitions[i] for i in picks]
        return Lane(
            key=key,
            title=style_for(key).label,
            ticks=key == SceneBoundary.kind,
            ids=[ids[i] for i in picks],
            exact=[exact[i] for i in picks],
            starts=starts,
            ends=ends,
            states=np.array(self.codes, np.int8)[order],
            max_end=np.maximum.accumulate(ends) if len(picks) else ends,
            shapes=np.array([TRANSITION_SHAPES.get(t, SHAPE_NONE) for t in transitions],
                            np.int8),
            labels={k: TRANSITION_LABELS[t] for k, t in enumerate(transitions) if t},
        )


class LaneIndex:
    """All lanes of one asset, rebuilt from a project value; geometry cached by payload.

    :meth:`rebuild` indexes everything; :meth:`update` handles the common review step —
    suggestions whose payloads did not change got a new state or label — in place.
    """

    def __init__(self) -> None:
        self.lanes: list[Lane] = []
        self.by_id: dict[str, Suggestion] = {}
        self.end = 0.0  # latest end of any segment, seconds
        # Bumped by every rebuild and in-place update: painters key their caches on it.
        self.version = 0
        self._asset_id = ""
        self._geometry: dict[str, _Geometry] = {}
        self._where: dict[str, list[tuple[int, int]]] = {}  # id → (lane, item) places

    def rebuild(self, project: Project, asset_id: str) -> None:
        """Index the suggestions of ``asset_id`` (all lanes replaced)."""
        groups: dict[str, _Group] = {}
        tubes: list[tuple[Suggestion, _Geometry]] = []
        cache: dict[str, _Geometry] = {}
        by_id: dict[str, Suggestion] = {}
        old = self._geometry
        codes = STATE_CODES
        end = 0.0
        for s in project.suggestions:
            if s.asset_id != asset_id:
                continue
            sid = s.id
            by_id[sid] = s
            geo = old.get(sid)
            if geo is None or geo.payload is not s.payload:
                geo = _geometry_of(s)
            cache[sid] = geo
            if not geo.segments:
                continue
            if geo.end > end:
                end = geo.end
            if geo.tube:
                tubes.append((s, geo))
                continue
            group = groups.get(geo.key)
            if group is None:
                group = groups[geo.key] = _Group()
            group.add(sid, codes[s.state], geo.segments, geo.transition)
        self._geometry = cache
        self._asset_id = asset_id
        self.by_id = by_id
        self.end = end
        lanes = [group.lane(key) for key, group in groups.items()]
        lanes.sort(key=lambda lane: style_for(lane.key).order)
        tubes.sort(key=lambda t: (t[1].segments[0].start, t[0].label))
        for s, geo in tubes:
            group = _Group()
            group.add(s.id, codes[s.state], geo.segments)
            lane = group.lane(ObjectTube.kind)
            lane.title = s.label or s.payload.query or "object"  # type: ignore[attr-defined]
            lane.suggestion_id = s.id
            lanes.append(lane)
        self.lanes = lanes
        where: dict[str, list[tuple[int, int]]] = {}
        for n, lane in enumerate(lanes):
            for k, sid in enumerate(lane.ids):
                where.setdefault(sid, []).append((n, k))
        self._where = where
        self.version += 1

    def update(self, project: Project, asset_id: str, changed: Iterable[str]) -> bool:
        """Take in changes to ``changed`` suggestions in place, when only their review state
        or descriptive fields changed; False (nothing done) when a rebuild is needed."""
        if asset_id != self._asset_id:
            return False
        fresh: list[Suggestion] = []
        for sid in changed:
            if not project.has_suggestion(sid):
                if sid in self._geometry:
                    return False  # removed
                continue  # never ours (another asset's, removed before)
            s = project.suggestion(sid)
            geo = self._geometry.get(sid)
            if s.asset_id != asset_id:
                if geo is not None:
                    return False
                continue
            if geo is None or geo.payload is not s.payload:
                return False  # added, or moved in time
            fresh.append(s)
        for s in fresh:
            self.by_id[s.id] = s
            code = STATE_CODES[s.state]
            for n, k in self._where.get(s.id, ()):
                self.lanes[n].states[k] = code
            if self._geometry[s.id].tube:
                title = s.label or s.payload.query or "object"  # type: ignore[attr-defined]
                for n, _ in self._where.get(s.id, ()):
                    self.lanes[n].title = title
        self.version += 1
        return True

    def segments(self, suggestion_id: str) -> list[Segment]:
        """The drawn pieces of one suggestion (empty when unknown)."""
        geo = self._geometry.get(suggestion_id)
        return geo.segments if geo else []

    def lanes_of(self, suggestion_id: str) -> list[int]:
        """Numbers of the lanes that hold a suggestion."""
        return sorted({n for n, _ in self._where.get(suggestion_id, ())})


def _geometry_of(s: Suggestion) -> _Geometry:
    segments = segments_of(s)
    end = max((seg.end for seg in segments), default=0.0)
    payload = s.payload
    transition = ""
    if isinstance(payload, SceneBoundary) and payload.duration and payload.duration.ticks:
        transition = payload.transition if payload.transition in TRANSITION_SHAPES else ""
    return _Geometry(payload, segments, style_key(s), isinstance(payload, ObjectTube), end,
                     transition)
