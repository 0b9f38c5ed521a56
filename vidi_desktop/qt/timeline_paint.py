"""Painting the suggestion lanes fast, with the same looks for a few items or thousands.

A lane may hold thousands of items in view (zoomed out on a long interview, or chapters
and highlights piled on each other), and a window shows a dozen lanes or more. Drawing
them one Qt call at a time from Python costs tens of milliseconds, and even one numpy pass
per lane spends much of its time in the fixed cost of a few dozen small numpy calls, times
the lanes. So:

- a lane with few items in view (:data:`FEW`) is drawn with Qt rectangles: merged runs
  per review state, outlines, start marks and ticks, worked out in plain Python;
- all lanes with more are rasterised together, in one numpy pass whatever their number:
  column coverage per lane, state and width class comes from one ``bincount``/``cumsum``
  over ``lane × category × column``; fills, outlines, start marks and ticks are
  ``lanes × columns`` arrays; the result is a small table of distinct pixel rows (per lane
  its fill row, eight hatch variants when it has rejected items — the diagonal repeats
  every 8 rows — and its top, bottom and notch rows), which Qt stretches and copies into
  place, a few calls per lane.

The layers: fills per state, rejected under pending under accepted, piled items merged so
translucent fills do not darken each other; an outline around pending runs (dim around
rejected ones, and not over accepted fills, where translucent paint would vanish); a 1 px
mark where an item starts inside a run (the kind's colour, dark on accepted fills; left
out when marks would crowd closer than 3 px on average); instants (scene cuts) as ticks —
a 3 px bar when accepted, a 1 px line with a notch on top when pending, a faint line when
rejected; gradual scene boundaries (fades, dissolves) as their transition's shape, labelled
(:mod:`.timeline_transitions`); then labels, only on items wide enough to read and never
over another label in the same lane. Items are clipped 4 px outside the view, so a run going
on past an edge shows no end there.

The looks: accepted solid, pending a translucent fill with an outline, rejected hatched and
dim — an editor tells them apart at a glance, and the tests sample pixels of both paths.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QImage, QPainter, QPen

from vidi_desktop.qt import theme
from vidi_desktop.qt.timeline_index import Lane
from vidi_desktop.qt.timeline_transitions import is_transition, paint_transitions

PENDING_ALPHA = 90  # fill of a pending item: the kind's colour, mostly transparent
REJECTED_ALPHA = 110  # hatch lines of a rejected item
REJECTED_EDGE_ALPHA = 80  # outline, start marks and ticks of a rejected item
LABEL_MIN_PX = 36  # narrower items carry no label
MAX_LABELS = 200  # per lane and paint: more would not be readable anyway
LABEL_ROOM_PX = 8  # no labels in a lane whose items in view have less room than this each
TEXT_ON_SOLID = QColor("#111214")
TEXT_ON_DARK = QColor(theme.TEXT)
EDGE_DARK = QColor(0, 0, 0, 110)
STATES = (0, 1, 2)  # rejected, pending, accepted: paint order
# Pixels left and right of an instant's x: accepted a 3 px bar, pending and rejected 1 px
# (pending with a notch on top, rejected faint).
TICK_SHAPE = {0: (0, 1), 1: (0, 1), 2: (1, 2)}
MARGIN = 2  # rows of lane background above and below the items
FEW = 24  # up to this many items in view, a lane is drawn with Qt rectangles, not numpy
NOTCH_ROWS = 3  # height of the mark atop a pending instant
HATCH = 8  # the hatch's diagonal repeats every 8 pixels
EDGE_PX = 4  # items are clipped this far outside the view

# Columns of a lane's palette (see _palette).
_BG, _SOLID, _PENDING, _HATCH, _PENDING_HATCH, _DIM, _MARK_DARK = range(7)
_CATEGORIES = 6  # coverage per lane: fills per state (0-2), then wide items per state (3-5)


def with_alpha(color: QColor, alpha: int) -> QColor:
    """A copy of ``color`` with ``alpha``."""
    c = QColor(color)
    c.setAlpha(alpha)
    return c


Span = tuple[int, int]  # pixel columns [a, b)


@dataclass(frozen=True, slots=True)
class LaneRow:
    """One visible lane: its items ``lo``…``hi - 1`` and where and how its row is drawn."""

    lane: Lane
    lo: int
    hi: int
    top: int  # viewport y of the row; the lane's background starts here
    height: int  # the row's height; items fill it less MARGIN rows above and below
    color: QColor  # the kind's colour
    background: QColor  # the row's background


@dataclass(frozen=True, slots=True)
class _Label:
    rect: QRectF
    text: str
    color: QColor


# -- the raster ------------------------------------------------------------------------------


def _over(src: QColor, dst: QColor) -> int:
    """``src`` (with its alpha) over opaque ``dst``, as 0xffRRGGBB."""
    f = src.alphaF()
    r = round(src.red() * f + dst.red() * (1 - f))
    g = round(src.green() * f + dst.green() * (1 - f))
    b = round(src.blue() * f + dst.blue() * (1 - f))
    return QColor(r, g, b).rgb()


@lru_cache(maxsize=256)
def _palette(color_rgba: int, background_rgba: int) -> tuple[int, ...]:
    """A lane's opaque colours (0xffRRGGBB), in the order of the ``_BG``… constants."""
    color = QColor.fromRgba(color_rgba)
    bg = QColor.fromRgba(background_rgba)
    hatch = _over(with_alpha(color, REJECTED_ALPHA), bg)
    return (
        bg.rgb(),
        color.rgb(),
        _over(with_alpha(color, PENDING_ALPHA), bg),
        hatch,
        _over(with_alpha(color, PENDING_ALPHA), QColor.fromRgb(hatch)),
        _over(with_alpha(color, REJECTED_EDGE_ALPHA), bg),
        _over(EDGE_DARK, color),
    )


