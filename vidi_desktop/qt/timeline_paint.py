"""Painting one suggestion lane fast: numpy for the geometry, a few batched Qt calls.

A lane may hold thousands of items in view (zoomed out on a long interview, or chapters
and highlights piled on each other). Painting them one Qt call at a time from Python costs
tens of milliseconds, so a lane is painted in passes over numpy arrays of the visible
items' pixel spans:

1. fills: per review state, overlapping or touching spans merge into pixel runs and each
   state's runs go to Qt in one ``drawRects`` (rejected first, accepted on top), so piled
   translucent items do not darken each other;
2. edges: pending runs get an outline in the kind's colour, rejected ones a dim dotted
   outline, and a line marks where each item starts inside a run (the kind's colour, dark
   on accepted fills) — one batched call each, at most one line per pixel column;
3. labels: only on items wide enough to read, never over another label in the same lane.

The geometry (runs, start lines, label places) comes from numpy for a lane with many items
in view and from plain Python for a few (numpy's per-call cost would dominate there); both
give the same :class:`Geometry`, drawn by one function.

Instants (scene cuts) are ticks: a 3 px bar when accepted, a 1 px line with a notch on
top when pending, a faint line when rejected.

The looks: accepted solid, pending a translucent fill with an outline, rejected hatched and
dim — an editor tells them apart at a glance, and the tests sample pixels to make sure.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QLineF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPen

from vidi_desktop.qt.timeline_index import Lane

PENDING_ALPHA = 90  # fill of a pending item: the kind's colour, mostly transparent
REJECTED_ALPHA = 110  # hatch lines of a rejected item
LABEL_MIN_PX = 36  # narrower items carry no label
MAX_LABELS = 200  # per lane and paint: more would not be readable anyway
FEW = 24  # up to this many items in view, plain Python builds the geometry
TEXT_ON_SOLID = QColor("#111214")
TEXT_ON_DARK = QColor("#c9d1d9")
EDGE_DARK = QColor(0, 0, 0, 110)
STATES = (0, 1, 2)  # rejected, pending, accepted: paint order


def with_alpha(color: QColor, alpha: int) -> QColor:
    """A copy of ``color`` with ``alpha``."""
    c = QColor(color)
    c.setAlpha(alpha)
    return c


Span = tuple[int, int]  # pixel columns [a, b)


@dataclass(slots=True)
class Geometry:
    """What to draw for one lane, per review state, in whole pixels."""

    fills: dict[int, list[Span]] = field(default_factory=dict)  # merged runs of all items
    outlines: dict[int, list[Span]] = field(default_factory=dict)  # merged runs, wide items
    starts: dict[int, list[int]] = field(default_factory=dict)  # start lines inside runs
    ticks: dict[int, list[int]] = field(default_factory=dict)  # instants
    labels: list[tuple[float, float, int, int]] = field(default_factory=list)  # x0, x1, state, item


def paint_lane(
    p: QPainter,
    lane: Lane,
    lo: int,
    hi: int,
    box: QRectF,
    color: QColor,
    view: tuple[float, float, float],
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> None:
    """Paint items ``lo``…``hi - 1`` of ``lane`` into ``box``.

    ``view`` is ``(origin_x, view_start, pixels_per_second)``: x = origin_x + (t - view_start)
    × pixels_per_second.
    """
    labels = not lane.ticks and not lane.suggestion_id
    build = _geometry_few if hi - lo <= FEW else _geometry_many
    geo = build(lane, lo, hi, box.left(), box.right(), view, labels)
    _draw(p, geo, lane, color, round(box.top()), round(box.height()), metrics, label_of)


# -- geometry ------------------------------------------------------------------------------


def _merge(spans: list[Span]) -> list[Span]:
    """Spans sorted by start, overlapping or touching ones merged."""
    out: list[Span] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _comb_ok(starts: list[int]) -> bool:
    """Start lines are worth drawing when 3 px apart on average."""
    return len(starts) > 1 and (starts[-1] - starts[0]) >= 3 * len(starts)


def _geometry_few(
    lane: Lane, lo: int, hi: int, left: float, right: float,
    view: tuple[float, float, float], labels: bool,
) -> Geometry:
    ox, vs, pps = view
    geo = Geometry()
    items: dict[int, list[tuple[int, int, int]]] = {0: [], 1: [], 2: []}
    starts, ends = lane.starts[lo:hi].tolist(), lane.ends[lo:hi].tolist()
    states = lane.states[lo:hi].tolist()
    for k, (t0, t1, state) in enumerate(zip(starts, ends, states, strict=True)):
        x0, x1 = ox + (t0 - vs) * pps, ox + (t1 - vs) * pps
        if x1 < left - 2 or x0 > right + 2:
            continue
        x0, x1 = min(max(x0, left - 4), right + 4), min(max(x1, left - 4), right + 4)
        if lane.ticks and x1 - x0 < 2:
            geo.ticks.setdefault(state, []).append(round(x0))
            continue
        a = int(np.floor(x0))
        b = max(int(np.ceil(x1)), a + 1)
        items[state].append((a, b, lo + k))
    for state, spans in items.items():
        if not spans:
            continue
        geo.fills[state] = _merge([(a, b) for a, b, _ in spans])
        wide = [(a, b) for a, b, _ in spans if b - a >= 3]
        if wide:
            geo.outlines[state] = _merge(wide)
            lines = sorted({a for a, _ in wide})
            if len(lines) > len(geo.outlines[state]) and _comb_ok(lines):
                geo.starts[state] = lines
    if labels:
        every = sorted((a, b, state, k) for state, spans in items.items() for a, b, k in spans)
        geo.labels = _label_places([(float(a), float(b), s, k) for a, b, s, k in every],
                                   left, right)
    return geo


def _runs(a: np.ndarray, b: np.ndarray) -> list[Span]:
    """Merged pixel runs of spans ``[a, b)`` sorted by ``a`` (touching spans merge)."""
    ends = np.maximum.accumulate(b)
    breaks = np.flatnonzero(a[1:] > ends[:-1]) + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [len(a) - 1]))
    return list(zip(a[firsts].tolist(), ends[lasts].tolist(), strict=True))


def _geometry_many(
    lane: Lane, lo: int, hi: int, left: float, right: float,
    view: tuple[float, float, float], labels: bool,
) -> Geometry:
    ox, vs, pps = view
    geo = Geometry()
    x0 = ox + (lane.starts[lo:hi] - vs) * pps
    x1 = ox + (lane.ends[lo:hi] - vs) * pps
    seen = (x1 >= left - 2) & (x0 <= right + 2)
    index = np.flatnonzero(seen) + lo
    x0 = np.clip(x0[seen], left - 4, right + 4)
    x1 = np.clip(x1[seen], left - 4, right + 4)
    states = lane.states[index]
    if lane.ticks:
        instant = (x1 - x0) < 2
        if instant.any():
            xs = np.round(x0[instant]).astype(np.int64)
            st = states[instant]
            for state in STATES:
                pick = st == state
                if pick.any():
                    geo.ticks[state] = xs[pick].tolist()
        keep = ~instant
        x0, x1, states, index = x0[keep], x1[keep], states[keep], index[keep]
    if not len(x0):
        return geo
    a = np.floor(x0).astype(np.int64)
    b = np.maximum(np.ceil(x1).astype(np.int64), a + 1)
    wide = (b - a) >= 3
    for state in STATES:
        pick = states == state
        if not pick.any():
            continue
        geo.fills[state] = _runs(a[pick], b[pick])
        pick &= wide
        if pick.any():
            geo.outlines[state] = _runs(a[pick], b[pick])
            lines = np.unique(a[pick]).tolist()
            if len(lines) > len(geo.outlines[state]) and _comb_ok(lines):
                geo.starts[state] = lines
    if labels:
        # As _label_places, on arrays: jump past each label with a binary search.
        x0s, x1s = np.maximum(a, left), np.minimum(b, right)
        big = np.flatnonzero((x1s - x0s) >= LABEL_MIN_PX)
        x0s, x1s = x0s[big], x1s[big]
        j = 0
        while j < len(big) and len(geo.labels) < MAX_LABELS:
            k = int(big[j])
            geo.labels.append((float(x0s[j]), float(x1s[j]), int(states[k]), int(index[k])))
            j = max(j + 1, int(np.searchsorted(x0s, x1s[j] - 1, side="left")))
    return geo


def _label_places(
    items: list[tuple[float, float, int, int]], left: float, right: float
) -> list[tuple[float, float, int, int]]:
    """Where labels go: items sorted by start, each wide enough on screen, none overlapping
    the previous label (the first item wins), at most :data:`MAX_LABELS`.

    After a label, the search jumps (bisect) to the first item starting past it, so a pile
    of thousands of wide items costs as many steps as labels drawn.
    """
    shown = [(max(a, left), min(b, right), s, k) for a, b, s, k in items]
    shown = [x for x in shown if x[1] - x[0] >= LABEL_MIN_PX]
    starts = [x[0] for x in shown]
    out: list[tuple[float, float, int, int]] = []
    j = 0
    while j < len(shown) and len(out) < MAX_LABELS:
        out.append(shown[j])
        # Touching items share a pixel column: the next label may start on it.
        j = bisect.bisect_left(starts, shown[j][1] - 1, j + 1)
    return out


# -- drawing -------------------------------------------------------------------------------


def _draw(
    p: QPainter, geo: Geometry, lane: Lane, color: QColor, y: int, h: int,
    metrics: QFontMetrics, label_of: Callable[[str], str],
) -> None:
    brushes = {
        0: QBrush(with_alpha(color, REJECTED_ALPHA), Qt.BrushStyle.BDiagPattern),
        1: QBrush(with_alpha(color, PENDING_ALPHA)),
        2: QBrush(color),
    }
    outline_pens = {
        0: QPen(with_alpha(color, 70), 1, Qt.PenStyle.DotLine),
        1: QPen(color, 1),
    }
    p.setPen(Qt.PenStyle.NoPen)
    for state in STATES:
        runs = geo.fills.get(state)
        if runs:
            p.setBrush(brushes[state])
            p.drawRects([QRect(a, y, b - a, h) for a, b in runs])
    p.setBrush(Qt.BrushStyle.NoBrush)
    for state in STATES:
        runs = geo.outlines.get(state)
        if runs and state in outline_pens:
            p.setPen(outline_pens[state])
            p.drawRects([QRectF(a + 0.5, y + 0.5, b - a - 1, h - 1) for a, b in runs])
        lines = geo.starts.get(state)
        if lines:
            p.setPen(QPen(EDGE_DARK if state == 2 else color, 1))
            p.drawLines([QLineF(x + 0.5, y, x + 0.5, y + h) for x in lines])
    p.setPen(Qt.PenStyle.NoPen)
    for state in STATES:
        xs = geo.ticks.get(state)
        if not xs:
            continue
        xs = sorted(xs)
        if state == 2:  # accepted: a 3 px bar
            p.setBrush(color)
            p.drawRects([QRect(a, y, b - a, h) for a, b in _merge([(x - 1, x + 2) for x in xs])])
        elif state == 1:  # pending: a 1 px line with a notch on top
            p.setBrush(color)
            p.drawRects([QRect(a, y, b - a, h) for a, b in _merge([(x, x + 1) for x in xs])])
            p.drawRects([QRect(a, y, b - a, 3) for a, b in _merge([(x - 2, x + 3) for x in xs])])
        else:  # rejected: faint
            p.setBrush(with_alpha(color, 80))
            p.drawRects([QRect(a, y, b - a, h) for a, b in _merge([(x, x + 1) for x in xs])])
    p.setBrush(Qt.BrushStyle.NoBrush)
    for x0, x1, state, k in geo.labels:
        inner = QRectF(x0 + 4, y, x1 - x0 - 7, h)
        text = metrics.elidedText(label_of(lane.ids[k]), Qt.TextElideMode.ElideRight,
                                  int(inner.width()))
        if text:
            p.setPen(TEXT_ON_SOLID if state == 2 else TEXT_ON_DARK)
            p.drawText(inner, Qt.AlignmentFlag.AlignVCenter, text)
    p.setPen(Qt.PenStyle.NoPen)


def paint_selection(p: QPainter, spans: list[tuple[float, float]], box: QRectF) -> None:
    """A 2 px white outline around each ``(x0, x1)`` span (widened around instants)."""
    p.setPen(QPen(QColor("#ffffff"), 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for x0, x1 in spans:
        if x1 - x0 < 2:
            x0, x1 = x0 - 2, x0 + 2
        p.drawRect(QRectF(x0, box.top() - 1, x1 - x0, box.height() + 2))
