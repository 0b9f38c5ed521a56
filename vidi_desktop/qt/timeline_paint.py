"""Painting the suggestion lanes: all visible lanes rasterised by numpy into one cached image.

A lane may hold thousands of items in view (zoomed out on a long interview, or chapters and
highlights piled on each other), and a window shows a dozen lanes or more. Drawing items one
Qt call at a time from Python costs tens of milliseconds, and even one numpy pass per lane
spends most of its time in the fixed cost of a few dozen small numpy calls, times the lanes.
So every visible lane is rasterised in *one* pass, whatever the number of lanes and items:

- the items of all lanes are gathered into flat arrays (start and end column, review state,
  lane), and column coverage per lane and state comes from one ``bincount``/``cumsum`` over
  ``lane × category × column``;
- each lane's row of fill colours, its eight hatch variants (the diagonal repeats every 8
  rows), outlines and marks are computed as ``lanes × columns`` arrays; the image is then one
  gather of those rows, which a ``QImage`` wraps without a copy, drawn with one
  ``drawImage``;
- :class:`LanesImage` keeps that image (and where its labels go) until the lanes' data, the
  view, the area or the rows change, so a paint for anything else — the selection moving
  through the review queue, highlights, thumbnails arriving — costs one blit.

The layers, per lane: fills per state, rejected under pending under accepted, piled items
merged so translucent fills do not darken each other; an outline around pending runs (dim
around rejected ones); a 1 px mark where an item starts inside a run (the kind's colour, dark
on accepted fills; left out when marks would crowd closer than 3 px on average); instants
(scene cuts) as ticks — a 3 px bar when accepted, a 1 px line with a notch on top when
pending, a faint line when rejected; then labels (drawn by Qt, crisp at any device pixel
ratio), only on items wide enough to read and never over another label in the same lane.

The looks: accepted solid, pending a translucent fill with an outline, rejected hatched and
dim — an editor tells them apart at a glance, and the tests sample their pixels.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen

from vidi_desktop.qt import theme
from vidi_desktop.qt.timeline_index import Lane

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


@dataclass(frozen=True, slots=True)
class _Picture:
    """The rasterised lanes: the image, the array holding its pixels, the labels."""

    image: QImage
    pixels: np.ndarray | None  # the image's memory (None when the image owns it)
    labels: list[_Label]


class LanesImage:
    """The lanes area as one picture, rasterised again only when what it shows changes.

    The key is the lanes' data version (the caller's: bumped whenever items, states or
    labels change), the view ``(origin_x, view_start, pixels_per_second)``, the area, the
    gap colour and each row's place, window and colours. Selection outlines, highlights and
    the playhead are not part of it: the caller draws them over.
    """

    def __init__(self) -> None:
        self._key: Hashable | None = None
        self._picture = _Picture(QImage(), None, [])
        self.renders = 0  # how many times the picture was rasterised (tests, benchmarks)

    def paint(
        self,
        p: QPainter,
        area: QRect,
        rows: list[LaneRow],
        view: tuple[float, float, float],
        gap: QColor,
        version: Hashable,
        metrics: QFontMetrics,
        label_of: Callable[[str], str],
    ) -> None:
        """Draw ``rows`` into ``area`` (viewport coordinates) with ``p``, from the cached
        picture when nothing changed. Rows are clipped to the area; between rows, ``gap``.

        x = origin_x + (t - view_start) × pixels_per_second.
        """
        if area.isEmpty():
            return
        key = (
            version, area.x(), area.y(), area.width(), area.height(), view, gap.rgb(),
            tuple((len(r.lane), r.lo, r.hi, r.top, r.height, r.color.rgba(),
                   r.background.rgba()) for r in rows),
        )
        if key != self._key:
            self._picture = render_lanes(area, rows, view, gap, metrics, label_of)
            self._key = key
            self.renders += 1
        p.drawImage(area.topLeft(), self._picture.image)
        for label in self._picture.labels:
            p.setPen(label.color)
            p.drawText(label.rect, Qt.AlignmentFlag.AlignVCenter, label.text)
        p.setPen(Qt.PenStyle.NoPen)

    def invalidate(self) -> None:
        """Forget the picture: the next paint rasterises."""
        self._key = None


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
    """The items of all rows in view, as flat arrays in row order (sorted by start within
    a row), columns relative to the area."""

    row: np.ndarray  # which row (index into rows)
    a: np.ndarray  # first column (absolute viewport x, floor of the start)
    b: np.ndarray  # end column, exclusive (absolute), at least a + 1
    state: np.ndarray
    index: np.ndarray  # item number within its lane
    tick_row: np.ndarray  # instants drawn as ticks
    tick_x: np.ndarray  # column relative to the area
    tick_state: np.ndarray


def _gather(rows: list[LaneRow], area: QRect, view: tuple[float, float, float]) -> _Items:
    """Every visible item of every row, placed in pixels (one numpy pass for all rows)."""
    ox, vs, pps = view
    left, right = float(area.left()), float(area.left() + area.width())
    counts = np.array([max(0, r.hi - r.lo) for r in rows], np.int64)
    row = np.repeat(np.arange(len(rows)), counts)
    first = np.cumsum(counts) - counts  # where each row's items begin in the flat arrays
    index = np.arange(int(counts.sum())) - first[row] + np.array([r.lo for r in rows])[row]
    starts = np.concatenate([r.lane.starts[r.lo:r.hi] for r in rows] or [np.empty(0)])
    ends = np.concatenate([r.lane.ends[r.lo:r.hi] for r in rows] or [np.empty(0)])
    states = np.concatenate([r.lane.states[r.lo:r.hi] for r in rows] or [np.empty(0, np.int8)])
    x0 = ox + (starts - vs) * pps
    x1 = ox + (ends - vs) * pps
    seen = (x1 >= left - 2) & (x0 <= right + 2)
    x0 = np.clip(x0[seen], left - 4, right + 4)
    x1 = np.clip(x1[seen], left - 4, right + 4)
    row, states, index = row[seen], states[seen].astype(np.int64), index[seen]
    ticks = np.array([r.lane.ticks for r in rows], bool)
    instant = ticks[row] & ((x1 - x0) < 2) if len(rows) else np.zeros(0, bool)
    keep = ~instant
    a = np.floor(x0[keep]).astype(np.int64)
    return _Items(
        row=row[keep],
        a=a,
        b=np.maximum(np.ceil(x1[keep]).astype(np.int64), a + 1),
        state=states[keep],
        index=index[keep],
        tick_row=row[instant],
        tick_x=np.round(x0[instant]).astype(np.int64) - area.left(),
        tick_state=states[instant],
    )


def render_lanes(
    area: QRect,
    rows: list[LaneRow],
    view: tuple[float, float, float],
    gap: QColor,
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> _Picture:
    """The lanes area as an opaque image, and the labels to draw over it (viewport
    coordinates). See the module docstring for the layers."""
    w, h, n_rows = area.width(), area.height(), len(rows)
    if not n_rows:
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.fill(gap)
        return _Picture(image, None, [])
    items = _gather(rows, area, view)
    # Columns are counted from EDGE_PX left of the area and reach as far right of it:
    # items are clipped there, so a run that goes on past the view gets no end outline.
    origin, we = area.left() - EDGE_PX, w + 2 * EDGE_PX
    a = np.clip(items.a - origin, 0, we)
    b = np.clip(items.b - origin, 0, we)
    row, state = items.row, items.state
    wide = (b - a) >= 3

    # Coverage of every column per row and category (fills per state, then wide items
    # per state), from one bincount of item edges over the categories that have items.
    span = we + 1
    cat = row * _CATEGORIES + state
    cats = np.concatenate((cat, cat[wide] + 3))
    present = np.bincount(cats, minlength=n_rows * _CATEGORIES) > 0
    slot = np.cumsum(present) - 1  # compact number of each present category
    segment = slot[cats] * span
    ends = np.concatenate((a, a[wide])), np.concatenate((b, b[wide]))
    size = int(present.sum()) * span
    edges = np.bincount(segment + ends[0], minlength=size)
    edges -= np.bincount(segment + ends[1], minlength=size)
    cover = np.zeros((n_rows * _CATEGORIES, we), bool)
    # Each segment's edges sum to zero (an item ends in its own segment), so one flat
    # running sum is every segment's own.
    cover[present] = np.cumsum(edges).reshape(-1, span)[:, :we] > 0
    cover = cover.reshape(n_rows, _CATEGORIES, we)

    pal = np.array(
        [_palette(r.color.rgba(), r.background.rgba()) for r in rows], np.uint32
    )

    def colour(k: int) -> np.ndarray:
        return pal[:, k : k + 1]

    rejected, pending, accepted = cover[:, 0], cover[:, 1], cover[:, 2]
    base = np.where(
        accepted, colour(_SOLID), np.where(pending, colour(_PENDING), colour(_BG))
    )

    # Outlines and start marks: what the items' top and bottom rows show (``edge``) and
    # full-height columns (``cols``). Per state one colour (rejected dim, pending solid,
    # accepted marks dark), later states over earlier ones.
    edge_on = np.zeros((n_rows, we), bool)
    edge_val = np.zeros((n_rows, we), np.uint32)
    cols_on = np.zeros((n_rows, we), bool)
    cols_val = np.zeros((n_rows, we), np.uint32)
    for s, ink, outlined in ((0, _DIM, True), (1, _SOLID, True), (2, _MARK_DARK, False)):
        runs = cover[:, 3 + s]
        if not present.reshape(n_rows, _CATEGORIES)[:, 3 + s].any():
            continue
        firsts = runs.copy()
        firsts[:, 1:] &= ~runs[:, :-1]
        cols = _start_marks(row[wide & (state == s)], a[wide & (state == s)],
                            firsts.sum(axis=1), n_rows, we)
        if outlined:
            lasts = runs.copy()
            lasts[:, :-1] &= ~runs[:, 1:]
            ends_at = firsts | lasts
            cols = ends_at if cols is None else cols | ends_at
            edge = runs | cols
        elif cols is None:
            continue
        else:
            edge = cols
        if s == 0:
            # A rejected item's faint edges do not show through an accepted fill (drawn
            # as translucent paint over it, they would vanish there).
            edge, cols = edge & ~accepted, cols & ~accepted
        edge_val = np.where(edge, colour(ink), edge_val)
        edge_on |= edge
        cols_val = np.where(cols, colour(ink), cols_val)
        cols_on |= cols
    notch = np.zeros((n_rows, we), bool)
    for s in STATES:
        pick = items.tick_state == s
        if not pick.any():
            continue
        xs, rs = items.tick_x[pick] + EDGE_PX, items.tick_row[pick]
        value = pal[rs, _SOLID if s else _DIM]
        left_px, right_px = TICK_SHAPE[s]
        for dx in range(-left_px, right_px):
            c = xs + dx
            ok = (c >= 0) & (c < we)
            cols_on[rs[ok], c[ok]] = True
            cols_val[rs[ok], c[ok]] = value[ok]
            edge_on[rs[ok], c[ok]] = True
            edge_val[rs[ok], c[ok]] = value[ok]
        if s == 1:  # the notch atop a pending instant
            for dx in range(-2, 3):
                c = xs + dx
                ok = (c >= 0) & (c < we)
                notch[rs[ok], c[ok]] = True

    inner = slice(EDGE_PX, EDGE_PX + w)  # the area's own columns
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
    # (the items' top and bottom rows, the rows under notches). Qt then builds the image
    # from them: solid fills for backgrounds, rows stretched or copied for items.
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
    lanes = np.arange(n_rows)
    made_rows: list[np.ndarray] = []
    made_at: list[tuple[int, int]] = []  # (image row, lane) of each made row
    base_rows = np.concatenate((middle, variants.reshape(-1, w)))
    for dy in (*range(NOTCH_ROWS), None):
        y = bottoms if dy is None else tops + dy
        ok = (y >= 0) & (y < h) & (y <= bottoms) & (y >= tops)
        edge = (dy is None) | (y == tops)
        top = (y < tops + NOTCH_ROWS)[:, None] & notch
        ok &= (edge & edge_on.any(axis=1)) | top.any(axis=1)
        if not ok.any():
            continue
        k, y, edge, top = lanes[ok], y[ok], edge[ok] if np.ndim(edge) else edge, top[ok]
        px = base_rows[items_row(k, y)]
        px = np.where(np.reshape(edge, (-1, 1)) & edge_on[k], edge_val[k], px)
        px = np.where(top, pal[k, _SOLID, None], px)
        made_rows.append(px)
        made_at += zip(y.tolist(), k.tolist(), strict=True)
    table = np.ascontiguousarray(np.concatenate((base_rows, *made_rows)))
    source = QImage(table.data, w, len(table), 4 * w, QImage.Format.Format_RGB32)
    made_row = {at: len(base_rows) + i for i, at in enumerate(made_at)}

    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(gap)
    p = QPainter(image)
    for k, r in enumerate(rows):
        y0 = r.top - area.top()
        p.fillRect(QRect(0, y0, w, r.height), QColor.fromRgb(int(pal[k, _BG])))
        top, bottom = int(tops[k]), int(bottoms[k])
        y = max(top, 0)
        while y <= min(bottom, h - 1):
            at = made_row.get((y, k))
            if at is not None:  # an edge or notch row
                p.drawImage(QPoint(0, y), source, QRect(0, at, w, 1))
                y += 1
                continue
            # A run of rows without edges: the middle row stretched, or the hatch
            # variants copied up to the next row made for one place.
            stop = y + 1
            while stop <= bottom and stop < h and (stop, k) not in made_row:
                stop += 1
            if variant_of[k] < 0:
                p.drawImage(QRect(0, y, w, stop - y), source, QRect(0, k, w, 1))
            else:
                while y < stop:
                    n = min(stop - y, HATCH - y % HATCH)
                    first = first_variant + HATCH * int(variant_of[k]) + y % HATCH
                    p.drawImage(QPoint(0, y), source, QRect(0, first, w, n))
                    y += n
            y = stop
    p.end()
    return _Picture(image, None, _labels(rows, items, area, metrics, label_of))


def _start_marks(
    row: np.ndarray, a: np.ndarray, runs: np.ndarray, n_rows: int, w: int
) -> np.ndarray | None:
    """Columns where an item starts inside a run, per row: only in rows with more starts
    than runs, and starts 3 px apart on average (closer would read as a solid block).

    ``row``/``a`` are the items' rows and first columns, sorted by row then column;
    ``runs`` the number of merged runs per row.
    """
    inside = a < w
    row, a = row[inside], a[inside]
    if not len(a):
        return None
    distinct = np.ones(len(a), bool)
    distinct[1:] = (a[1:] != a[:-1]) | (row[1:] != row[:-1])
    row, a = row[distinct], a[distinct]
    count = np.bincount(row, minlength=n_rows)
    first_at = np.searchsorted(row, np.arange(n_rows))
    last_at = np.maximum(first_at + count - 1, 0)
    spread = a[np.minimum(last_at, len(a) - 1)] - a[np.minimum(first_at, len(a) - 1)]
    ok = (count > runs) & (count > 1) & (spread >= 3 * count)
    take = ok[row]
    if not take.any():
        return None
    marks = np.zeros((n_rows, w), bool)
    marks[row[take], a[take]] = True
    return marks


def _labels(
    rows: list[LaneRow],
    items: _Items,
    area: QRect,
    metrics: QFontMetrics,
    label_of: Callable[[str], str],
) -> list[_Label]:
    """Where labels go: per row whose items have room (no ticks, not a per-suggestion
    lane), items sorted by start, each wide enough on screen, none overlapping the previous
    label (the first item wins), at most :data:`MAX_LABELS` per row.

    After a label, the search jumps (bisect) to the first item starting past it, so a pile
    of thousands of wide items costs as many steps as labels drawn.
    """
    out: list[_Label] = []
    left, right = area.left(), area.left() + area.width()
    for k, r in enumerate(rows):
        lane = r.lane
        if lane.ticks or lane.suggestion_id or (r.hi - r.lo) * LABEL_ROOM_PX > area.width():
            continue
        i0 = int(np.searchsorted(items.row, k, side="left"))
        i1 = int(np.searchsorted(items.row, k, side="right"))
        if i1 <= i0:
            continue
        x0s = np.maximum(items.a[i0:i1], left)
        x1s = np.minimum(items.b[i0:i1], right)
        big = np.flatnonzero((x1s - x0s) >= LABEL_MIN_PX)
        starts, ends = x0s[big].tolist(), x1s[big].tolist()
        picks = (big + i0).tolist()
        y, height = r.top + MARGIN, r.height - 2 * MARGIN
        j = shown = 0
        while j < len(picks) and shown < MAX_LABELS:
            x0, x1 = starts[j], ends[j]
            inner = QRectF(x0 + 4, y, x1 - x0 - 7, height)
            text = metrics.elidedText(
                label_of(lane.ids[int(items.index[picks[j]])]), Qt.TextElideMode.ElideRight,
                int(inner.width()),
            )
            if text:
                solid = int(items.state[picks[j]]) == 2
                out.append(_Label(inner, text, TEXT_ON_SOLID if solid else TEXT_ON_DARK))
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