@dataclass(slots=True)
class _Items:
    """The items of the rows in view, as flat arrays in row order (sorted by start within a
    row). Columns count from EDGE_PX left of the area (``origin``) to as far right of it
    (``span`` columns): items are clipped there, so a run that goes on past the view gets
    no end outline."""

    origin: int  # viewport x of column 0
    span: int
    row: np.ndarray  # which row (index into rows)
    a: np.ndarray  # first column
    b: np.ndarray  # end column, exclusive, at least a + 1
    state: np.ndarray
    position: np.ndarray  # where in the concatenated windows (for item numbers)
    first: np.ndarray  # per row: where its items begin in the concatenated windows
    lo: np.ndarray  # per row: the item number of its window's first item
    tick_row: np.ndarray  # instants drawn as ticks
    tick_x: np.ndarray  # their column
    tick_state: np.ndarray

    def item(self, k: int) -> int:
        """The item number in its lane of entry ``k``."""
        row = self.row[k]
        return int(self.position[k] - self.first[row] + self.lo[row])


def _gather(rows: list[LaneRow], area: QRect, view: tuple[float, float, float]) -> _Items:
    """Every visible item of every row, placed in columns (one numpy pass for all rows)."""
    ox, vs, pps = view
    origin = area.left() - EDGE_PX
    span = area.width() + 2 * EDGE_PX
    counts = np.array([max(0, r.hi - r.lo) for r in rows], np.int64)
    first = np.cumsum(counts) - counts  # where each row's items begin
    row = np.repeat(np.arange(len(rows)), counts)
    starts = np.concatenate([r.lane.starts[r.lo : r.hi] for r in rows])
    ends = np.concatenate([r.lane.ends[r.lo : r.hi] for r in rows])
    state = np.concatenate([r.lane.states[r.lo : r.hi] for r in rows])
    # Column = t × pps + shift, relative to ``origin`` (so never negative once clipped).
    shift = ox - vs * pps - origin
    x0 = starts * pps
    x0 += shift
    x1 = ends * pps
    x1 += shift
    position = np.arange(len(row))
    seen = (x1 >= EDGE_PX - 2) & (x0 <= span - EDGE_PX + 2)
    if not seen.all():
        x0, x1, row, state, position = (v[seen] for v in (x0, x1, row, state, position))
    np.clip(x0, 0, span, out=x0)
    np.clip(x1, 0, span, out=x1)
    instant = np.zeros(len(row), bool)
    shaped = np.zeros(len(row), bool)  # transitions wide enough for their shape
    for k, r in enumerate(rows):  # instants: only in tick lanes
        if r.lane.ticks:
            i0, i1 = np.searchsorted(row, [k, k + 1])
            instant[i0:i1] = (x1[i0:i1] - x0[i0:i1]) < 2
            if len(r.lane.shapes) == len(r.lane):
                items = position[i0:i1] - first[k] + r.lo
                shaped[i0:i1] = (r.lane.shapes[items] > 0) & ~instant[i0:i1]
    tick_x = np.round(x0[instant]).astype(np.int64)
    tick_row, tick_state = row[instant], state[instant]
    drop = instant | shaped  # drawn as ticks, or by paint_transitions
    if drop.any():
        keep = ~drop
        x0, x1, row, state, position = (v[keep] for v in (x0, x1, row, state, position))
    a = x0.astype(np.int64)  # floor: columns are not negative
    b = np.ceil(x1).astype(np.int64)
    np.maximum(b, a + 1, out=b)
    np.minimum(b, span, out=b)
    return _Items(origin, span, row, a, b, state.astype(np.int64), position, first,
                  np.array([r.lo for r in rows]), tick_row, tick_x, tick_state)


