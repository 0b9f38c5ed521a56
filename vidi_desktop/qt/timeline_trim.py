"""Trimming range suggestions on the timeline by dragging their edges.

Over the in or out edge of a suggestion that is one time range (cuts, keeps, silences,
speech, highlights, chapters, subtitles: :func:`~vidi_desktop.core.project.retime.can_retime`)
the pointer becomes a resize cursor and the edge lights up. Dragging moves that edge:

* always onto the frame grid of the asset's clock (:class:`~.clock.AssetClock`): the
  nearest frame boundary, never closer than one frame to the other edge (as the review list
  counts frames) and never past the asset's ends, so a trim never empties or inverts a
  range;
* with snapping on (S, View ▸ Snapping; on by default and remembered), onto a shot
  boundary, a word edge or a silence edge within :data:`SNAP_PX` pixels
  (:mod:`vidi_desktop.core.project.snapping`) — on the frame the exports give that time;
* showing the new in, out (the last frame inside) and duration in source timecode in a
  label under the lane, the edge's frame in the viewer, and the new extent over the lane.

A press that moves less than :data:`DRAG_START_PX` pixels is a click (select, seek).
Releasing commits the trim as one undo step (``ProjectDocument.retime_suggestion``: an
accepted cut or keep takes the edit along); Esc during the drag, or the suggestion changing
under it, cancels and puts the playhead back. Undo and redo of a trim select the suggestion.

The controller watches the timeline's viewport through an event filter and paints over it
from the timeline's ``paintEvent``, so the timeline itself only holds one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QApplication

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project.model import Project, Suggestion
from vidi_desktop.core.project.retime import can_retime
from vidi_desktop.core.project.snapping import SnapIndex, SnapTarget
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.kinds import qcolor, style_key

if TYPE_CHECKING:
    from vidi_desktop.qt.timeline import TimelineWidget

Edge = Literal["in", "out"]

EDGE_PX = 4  # how near an edge the pointer must be to grab it, pixels either side
SNAP_PX = 8  # how near a snap target an edge must come to jump onto it, pixels
DRAG_START_PX = 3  # a press that moves less is a click: a zoomed-out hand's jitter trims nothing
SNAPPING_KEY = "timeline/snapping"  # QSettings: the editor's last choice

EDGE_COLOR = QColor(255, 214, 10)  # the timeline's highlight yellow
SNAP_COLOR = QColor("#ffffff")
LABEL_BG = QColor(20, 22, 26, 235)
LABEL_TEXT = QColor(theme.TEXT)
CUT_AWAY = QColor(0, 0, 0, 140)  # over what the trim takes off the old range


@dataclass(frozen=True, slots=True)
class EdgeHit:
    """An edge under the pointer: whose, which one, in which lane, where it is drawn."""

    suggestion_id: str
    edge: Edge
    lane: int
    x: float


@dataclass(slots=True)
class _Drag:
    hit: EdgeHit
    old: TimeRange
    key: str  # style key: the lane's colour
    grab_dx: float  # pointer x minus the edge's x at the press: the edge does not jump
    start_position: Fraction  # the playhead before the drag, restored on cancel
    targets: SnapIndex
    pointer_x: float
    moved: bool = False
    proposal: TimeRange | None = None
    snapped: SnapTarget | None = None


def trimmed_range(
    old: TimeRange, edge: Edge, seconds: Fraction, clock: AssetClock, *, on_target: bool = False
) -> TimeRange:
    """``old`` with its ``edge`` moved to the frame boundary for ``seconds``.

    Free dragging takes the nearest boundary; on a snap target (``on_target``) the
    boundary of the frame on screen at that time, as seeking and the exports read it. The
    edge stays at least one frame from the other one (frames counted as the review list
    does) and inside the asset, so the result is never empty or inverted.
    """
    fd = clock.frame_duration
    if on_target:
        k = clock.frame_at(seconds)
    else:  # the boundary nearest the pointer, whichever way the frame rule rounds
        k = math.floor((Fraction(seconds) - clock.start) * clock.rate.value + Fraction(1, 2))
    frames = math.ceil(clock.duration / fd) if clock.duration else None
    if edge == "in":
        stop = clock.frame_at(old.end_exclusive.seconds)
        k = max(0, min(k, stop - 1))
        start = clock.time_of(k)
        if start >= old.end_exclusive.seconds:  # a range inside the first frame: leave it
            return old
        return TimeRange.from_start_end(Time.exact(start), old.end_exclusive)
    first = clock.frame_at(old.start.seconds)
    if frames is not None:
        k = min(k, frames)
    k = max(k, first + 1)
    end = clock.time_of(k)
    if clock.duration and end > clock.end > old.start.seconds:
        end = clock.end  # the last frame ends where the asset does
    return TimeRange.from_start_end(old.start, Time.exact(end))


def range_text(r: TimeRange, clock: AssetClock) -> str:
    """``In 01:00:00;12  Out 01:00:01;02  Dur 00:00:00;21 (0.70 s)``: the frames of ``r``
    as the review list counts them (the out point is the last frame inside)."""
    first = clock.frame_at(r.start.seconds)
    stop = max(first + 1, clock.frame_at(r.end_exclusive.seconds))
    count = stop - first
    duration = frames_to_timecode(count, clock.rate, clock.drop_frame)
    seconds = float(count * clock.frame_duration)
    return (
        f"In {clock.timecode_of_frame(first)}  Out {clock.timecode_of_frame(stop - 1)}  "
        f"Dur {duration} ({seconds:.2f} s)"
    )


class _EscapeFilter(QObject):
    """Installed on the application during a drag: Esc cancels it, whatever has the focus
    and whatever else Esc is bound to."""

    def __init__(self, cancel: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._cancel = cancel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            if kind == QEvent.Type.KeyPress:
                self._cancel()
            event.accept()  # a ShortcutOverride accepted: no shortcut takes the key
            return True
        return False


class TrimController(QObject):
    """Edge hover, drag, snapping and the drag's label for one :class:`TimelineWidget`."""

    snapping_changed = Signal(bool)
    message = Signal(str)  # a trim the document refused, in one line

    def __init__(self, timeline: TimelineWidget) -> None:
        super().__init__(timeline)
        from vidi_desktop.qt.settings_dialog import app_settings

        self.timeline = timeline
        self.session = timeline.session
        stored = app_settings().value(SNAPPING_KEY, True)
        self._snapping = stored not in (False, "false", "0", 0)
        self._hover: EdgeHit | None = None
        self._drag: _Drag | None = None
        self._last_project: Project = self.session.document.project
        self._metrics = QFontMetrics(timeline.font())
        self._escape = _EscapeFilter(self.cancel, self)
        # Kept here: while the timeline is being destroyed, asking it for its viewport fails.
        self._viewport = timeline.viewport()
        self._viewport.installEventFilter(self)
        self.session.project_changed.connect(self._on_project_changed)
        self.session.asset_changed.connect(self.cancel)
        self.session.document_changed.connect(self._on_document_changed)

    # -- state (tests read it) -------------------------------------------------------------
    @property
    def snapping(self) -> bool:
        """Whether edges snap to shots, words and silences (frames they always snap to)."""
        return self._snapping

    @Slot(bool)
    def set_snapping(self, on: bool) -> None:
        from vidi_desktop.qt.settings_dialog import app_settings

        if on == self._snapping:
            return
        self._snapping = on
        app_settings().setValue(SNAPPING_KEY, on)
        self.snapping_changed.emit(on)
        if self._drag is not None:
            self._propose(self._drag.pointer_x)  # the edge jumps on or off its target now

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    @property
    def hover(self) -> EdgeHit | None:
        """The edge under the pointer (lit, with a resize cursor), if any."""
        return self._hover

    @property
    def proposal(self) -> TimeRange | None:
        """The range the drag would give now (None before it moves or without a drag)."""
        return self._drag.proposal if self._drag is not None else None

    @property
    def snapped_to(self) -> SnapTarget | None:
        """The target the dragged edge sits on, if it snapped to one."""
        return self._drag.snapped if self._drag is not None else None

    @property
    def label_text(self) -> str:
        """What the drag's label says ("" without a moved drag)."""
        drag = self._drag
        if drag is None or drag.proposal is None:
            return ""
        text = range_text(drag.proposal, self.timeline.clock)
        return f"{text}  ⇹ {drag.snapped.what}" if drag.snapped is not None else text

    # -- hit testing -------------------------------------------------------------------------
    def edge_at(self, pos: QPointF) -> EdgeHit | None:
        """The trimmable edge within :data:`EDGE_PX` of a viewport point: the nearest;
        of two as near, the selected suggestion's, then the one whose item the pointer is in."""
        tl = self.timeline
        lane_no = next(
            (i for i in range(len(tl.lanes)) if tl.lane_rect(i).contains(pos.toPoint())), None
        )
        if lane_no is None or pos.x() < tl.lane_rect(lane_no).left():
            return None
        lane = tl.lanes[lane_no]
        if lane.ticks or lane.suggestion_id or not len(lane):
            return None  # instants and tubes have no range to trim
        pps = tl.pixels_per_second
        t, tol = tl.time_at(pos.x()), EDGE_PX / pps
        lo, hi = lane.window(t - tol, t + tol)
        if lo >= hi:
            return None
        starts, ends = lane.starts[lo:hi], lane.ends[lo:hi]
        d_in = np.abs(starts - t) * pps
        d_out = np.abs(ends - t) * pps
        project = self.session.document.project
        best: tuple[tuple[float, bool, bool], EdgeHit] | None = None
        for edge, dist, times in (("in", d_in, starts), ("out", d_out, ends)):
            for j in np.flatnonzero(dist <= EDGE_PX):
                sid = lane.ids[lo + int(j)]
                if not project.has_suggestion(sid) or not can_retime(
                    project.suggestion(sid).payload
                ):
                    continue
                inside = t >= times[j] if edge == "in" else t <= times[j]
                rank = (float(dist[j]), sid != self.session.selected, not inside)
                if best is None or rank < best[0]:
                    x = tl.x_of(float(times[j]))
                    best = (rank, EdgeHit(sid, edge, lane_no, x))  # type: ignore[arg-type]
        return best[1] if best is not None else None

    # -- events ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._viewport:
            if kind == QEvent.Type.MouseButtonPress:
                return self._press(event)  # type: ignore[arg-type]
            if kind == QEvent.Type.MouseMove:
                return self._move(event)  # type: ignore[arg-type]
            if kind == QEvent.Type.MouseButtonRelease:
                return self._release(event)  # type: ignore[arg-type]
            if kind == QEvent.Type.Leave and self._drag is None:
                self._set_hover(None)
            if kind == QEvent.Type.ToolTip and self._drag is not None:
                return True  # no hover text over the drag's label
        return False

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            if self._drag is not None:  # another button during the drag: cancel, as NLEs do
                self.cancel()
                return True
            return False
        hit = self.edge_at(event.position())
        if hit is None:
            return False
        s = self.session.document.project.suggestion(hit.suggestion_id)
        old = s.extent()
        assert old is not None  # can_retime: one range
        edge_t = old.start.seconds if hit.edge == "in" else old.end_exclusive.seconds
        x = event.position().x()
        self._drag = _Drag(
            hit=hit,
            old=old,
            key=style_key(s),
            grab_dx=x - self.timeline.x_of(edge_t),
            start_position=self.session.position,
            targets=self._targets(s),
            pointer_x=x,
        )
        self._set_hover(hit)
        self.session.select(s.id)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._escape)  # Esc, wherever the focus is
        event.accept()
        return True

    def _move(self, event: QMouseEvent) -> bool:
        drag = self._drag
        if drag is None:
            if not event.buttons():
                self._set_hover(self.edge_at(event.position()))
            return False
        x = event.position().x()
        if not drag.moved and abs(x - drag.pointer_x) < DRAG_START_PX:
            return True
        drag.moved = True
        self._propose(x)
        event.accept()
        return True

    def _release(self, event: QMouseEvent) -> bool:
        drag = self._drag
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return drag is not None
        self._end_drag()
        event.accept()
        if not drag.moved:
            # A click on an edge: what a click on the item does.
            self.session.request_seek(drag.old.start.seconds)
            return True
        new = drag.proposal
        if new is None or new == drag.old:
            return True
        try:
            self.session.document.retime_suggestion(drag.hit.suggestion_id, new)
        except VidiError as exc:
            self.message.emit(f"Cannot trim: {exc}")
            self.session.request_seek(drag.start_position)
        return True

    @Slot()
    @Slot(str)
    def cancel(self, *_: object) -> None:
        """Stop a drag, changing nothing; the playhead goes back to where it was."""
        drag = self._drag
        if drag is None:
            return
        self._end_drag()
        if drag.moved:
            self.session.request_seek(drag.start_position)

    def _end_drag(self) -> None:
        self._drag = None
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._escape)
        self.timeline.viewport().update()

    def _set_hover(self, hit: EdgeHit | None) -> None:
        if hit == self._hover:
            return
        self._hover = hit
        viewport = self.timeline.viewport()
        if hit is None:
            viewport.unsetCursor()
        else:
            viewport.setCursor(Qt.CursorShape.SizeHorCursor)
        viewport.update()

    # -- the drag ----------------------------------------------------------------------------
    def _targets(self, s: Suggestion) -> SnapIndex:
        return SnapIndex.of(self.session.document.project, s.asset_id, exclude=(s.id,))

    def _propose(self, pointer_x: float) -> None:
        drag = self._drag
        assert drag is not None
        drag.pointer_x = pointer_x
        tl = self.timeline
        raw = Fraction(tl.time_at(pointer_x - drag.grab_dx))
        target = (
            drag.targets.nearest(raw, SNAP_PX / tl.pixels_per_second) if self._snapping else None
        )
        clock = tl.clock
        seconds = target.seconds if target is not None else raw
        drag.proposal = trimmed_range(
            drag.old, drag.hit.edge, seconds, clock, on_target=target is not None
        )
        drag.snapped = target
        # The viewer shows the frame at the edge: the first inside, or the last inside.
        r = drag.proposal
        if drag.hit.edge == "in":
            frame = clock.frame_at(r.start.seconds)
        else:
            last = clock.frame_at(r.end_exclusive.seconds) - 1
            frame = max(clock.frame_at(r.start.seconds), last)
        self.session.request_seek(clock.time_of(frame))
        tl.viewport().update()

    # -- reacting to the project -------------------------------------------------------------
    @Slot(object)
    def _on_project_changed(self, change: object) -> None:
        project = self.session.document.project
        before, self._last_project = self._last_project, project
        drag = self._drag
        if drag is not None:
            sid = drag.hit.suggestion_id
            if not project.has_suggestion(sid) or project.suggestion(sid).extent() != drag.old:
                self.cancel()  # it changed under the pointer: the drag no longer means much
            else:
                drag.targets = self._targets(project.suggestion(sid))
        self._set_hover(None)
        self._reselect(change, before, project)

    @Slot()
    def _on_document_changed(self) -> None:
        self.cancel()
        self._last_project = self.session.document.project

    def _reselect(self, change: object, before: Project, project: Project) -> None:
        """Undo or redo of a trim: select the suggestion whose range it changed."""
        if getattr(change, "reason", "do") not in ("undo", "redo"):
            return
        if not str(getattr(change, "description", "")).startswith("Trim "):
            return
        touched = getattr(change, "suggestions", frozenset())
        moved = [
            sid for sid in sorted(touched)
            if project.has_suggestion(sid) and before.has_suggestion(sid)
            and project.suggestion(sid).extent() != before.suggestion(sid).extent()
        ]
        if not moved:
            return
        sid = moved[0]
        self.session.select(sid)
        if len(touched) > 1:
            # The review list selects the first suggestion a step touched after this slot;
            # the trimmed one is what the editor was looking at.
            QTimer.singleShot(0, lambda: self.session.select(sid))

    # -- painting ----------------------------------------------------------------------------
    def paint(self, p: QPainter) -> None:
        """The lit edge under the pointer, or the drag: the new extent, the edge, the label."""
        drag = self._drag
        if drag is not None and drag.proposal is not None:
            self._paint_drag(p, drag, drag.proposal)
            return
        hit = drag.hit if drag is not None else self._hover
        project = self.session.document.project
        if hit is None or not project.has_suggestion(hit.suggestion_id):
            return
        extent = project.suggestion(hit.suggestion_id).extent()
        if extent is None:
            return
        # Placed from the range now, not where it was hovered: the view may have moved since.
        t = extent.start.seconds if hit.edge == "in" else extent.end_exclusive.seconds
        row = self.timeline.lane_rect(hit.lane)
        p.fillRect(QRectF(self.timeline.x_of(t) - 1.5, row.top(), 3, row.height()), EDGE_COLOR)

    def _paint_drag(self, p: QPainter, drag: _Drag, new: TimeRange) -> None:
        tl = self.timeline
        row = QRectF(tl.lane_rect(drag.hit.lane))
        height = tl.viewport().height()
        x_of = tl.x_of
        ox0, ox1 = x_of(drag.old.start.seconds), x_of(drag.old.end_exclusive.seconds)
        nx0, nx1 = x_of(new.start.seconds), x_of(new.end_exclusive.seconds)
        box = row.adjusted(0, 2, 0, -2)
        p.save()
        p.setClipRect(QRectF(row.left(), 0, row.width(), height))
        # What the trim takes off darkens; what it adds fills in the lane's colour.
        for a, b in ((ox0, min(ox1, nx0)), (max(ox0, nx1), ox1)):
            if b > a:
                p.fillRect(QRectF(a, box.top(), b - a, box.height()), CUT_AWAY)
        p.fillRect(QRectF(nx0, box.top(), max(1.0, nx1 - nx0), box.height()),
                   qcolor(drag.key, 110))
        p.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(nx0, box.top(), max(1.0, nx1 - nx0), box.height()))
        # The edge: a line through the timeline, bright on the lane; white when snapped.
        ex = nx0 if drag.hit.edge == "in" else nx1
        line = SNAP_COLOR if drag.snapped is not None else EDGE_COLOR
        p.setPen(QPen(line, 1))
        p.drawLine(QPointF(ex, 0), QPointF(ex, height))
        p.fillRect(QRectF(ex - 1.5, row.top(), 3, row.height()), EDGE_COLOR)
        p.restore()
        self._paint_label(p, ex, row)

    def _paint_label(self, p: QPainter, x: float, row: QRectF) -> None:
        text = self.label_text
        if not text:
            return
        tl = self.timeline
        m = self._metrics
        w, h = m.horizontalAdvance(text) + 14, m.height() + 8
        width = tl.viewport().width()
        left = min(max(x - w / 2, float(tl.lane_rect(0).left() if tl.lanes else 0)), width - w - 2)
        # Under the lane, so the lanes above (the shots it may snap to) stay in sight.
        top = row.bottom() + 4
        if top + h > tl.viewport().height() - 2:
            top = row.top() - h - 4
        rect = QRectF(max(2.0, left), top, w, h)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(EDGE_COLOR, 1))
        p.setBrush(LABEL_BG)
        p.drawRoundedRect(rect, 4, 4)
        p.setFont(tl.font())
        p.setPen(LABEL_TEXT)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()
