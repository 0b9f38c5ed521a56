"""Painting one suggestion lane fast, with the same looks for a few items or thousands.

A lane may hold thousands of items in view (zoomed out on a long interview, or chapters
and highlights piled on each other). Drawing them one Qt call at a time from Python costs
tens of milliseconds, and even batched calls spend most of their time building Qt objects
in Python. So:

- a lane with few items in view (:data:`FEW`) is drawn with QPainter: its :class:`Geometry`
  (merged runs per review state, outlines, start marks, ticks) is built in plain Python;
- a lane with more is rasterised by numpy straight into pixels (column coverage per state
  from ``bincount``/``cumsum``, outlines and marks as row and column writes) and drawn
  with one ``drawImage``, whatever the number of items.

Either way the layers are: fills per state, rejected under pending under accepted, piled
items merged so translucent fills do not darken each other; an outline around pending
runs (dim around rejected ones); a 1 px mark where an item starts inside a run (the kind's
colour, dark on accepted fills; left out when marks would crowd closer than 3 px on
average); instants (scene cuts) as ticks — a 3 px bar when accepted, a 1 px line with a
notch on top when pending, a faint line when rejected; then labels, only on items wide
enough to read and never over another label in the same lane.

The looks: accepted solid, pending a translucent fill with an outline, rejected hatched and
dim — an editor tells them apart at a glance, and the tests sample pixels of both paths.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QImage, QPainter, QPen

from vidi_desktop.qt import theme
from vidi_desktop.qt.timeline_index import Lane

PENDING_ALPHA = 90  # fill of a pending item: the kind's colour, mostly transparent
REJECTED_ALPHA = 110  # hatch lines of a rejected item
REJECTED_EDGE_ALPHA = 80  # outline, start marks and ticks of a rejected item
LABEL_MIN_PX = 36  # narrower items carry no label
MAX_LABELS = 200  # per lane and paint: more would not be readable anyway
LABEL_ROOM_PX = 8  # no labels in a lane whose items in view have less room than this each
FEW = 24  # up to this many items in view, plain Python builds the geometry
TEXT_ON_SOLID = QColor("#111214")
TEXT_ON_DARK = QColor(theme.TEXT)
EDGE_DARK = QColor(0, 0, 0, 110)
STATES = (0, 1, 2)  # rejected, pending, accepted: paint order
# Pixels left and right of an instant's x: accepted a 3 px bar, pending and rejected 1 px
# (pending with a notch on top, rejected faint).
TICK_SHAPE = {0: (0, 1), 1: (0, 1), 2: (1, 2)}


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
    ticks: dict[int, list[Span]] = field(default_factory=dict)  # instants, as bars
    notches: list[Span] = field(default_factory=list)  # marks atop pending instants
    # Many items: the whole lane rasterised by numpy (rows × columns of 0xffRRGGBB), drawn
    # at ``image_x`` in one call instead of all the lists above.
    image: np.ndarray | None = None
    image_x: int = 0
    labels: list[tuple[float, float, int, int]] = field(default_factory=list)  # x0, x1, state, item


def paint_lane(
    p: QPainter,
    lane: Lane,
    lo: int,
    hi: int,
    box: QRectF,
    color: QColor,
    background: QColor,
    view: tuple[float, float, float],
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> None:
    """Paint items ``lo``…``hi - 1`` of ``lane`` into ``box`` (over ``background``).

    ``view`` is ``(origin_x, view_start, pixels_per_second)``: x = origin_x + (t - view_start)
    × pixels_per_second.
    """
    # Labels only where items have room on average: a pile of thousands at fit would show
    # the names of arbitrary ones, which reads as noise (NLEs hide clip names there too).
    labels = (
        not lane.ticks and not lane.suggestion_id and (hi - lo) * LABEL_ROOM_PX <= box.width()
    )
    y, h = round(box.top()), round(box.height())
    if hi - lo <= FEW:
        geo = _geometry_few(lane, lo, hi, box.left(), box.right(), view, labels)
    else:
        geo = _geometry_many(lane, lo, hi, box, view, labels, color, background)
    _draw(p, geo, lane, color, y, h, metrics, label_of)


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
    ticks: dict[int, list[int]] = {}
    starts, ends = lane.starts[lo:hi].tolist(), lane.ends[lo:hi].tolist()
    states = lane.states[lo:hi].tolist()
    for k, (t0, t1, state) in enumerate(zip(starts, ends, states, strict=True)):
        x0, x1 = ox + (t0 - vs) * pps, ox + (t1 - vs) * pps
        if x1 < left - 2 or x0 > right + 2:
            continue
        x0, x1 = min(max(x0, left - 4), right + 4), min(max(x1, left - 4), right + 4)
        if lane.ticks and x1 - x0 < 2:
            ticks.setdefault(state, []).append(round(x0))
            continue
        a = int(np.floor(x0))
        b = max(int(np.ceil(x1)), a + 1)
        items[state].append((a, b, lo + k))
    for state, xs in ticks.items():
        xs.sort()
        left_px, right_px = TICK_SHAPE[state]
        geo.ticks[state] = _merge([(x - left_px, x + right_px) for x in xs])
        if state == 1:
            geo.notches = _merge([(x - 2, x + 3) for x in xs])
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


def _geometry_many(
    lane: Lane, lo: int, hi: int, box: QRectF, view: tuple[float, float, float],
    labels: bool, color: QColor, background: QColor,
) -> Geometry:
    ox, vs, pps = view
    left, right = box.left(), box.right()
    geo = Geometry()
    x0 = ox + (lane.starts[lo:hi] - vs) * pps
    x1 = ox + (lane.ends[lo:hi] - vs) * pps
    seen = (x1 >= left - 2) & (x0 <= right + 2)
    index = np.flatnonzero(seen) + lo
    x0 = np.clip(x0[seen], left - 4, right + 4)
    x1 = np.clip(x1[seen], left - 4, right + 4)
    states = lane.states[index]
    ticks = np.zeros(0, np.int64)
    tick_states = states[:0]
    if lane.ticks:
        instant = (x1 - x0) < 2
        ticks = np.round(x0[instant]).astype(np.int64)
        tick_states = states[instant]
        keep = ~instant
        x0, x1, states, index = x0[keep], x1[keep], states[keep], index[keep]
    a = np.floor(x0).astype(np.int64)
    b = np.maximum(np.ceil(x1).astype(np.int64), a + 1)
    geo.image_x = int(np.floor(left))
    geo.image = _raster(
        int(np.ceil(right)) - geo.image_x, round(box.height()), geo.image_x, round(box.top()),
        a, b, states, ticks, tick_states, color, background,
    )
    if labels and len(a):
        # As _label_places, on arrays: jump past each label with a binary search.
        x0s, x1s = np.maximum(a, left), np.minimum(b, right)
        big = np.flatnonzero((x1s - x0s) >= LABEL_MIN_PX)
        starts, ends = x0s[big].tolist(), x1s[big].tolist()
        picks = big.tolist()
        j = 0
        while j < len(picks) and len(geo.labels) < MAX_LABELS:
            k = picks[j]
            geo.labels.append((float(starts[j]), float(ends[j]), int(states[k]), int(index[k])))
            j = bisect.bisect_left(starts, ends[j] - 1, j + 1)
    return geo


def _over(src: QColor, dst: QColor) -> int:
    """``src`` (with its alpha) over opaque ``dst``, as 0xffRRGGBB."""
    f = src.alphaF()
    r = round(src.red() * f + dst.red() * (1 - f))
    g = round(src.green() * f + dst.green() * (1 - f))
    b = round(src.blue() * f + dst.blue() * (1 - f))
    return QColor(r, g, b).rgb()


def _raster(
    w: int, h: int, x_origin: int, y_origin: int,
    a: np.ndarray, b: np.ndarray, states: np.ndarray,
    ticks: np.ndarray, tick_states: np.ndarray, color: QColor, background: QColor,
) -> np.ndarray:
    """The lane as opaque pixels, the same looks as the per-item path: fills per state,
    outlines, start marks and ticks, layered rejected → pending → accepted.

    Work is per column, not per pixel: one row of fill colours, eight variants of it for
    the hatch's diagonal (its pattern repeats every 8 rows), gathered into the image; then
    outline rows and mark columns are written by index.
    """
    w = max(1, w)
    bg = QColor(background)
    hatch = _over(with_alpha(color, REJECTED_ALPHA), bg)
    pending_bg = _over(with_alpha(color, PENDING_ALPHA), bg)
    pending_hatch = _over(with_alpha(color, PENDING_ALPHA), QColor.fromRgb(hatch))
    solid = color.rgb()
    dim = _over(with_alpha(color, REJECTED_EDGE_ALPHA), bg)
    a = np.clip(a - x_origin, 0, w)
    b = np.clip(b - x_origin, 0, w)

    def cover(pick: np.ndarray) -> np.ndarray:
        """Columns covered by the picked spans."""
        d = np.bincount(a[pick], minlength=w + 1)[: w + 1]
        d -= np.bincount(b[pick], minlength=w + 1)[: w + 1]
        return np.cumsum(d)[:w] > 0

    rejected, pending, accepted = (states == 0), (states == 1), (states == 2)
    base = np.full(w, np.uint32(bg.rgb()), np.uint32)
    pend = cover(pending) if pending.any() else np.zeros(w, bool)
    base[pend] = pending_bg
    acc = cover(accepted) if accepted.any() else np.zeros(w, bool)
    base[acc] = solid
    if rejected.any():
        # Hatch lines show where a rejected item is not hidden under an accepted one.
        hatchable = cover(rejected) & ~acc
        phase = (np.arange(w) + x_origin) % 8
        on = hatchable[None, :] & (phase[None, :] == (-np.arange(8) % 8)[:, None])
        line = np.where(pend, np.uint32(pending_hatch), np.uint32(hatch))
        variants = np.where(on, line[None, :], base[None, :])
        img = variants[(np.arange(h) + y_origin) % 8]
    else:
        img = np.broadcast_to(base, (h, w)).copy()
    wide = (b - a) >= 3
    for pick, edge, mark in (
        (rejected & wide, dim, dim),
        (pending & wide, solid, solid),
        (accepted & wide, None, _over(EDGE_DARK, color)),
    ):
        if not pick.any():
            continue
        cols = cover(pick)
        firsts = np.flatnonzero(cols & ~np.concatenate(([False], cols[:-1])))
        if edge is not None:
            lasts = np.flatnonzero(cols & ~np.concatenate((cols[1:], [False])))
            img[0, cols] = edge
            img[h - 1, cols] = edge
            img[:, firsts] = edge
            img[:, lasts] = edge
        starts = a[pick]  # sorted: items are sorted by start
        starts = starts[np.concatenate(([True], starts[1:] != starts[:-1]))]
        starts = starts[starts < w]
        if len(starts) > len(firsts) and _comb_ok(starts.tolist()):
            img[:, starts] = mark
    for state in STATES:
        xs = ticks[tick_states == state] - x_origin
        if not len(xs):
            continue
        left_px, right_px = TICK_SHAPE[state]
        for dx in range(-left_px, right_px):
            col = xs + dx
            img[:, col[(col >= 0) & (col < w)]] = solid if state else dim
        if state == 1:  # the notch atop a pending instant
            for dx in range(-2, 3):
                col = xs + dx
                img[:3, col[(col >= 0) & (col < w)]] = solid
    return img


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
    outline_pens = {0: QPen(with_alpha(color, REJECTED_EDGE_ALPHA), 1), 1: QPen(color, 1)}
    marks = {0: with_alpha(color, REJECTED_EDGE_ALPHA), 1: color, 2: EDGE_DARK}
    p.setPen(Qt.PenStyle.NoPen)
    if geo.image is not None:
        rows, cols = geo.image.shape
        image = QImage(geo.image.data, cols, rows, 4 * cols, QImage.Format.Format_RGB32)
        p.drawImage(geo.image_x, y, image)  # drawn now, while geo.image holds the pixels
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
    p.setPen(Qt.PenStyle.NoPen)
    for state in STATES:
        lines = geo.starts.get(state)
        if lines:
            # 1 px filled rects: Qt's fill path is several times faster than stroking lines.
            p.setBrush(marks[state])
            p.drawRects([QRect(x, y, 1, h) for x in lines])
    tick_brushes = {
        0: QBrush(with_alpha(color, REJECTED_EDGE_ALPHA)), 1: QBrush(color), 2: QBrush(color)
    }
    for state in STATES:
        runs = geo.ticks.get(state)
        if runs:
            p.setBrush(tick_brushes[state])
            p.drawRects([QRect(a, y, b - a, h) for a, b in runs])
    if geo.notches:
        p.setBrush(color)
        p.drawRects([QRect(a, y, b - a, 3) for a, b in geo.notches])
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
