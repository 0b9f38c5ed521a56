"""Gradual scene boundaries drawn as what they are, in the scenes lane.

A hard cut is an instant (a tick, :mod:`.timeline_paint`); a fade or a dissolve lasts, and
an editor reads its kind from its shape, as on an NLE's transition: the picture's level over
the transition — a ramp up for a fade in (from black), a ramp down for a fade out, down and
up for a dip to black — filled beneath; a dissolve (a wipe, another transition) as the two
shots crossing, an X. Review states look as everywhere on the timeline: accepted solid,
pending a translucent fill under a solid line, rejected hatched and dim. Each is labelled
with its word ("fade in", "dissolve"…) right after it, where the lane has room before the
next item, or inside it when it is wide.

Narrower than 2 px a transition stays a tick like a cut (nothing to read at that zoom).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPen, QPolygonF

from vidi_desktop.qt import theme
from vidi_desktop.qt.timeline_index import (
    SHAPE_CROSS,
    SHAPE_DIP,
    SHAPE_FADE_IN,
    SHAPE_FADE_OUT,
    Lane,
)

MIN_PX = 2  # narrower: a tick
LABEL_GAP = 3  # pixels between a shape and its label, and before the next item
MIN_LABEL_PX = 18  # less room than this: no label
PENDING_ALPHA = 90
REJECTED_ALPHA = 110
DIM_ALPHA = 80
TEXT = QColor(theme.TEXT)
TEXT_ON_SOLID = QColor("#111214")
LINE_ON_SOLID = QColor(0, 0, 0, 150)


def is_transition(lane: Lane, item: int) -> bool:
    """Is item ``item`` of ``lane`` drawn here (given room) rather than as a box or tick?"""
    return lane.ticks and len(lane.shapes) == len(lane) and bool(lane.shapes[item])


def _alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


def outline(shape: int, box: QRectF) -> list[list[QPointF]]:
    """The lines of a transition's shape in ``box``: the level over time (one polyline),
    or for a cross the two diagonals."""
    left, right, top, bottom = box.left(), box.right(), box.top(), box.bottom()
    middle = (left + right) / 2
    if shape == SHAPE_FADE_IN:
        return [[QPointF(left, bottom), QPointF(right, top)]]
    if shape == SHAPE_FADE_OUT:
        return [[QPointF(left, top), QPointF(right, bottom)]]
    if shape == SHAPE_DIP:
        return [[QPointF(left, top), QPointF(middle, bottom), QPointF(right, top)]]
    return [[QPointF(left, top), QPointF(right, bottom)],
            [QPointF(left, bottom), QPointF(right, top)]]


def fill(shape: int, box: QRectF) -> QPolygonF:
    """The area under the level line (a cross: the two shots' triangles together)."""
    left, right, top, bottom = box.left(), box.right(), box.top(), box.bottom()
    if shape == SHAPE_CROSS:
        middle = QPointF((left + right) / 2, (top + bottom) / 2)
        return QPolygonF([QPointF(left, top), middle, QPointF(right, top),
                          QPointF(right, bottom), QPointF(left, bottom)])
    line = outline(shape, box)[0]
    return QPolygonF([*line, QPointF(right, bottom), QPointF(left, bottom)])


def paint_transitions(
    p: QPainter,
    area: QRect,
    rows: list,  # list[LaneRow]; not imported: timeline_paint imports this module
    view: tuple[float, float, float],
    metrics: QFontMetrics,
) -> list[tuple[QRectF, str]]:
    """Paint the transitions of the tick lanes among ``rows`` into ``area`` (viewport
    coordinates; ``view`` as :func:`~.timeline_paint.paint_lanes` takes it). Returns the
    labels drawn: where (the text's own rectangle) and what."""
    ox, vs, pps = view
    left, right = area.left(), area.left() + area.width()
    labels: list[tuple[QRectF, str]] = []
    p.save()
    p.setClipRect(area, Qt.ClipOperation.IntersectClip)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for r in rows:
        lane = r.lane
        if not lane.ticks or len(lane.shapes) != len(lane) or r.hi <= r.lo:
            continue
        shapes = lane.shapes[r.lo : r.hi]
        if not shapes.any():
            continue
        top, height = r.top + 2, r.height - 4  # as the lane's items (timeline_paint.MARGIN)
        taken = float(left)  # labels of this lane end here so far
        for k in shapes.nonzero()[0].tolist():
            item = r.lo + k
            x0 = ox + (float(lane.starts[item]) - vs) * pps
            x1 = ox + (float(lane.ends[item]) - vs) * pps
            if x1 - x0 < MIN_PX or x1 < left - 2 or x0 > right + 2:
                continue
            box = QRectF(x0, top + 0.5, x1 - x0, height - 1)
            state = int(lane.states[item])
            _paint_one(p, int(lane.shapes[item]), state, box, r.color)
            placed = place_label(lane, item, box, view, (taken, float(right)), metrics)
            if placed is None:
                continue
            rect, text, inside = placed
            p.setPen(TEXT_ON_SOLID if inside and state == 2
                     else _alpha(TEXT, 130) if state == 0 else TEXT)
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
            labels.append((rect, text))
            taken = max(taken, rect.right() + LABEL_GAP)
    p.restore()
    return labels


def _paint_one(p: QPainter, shape: int, state: int, box: QRectF, color: QColor) -> None:
    if state == 2:  # accepted: solid, its lines dark on the fill
        brush, line = QBrush(color), QPen(color, 1.5)
        cross = QPen(LINE_ON_SOLID, 1.5)
    elif state == 1:  # pending: translucent under a solid line
        brush, line = QBrush(_alpha(color, PENDING_ALPHA)), QPen(color, 1.5)
        cross = line
    else:  # rejected: hatched, dim
        brush = QBrush(_alpha(color, REJECTED_ALPHA), Qt.BrushStyle.BDiagPattern)
        line = cross = QPen(_alpha(color, DIM_ALPHA), 1)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(brush)
    p.drawPolygon(fill(shape, box))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(cross if shape == SHAPE_CROSS else line)
    for points in outline(shape, box):
        p.drawPolyline(QPolygonF(points))
    if shape != SHAPE_CROSS and state != 0:
        # The edges of the transition, so two touching fades read as two.
        p.setPen(QPen(_alpha(color, 160), 1))
        p.drawLine(QPointF(box.left(), box.top()), QPointF(box.left(), box.bottom()))
        p.drawLine(QPointF(box.right(), box.top()), QPointF(box.right(), box.bottom()))


def place_label(
    lane: Lane,
    item: int,
    box: QRectF,
    view: tuple[float, float, float],
    bounds: tuple[float, float],
    metrics: QFontMetrics,
) -> tuple[QRectF, str, bool] | None:
    """Where a transition's word goes: ``(the text's rectangle, the text — elided if it
    must —, inside the shape)``, or None without room.

    Inside the shape when it is wide enough; else after it, up to the next item of the
    lane; else before it, back to where the earlier items and labels end (``bounds[0]``),
    whichever has more room. ``bounds`` are the x range labels may use.
    """
    text = lane.labels.get(item, "")
    if not text:
        return None
    ox, vs, pps = view
    need = metrics.horizontalAdvance(text)
    if box.width() - 2 * LABEL_GAP >= need:
        return QRectF(box.center().x() - need / 2, box.top(), need, box.height()), text, True
    after = box.right() + LABEL_GAP
    limit = bounds[1]
    if item + 1 < len(lane):
        limit = min(limit, ox + (float(lane.starts[item + 1]) - vs) * pps - LABEL_GAP)
    before = box.left() - LABEL_GAP
    start = bounds[0]
    if item > 0:
        start = max(start, ox + (float(lane.max_end[item - 1]) - vs) * pps + LABEL_GAP)
    room_after, room_before = limit - after, before - start
    use_after = room_after >= need or room_after >= room_before
    room = room_after if use_after else room_before
    if room < MIN_LABEL_PX:
        return None
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(room))
    if not shown:
        return None
    width = min(float(metrics.horizontalAdvance(shown)), room)
    x = after if use_after else before - width
    return QRectF(x, box.top(), width, box.height()), shown, False