def paint_lanes(
    p: QPainter,
    area: QRect,
    rows: list[LaneRow],
    view: tuple[float, float, float],
    gap: QColor,
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> None:
    """Paint ``rows`` into ``area`` (viewport coordinates) with ``p``: backgrounds, items,
    labels; between rows, ``gap``. Rows are clipped to the area.

    ``view`` is ``(origin_x, view_start, pixels_per_second)``: x = origin_x + (t -
    view_start) × pixels_per_second. See the module docstring for the layers.
    """
    if area.isEmpty():
        return
    p.save()
    p.setClipRect(area, Qt.ClipOperation.IntersectClip)
    y, bottom = area.top(), area.top() + area.height()
    for r in sorted(rows, key=lambda r: r.top):
        if r.top > y:
            p.fillRect(QRect(area.left(), y, area.width(), r.top - y), gap)
        p.fillRect(QRect(area.left(), r.top, area.width(), r.height), r.background)
        y = max(y, r.top + r.height)
    if y < bottom:
        p.fillRect(QRect(area.left(), y, area.width(), bottom - y), gap)
    many = [r for r in rows if r.hi - r.lo > FEW]
    labels: list[_Label] = []
    if many:
        labels += _labels(many, _paint_many(p, area, many, view), area, metrics, label_of)
    for r in rows:
        if 0 < r.hi - r.lo <= FEW:
            labels += _paint_few(p, area, r, view, metrics, label_of)
    paint_transitions(p, area, rows, view, metrics)
    for label in labels:
        p.setPen(label.color)
        p.drawText(label.rect, Qt.AlignmentFlag.AlignVCenter, label.text)
    p.restore()


def _paint_many(
    p: QPainter, area: QRect, rows: list[LaneRow], view: tuple[float, float, float]
) -> _Items:
    """Rows with many items: rasterised by numpy as rows of pixels (one table for all
    rows), which ``p`` (in viewport coordinates) stretches and copies into place."""
    w, h, n_rows = area.width(), area.height(), len(rows)
    items = _gather(rows, area, view)
    we, a, b, row, state = items.span, items.a, items.b, items.row, items.state
    wide = (b - a) >= 3

    # Coverage of every column per row and category — fills per state, then wide items
    # per state — from one bincount of item edges.
    seg = we + 1
    cat = row * _CATEGORIES + state
    cat_wide = cat[wide] + 3
    size = n_rows * _CATEGORIES * seg
    edges = np.bincount(np.concatenate((cat * seg + a, cat_wide * seg + a[wide])),
                        minlength=size)
    edges -= np.bincount(np.concatenate((cat * seg + b, cat_wide * seg + b[wide])),
                         minlength=size)
    # Each segment's edges sum to zero (an item ends in its own segment), so one flat
    # running sum is every segment's own.
    cover = (np.cumsum(edges) > 0).reshape(n_rows, _CATEGORIES, seg)[:, :, :we]
    rejected, pending, accepted = cover[:, 0], cover[:, 1], cover[:, 2]
    runs = cover[:, 3:]  # wide items, per state

    pal = np.array(
        [_palette(r.color.rgba(), r.background.rgba()) for r in rows], np.uint32
    )

    def colour(k: int) -> np.ndarray:
        return pal[:, k : k + 1]

    # Outlines and start marks, per state one colour (rejected dim, pending solid,
    # accepted marks dark): full-height columns (``cols``: run ends of outlined states,
    # start marks) and what the items' top and bottom rows show (``edge``: those, and
    # the runs of outlined states). Later states paint over earlier ones.
    firsts = runs.copy()
    firsts[:, :, 1:] &= ~runs[:, :, :-1]
    lasts = runs.copy()
    lasts[:, :, :-1] &= ~runs[:, :, 1:]
    cols = _start_marks(row[wide] * 3 + state[wide], a[wide],
                        firsts.sum(axis=2).ravel(), n_rows * 3, we).reshape(n_rows, 3, we)
    cols[:, :2] |= firsts[:, :2] | lasts[:, :2]  # accepted runs have no outline
    edge = cols.copy()
    edge[:, :2] |= runs[:, :2]
    # A rejected item's faint edges do not show through an accepted fill (drawn as
    # translucent paint over it, they would vanish there).
    cols[:, 0] &= ~accepted
    edge[:, 0] &= ~accepted
    inks = (colour(_DIM), colour(_SOLID), colour(_MARK_DARK))
    cols_val = np.where(cols[:, 2], inks[2], np.where(cols[:, 1], inks[1],
                                                      np.where(cols[:, 0], inks[0], 0)))
    edge_val = np.where(edge[:, 2], inks[2], np.where(edge[:, 1], inks[1],
                                                      np.where(edge[:, 0], inks[0], 0)))
    cols_on, edge_on = cols.any(axis=1), edge.any(axis=1)
    # Ticks: full-height columns too (accepted 3 px, others 1 px), over everything, the
    # highest state winning where ticks touch; a pending one gets a notch on top.
    notch = np.zeros((n_rows, we), bool)
    if len(items.tick_x):
        # Which of the columns x - 1, x, x + 1 a tick of each state covers.
        reach = np.array([[TICK_SHAPE[s][0] >= 1, True, TICK_SHAPE[s][1] >= 2]
                          for s in STATES])
        covers = reach[items.tick_state]
        c = (items.tick_x[:, None] + np.arange(-1, 2))[covers]
        k = np.repeat(items.tick_row, covers.sum(axis=1))
        st = np.repeat(items.tick_state, covers.sum(axis=1))
        ok = (c >= 0) & (c < we)
        hit = np.bincount((k[ok] * 3 + st[ok]) * we + c[ok], minlength=n_rows * 3 * we)
        hit = (hit > 0).reshape(n_rows, 3, we)
        on = hit.any(axis=1)
        value = np.where(hit[:, 1] | hit[:, 2], colour(_SOLID), colour(_DIM))
        cols_val = np.where(on, value, cols_val)
        edge_val = np.where(on, value, edge_val)
        cols_on |= on
        edge_on |= on
        waiting = items.tick_state == 1
        c = (items.tick_x[waiting][:, None] + np.arange(-2, 3)).ravel()
        k = np.repeat(items.tick_row[waiting], 5)
        ok = (c >= 0) & (c < we)
        notch[k[ok], c[ok]] = True

    inner = slice(EDGE_PX, EDGE_PX + w)  # the area's own columns
    base = np.where(accepted, colour(_SOLID), np.where(pending, colour(_PENDING), colour(_BG)))
    middle = np.where(cols_on, cols_val, base)[:, inner]
    # Hatch lines show where a rejected item is not hidden under an accepted one or a
    # full-height column: pixel (x, y) is on a line when (x + y) % 8 == 0, so a hatched
    # column is on a line in exactly one of eight row variants, the one for y % 8.
    hatch_at = (rejected & ~accepted & ~cols_on)[:, inner]
    hatched = np.flatnonzero(hatch_at.any(axis=1))
    line = np.where(pending, colour(_PENDING_HATCH), colour(_HATCH))[:, inner]
    edge_on, edge_val, notch = edge_on[:, inner], edge_val[:, inner], notch[:, inner]

    # The distinct rows, in one table: per lane its middle row; per hatched lane eight
    # variants, variant i for image rows y with y % 8 == i; then rows made for one place
    # (the items' top and bottom rows, the rows under notches).
    variant_of = np.full(n_rows, -1, np.int64)
    variant_of[hatched] = np.arange(len(hatched))
    variants = np.repeat(middle[hatched][:, None, :], HATCH, axis=1)
    if len(hatched):
        j, c = np.nonzero(hatch_at[hatched])
        variants[j, -(c + area.left() + area.top()) % HATCH, c] = line[hatched][j, c]
    first_variant = n_rows

    def items_row(k: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Table rows of lanes ``k``'s items at image rows ``y`` (edges aside)."""
        v = variant_of[k]
        return np.where(v < 0, k, first_variant + HATCH * v + y % HATCH)

    tops = np.array([r.top - area.top() for r in rows]) + MARGIN  # first item row
    bottoms = tops + np.array([r.height for r in rows]) - 2 * MARGIN - 1
    base_rows = np.concatenate((middle, variants.reshape(-1, w)))
    # Candidates, all lanes at once: each lane's top row, the two below it (notches), its
    # bottom row; kept where on screen, inside the items' rows and with something to show.
    lanes = np.tile(np.arange(n_rows), NOTCH_ROWS + 1)
    y = np.concatenate([tops + dy for dy in range(NOTCH_ROWS)] + [bottoms])
    is_edge = (y == tops[lanes]) | (y == bottoms[lanes])
    under_notch = y < tops[lanes] + NOTCH_ROWS
    has_edge, has_notch = edge_on.any(axis=1)[lanes], notch.any(axis=1)[lanes]
    ok = (y >= 0) & (y < h) & (y <= bottoms[lanes]) & ((is_edge & has_edge)
                                                       | (under_notch & has_notch))
    ok[len(lanes) - n_rows :] &= bottoms >= tops + NOTCH_ROWS  # else a top row already
    k, y, is_edge, under_notch = lanes[ok], y[ok], is_edge[ok], under_notch[ok]
    made = base_rows[items_row(k, y)]
    made = np.where(is_edge[:, None] & edge_on[k], edge_val[k], made)
    made = np.where(under_notch[:, None] & notch[k], pal[k, _SOLID, None], made)
    made_at = list(zip(y.tolist(), k.tolist(), strict=True))
    table = np.ascontiguousarray(np.concatenate((base_rows, made)))
    source = QImage(table.data, w, len(table), 4 * w, QImage.Format.Format_RGB32)
    made_in: dict[int, dict[int, int]] = {}  # lane → image row → table row
    for i, (y, k) in enumerate(made_at):
        made_in.setdefault(k, {})[y] = len(base_rows) + i

    x, y0 = area.left(), area.top()  # image row y is drawn at viewport y0 + y
    for k in range(n_rows):
        top, bottom = max(int(tops[k]), 0), min(int(bottoms[k]), h - 1)
        # Rows made for one place (edges, notches) break the items' rows into runs: each
        # run is the middle row stretched, or the hatch variants copied.
        made = made_in.get(k, {})
        y = top
        for stop in [*sorted(made), bottom + 1]:
            if stop > y:
                if variant_of[k] < 0:
                    p.drawImage(QRect(x, y0 + y, w, stop - y), source, QRect(0, k, w, 1))
                else:
                    first = first_variant + HATCH * int(variant_of[k])
                    while y < stop:
                        n = min(stop - y, HATCH - y % HATCH)
                        p.drawImage(QPoint(x, y0 + y), source,
                                    QRect(0, first + y % HATCH, w, n))
                        y += n
            if stop <= bottom:
                p.drawImage(QPoint(x, y0 + stop), source, QRect(0, made[stop], w, 1))
            y = stop + 1
    return items


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


@lru_cache(maxsize=64)
def _qt_looks(
    color_rgba: int,
) -> tuple[dict[int, QBrush], dict[int, QPen], dict[int, QColor]]:
    """Per state: fill brushes, outline pens, start-mark colours of a kind's colour
    (made once per colour: painting a few lanes must not build Qt objects each time)."""
    color = QColor.fromRgba(color_rgba)
    brushes = {
        0: QBrush(with_alpha(color, REJECTED_ALPHA), Qt.BrushStyle.BDiagPattern),
        1: QBrush(with_alpha(color, PENDING_ALPHA)),
        2: QBrush(color),
    }
    pens = {0: QPen(with_alpha(color, REJECTED_EDGE_ALPHA), 1), 1: QPen(color, 1)}
    marks = {0: with_alpha(color, REJECTED_EDGE_ALPHA), 1: color, 2: EDGE_DARK}
    return brushes, pens, marks


def _paint_few(
    p: QPainter,
    area: QRect,
    r: LaneRow,
    view: tuple[float, float, float],
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> list[_Label]:
    """A row with few items, drawn with Qt rectangles (``p`` in viewport coordinates):
    merged runs per state, translucent over each other, as the numpy path draws them."""
    ox, vs, pps = view
    left, right = float(area.left()), float(area.left() + area.width())
    lane, color = r.lane, r.color
    y, h = r.top + MARGIN, r.height - 2 * MARGIN
    items: dict[int, list[tuple[int, int, int]]] = {0: [], 1: [], 2: []}
    ticks: dict[int, list[int]] = {}
    starts, ends = lane.starts[r.lo : r.hi].tolist(), lane.ends[r.lo : r.hi].tolist()
    states = lane.states[r.lo : r.hi].tolist()
    for k, (t0, t1, state) in enumerate(zip(starts, ends, states, strict=True)):
        x0, x1 = ox + (t0 - vs) * pps, ox + (t1 - vs) * pps
        if x1 < left - 2 or x0 > right + 2:
            continue
        x0 = min(max(x0, left - EDGE_PX), right + EDGE_PX)
        x1 = min(max(x1, left - EDGE_PX), right + EDGE_PX)
        if lane.ticks and x1 - x0 < 2:
            ticks.setdefault(state, []).append(round(x0))
            continue
        if is_transition(lane, r.lo + k):
            continue  # its shape: paint_transitions
        a = math.floor(x0)
        items[state].append((a, max(math.ceil(x1), a + 1), r.lo + k))
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    brushes, outline_pens, marks = _qt_looks(color.rgba())
    runs = {s: _merge([(a, b) for a, b, _ in spans]) for s, spans in items.items() if spans}
    for s, merged in runs.items():
        p.setBrush(brushes[s])
        p.drawRects([QRect(a, y, b - a, h) for a, b in merged])
    p.setBrush(Qt.BrushStyle.NoBrush)
    lines: dict[int, list[int]] = {}
    for s, spans in items.items():
        wide = [(a, b) for a, b, _ in spans if b - a >= 3]
        if not wide:
            continue
        outlined = _merge(wide)
        if s in outline_pens:
            p.setPen(outline_pens[s])
            p.drawRects([QRectF(a + 0.5, y + 0.5, b - a - 1, h - 1) for a, b in outlined])
        starts_at = sorted({a for a, _ in wide})
        if len(starts_at) > len(outlined) and _comb_ok(starts_at):
            lines[s] = starts_at
    p.setPen(Qt.PenStyle.NoPen)
    for s, xs in lines.items():
        # 1 px filled rects: Qt's fill path is several times faster than stroking lines.
        p.setBrush(marks[s])
        p.drawRects([QRect(x, y, 1, h) for x in xs])
    for s in STATES:
        xs = sorted(ticks.get(s, ()))
        if not xs:
            continue
        left_px, right_px = TICK_SHAPE[s]
        p.setBrush(marks[0] if s == 0 else color)
        p.drawRects([QRect(a, y, b - a, h)
                     for a, b in _merge([(x - left_px, x + right_px) for x in xs])])
        if s == 1:  # the notch atop a pending instant
            p.setBrush(color)
            p.drawRects([QRect(a, y, b - a, NOTCH_ROWS)
                         for a, b in _merge([(x - 2, x + 3) for x in xs])])
    p.restore()
    if lane.ticks or lane.suggestion_id or (r.hi - r.lo) * LABEL_ROOM_PX > area.width():
        return []
    every = sorted((max(a, area.left()), min(b, area.left() + area.width()), s, k)
                   for s, spans in items.items() for a, b, k in spans)
    return _place_labels(r, [x for x in every if x[1] - x[0] >= LABEL_MIN_PX], metrics,
                         label_of)


def _start_marks(
    row: np.ndarray, a: np.ndarray, runs: np.ndarray, n_rows: int, w: int
) -> np.ndarray:
    """Columns where an item starts inside a run, per row (``n_rows × w`` booleans):
    only in rows with more distinct starts than runs, and starts 3 px apart on average
    (closer would read as a solid block).

    ``row``/``a`` are the items' rows and first columns; ``runs`` the number of merged
    runs per row.
    """
    starts = np.bincount(row * (w + 1) + a, minlength=n_rows * (w + 1))
    marks = (starts > 0).reshape(n_rows, w + 1)[:, :w]
    count = marks.sum(axis=1)
    first = np.argmax(marks, axis=1)
    last = w - 1 - np.argmax(marks[:, ::-1], axis=1)
    ok = (count > runs) & (count > 1) & (last - first >= 3 * count)
    marks &= ok[:, None]
    return marks


def _labels(
    rows: list[LaneRow],
    items: _Items,
    area: QRect,
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> list[_Label]:
    """Labels of the rows rasterised by numpy whose items have room (see
    :func:`_place_labels`)."""
    out: list[_Label] = []
    # Item columns back to viewport x, clipped to the view.
    left, right = EDGE_PX + items.origin, EDGE_PX + items.origin + area.width()
    for k, r in enumerate(rows):
        lane = r.lane
        if lane.ticks or lane.suggestion_id or (r.hi - r.lo) * LABEL_ROOM_PX > area.width():
            continue
        i0 = int(np.searchsorted(items.row, k, side="left"))
        i1 = int(np.searchsorted(items.row, k, side="right"))
        x0s = np.maximum(items.a[i0:i1] + items.origin, left)
        x1s = np.minimum(items.b[i0:i1] + items.origin, right)
        big = np.flatnonzero((x1s - x0s) >= LABEL_MIN_PX)
        spans = [(x0, x1, int(items.state[k]), items.item(k)) for x0, x1, k in
                 zip(x0s[big].tolist(), x1s[big].tolist(), (big + i0).tolist(), strict=True)]
        out += _place_labels(r, spans, metrics, label_of)
    return out


def _place_labels(
    r: LaneRow,
    spans: list[tuple[int, int, int, int]],
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> list[_Label]:
    """Where labels go in a row: ``spans`` are the items ``(x0, x1, state, item)`` in view,
    clipped to it, at least :data:`LABEL_MIN_PX` wide, sorted by start; each gets a label
    unless it would overlap the previous one (the first item wins), at most
    :data:`MAX_LABELS`.

    After a label, the search jumps (bisect) to the first item starting past it, so a pile
    of thousands of wide items costs as many steps as labels drawn.
    """
    out: list[_Label] = []
    starts = [x0 for x0, _, _, _ in spans]
    y, height = r.top + MARGIN, r.height - 2 * MARGIN
    j = shown = 0
    while j < len(spans) and shown < MAX_LABELS:
        x0, x1, state, item = spans[j]
        inner = QRectF(x0 + 4, y, x1 - x0 - 7, height)
        text = metrics.elidedText(label_of(r.lane.ids[item]), Qt.TextElideMode.ElideRight,
                                  int(inner.width()))
        if text:
            out.append(_Label(inner, text, TEXT_ON_SOLID if state == 2 else TEXT_ON_DARK))
        shown += 1
        # Touching items share a pixel column: the next label may start on it.
        j = bisect.bisect_left(starts, x1 - 1, j + 1)
    return out


def paint_selection(p: QPainter, spans: list[tuple[float, float]], box: QRectF) -> None:
    """A 2 px white outline around each ``(x0, x1)`` span (widened around instants)."""
    p.setPen(QPen(QColor("#ffffff"), 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for x0, x1 in spans:
        if x1 - x0 < 2:
            x0, x1 = x0 - 2, x0 + 2
        p.drawRect(QRectF(x0, box.top() - 1, x1 - x0, box.height() + 2))
