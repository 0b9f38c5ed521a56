"""The timeline: ruler, thumbnails, waveform and one lane per kind of suggestion.

Layout, top to bottom: the timecode ruler, the thumbnail strip (video), the waveform
(audio) — these stay put — then the suggestion lanes, which scroll vertically when there
are many (every object tube has a row of its own). A header column on the left names the
lanes. Time runs left to right on the current asset's own clock; the ruler labels frames
with the source timecode (drop-frame aware, from the asset's start timecode).

Review states look different: accepted is solid, pending a translucent fill with an outline
in the kind's colour, rejected hatched and dim; the selected suggestion has a white outline.

Speed: lanes are interval indexes (:mod:`.timeline_index`) rebuilt on project changes; a
paint visits only the items in the visible window, and lanes with many items there are
rasterised together by numpy (:mod:`.timeline_paint`) instead of one rectangle per item.
Everything except the playhead and the selection outline is painted into a cached pixmap,
so playback and moving through the review queue redraw one blit and a few lines.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from vidi_desktop.core.project.facts import VideoFacts
from vidi_desktop.core.project.model import Suggestion
from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.kinds import qcolor, style_of
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline_index import Lane, LaneIndex
from vidi_desktop.qt.timeline_media import MediaStore, media_store
from vidi_desktop.qt.timeline_paint import LaneRow, paint_lanes, paint_selection

# -- look ---------------------------------------------------------------------------------------
# The shared dark theme's greys, so the timeline sits in the window like every panel.
BACKGROUND = QColor(theme.BACKGROUND)
HEADER_BG = QColor(theme.PANEL)
LANE_BG = (QColor(theme.ALTERNATE), QColor(theme.PANEL))  # alternating rows
RULER_BG = QColor(theme.BUTTON)
TEXT = QColor(theme.TEXT)
TEXT_DIM = QColor(theme.TEXT_DIM)
GRID = QColor(theme.BORDER)
# Timeline-only colours.
PLAYHEAD = QColor("#ff4d4d")
HIGHLIGHT = QColor(255, 214, 10)
WAVE = QColor("#5b9bd5")

HEADER_W = 92
RULER_H = 26
THUMB_H = 44
WAVE_H = 34
LANE_H = 20
TUBE_H = 14
LANE_GAP = 2

HIT_PX = 4  # click tolerance around ticks and thin items, pixels
MAX_PX_PER_FRAME = 80.0
ZOOM_STEP = 1.5

# Ruler steps in frames of the nominal rate (n): 1, 2, 5, 10 frames, then whole seconds.
_SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


class TimelineWidget(QAbstractScrollArea):
    """The timeline of the session's current asset."""

    view_changed = Signal(float, float)  # seconds at the lanes' left and right edges

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._store: MediaStore = media_store()
        self._index = LaneIndex()
        self._clock = AssetClock.of(None)
        self._domain = (0.0, 60.0)  # seconds shown when zoomed to fit
        self._view_start = 0.0  # seconds at the left edge of the lanes area
        self._pps = 10.0  # pixels per second
        self._fitted = True  # keep fitting on resize until the user zooms
        self._highlights: list[tuple[float, float]] = []
        self._labels: dict[str, str] = {}  # label text per suggestion, until the next rebuild
        self._lane_tops: list[int] = []  # each lane's top, from the first lane's top
        self._media = (False, False)  # the asset has (video, audio): picture and sound strips
        self._static = QPixmap()  # all but the playhead and selection, repainted when dirty
        self.static_paints = 0  # times the static picture was painted (tests, benchmarks)
        self._header = QPixmap()  # the header column: it does not scroll sideways
        self._header_key: tuple[object, ...] = ()
        self._dirty = True
        self._scrubbing = False
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.85))
        self._metrics = QFontMetrics(self._font)

        self.setMinimumHeight(RULER_H + THUMB_H + WAVE_H + 3 * LANE_H)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.viewport().setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.horizontalScrollBar().valueChanged.connect(self._on_hscroll)
        self.verticalScrollBar().valueChanged.connect(self._invalidate)

        session.document_changed.connect(self._on_asset_changed)
        session.asset_changed.connect(self._on_asset_changed)
        session.project_changed.connect(self._on_project_changed)
        session.position_changed.connect(self._on_position_changed)
        session.selection_changed.connect(self._on_selection_changed)
        self._store.thumbnails_ready.connect(self._on_media_ready)
        self._store.waveform_ready.connect(self._on_media_ready)
        self._on_asset_changed()

    # -- public slots ------------------------------------------------------------------------
    @Slot()
    def zoom_in(self) -> None:
        """Zoom in around the playhead (or the middle when it is off screen)."""
        self._zoom_by(ZOOM_STEP, self._zoom_anchor())

    @Slot()
    def zoom_out(self) -> None:
        """Zoom out around the playhead (or the middle when it is off screen)."""
        self._zoom_by(1 / ZOOM_STEP, self._zoom_anchor())

    @Slot()
    def zoom_fit(self) -> None:
        """Show the whole asset."""
        self._fitted = True
        self._pps = self._fit_pps()
        self._view_start = self._domain[0]
        self._sync_scrollbars()
        self._invalidate()

    @Slot(object)
    def set_highlights(self, ranges: list[TimeRange]) -> None:
        """Mark ranges (transcript search hits…) across the lanes and on the ruler."""
        self._highlights = [
            (float(r.start.seconds), float(r.end_exclusive.seconds)) for r in ranges
        ]
        self._invalidate()

    # -- geometry (public for tests and for the window) ---------------------------------------
    @property
    def pixels_per_second(self) -> float:
        return self._pps

    @property
    def view_start(self) -> float:
        """Seconds at the left edge of the lanes area."""
        return self._view_start

    @property
    def lanes(self) -> list[Lane]:
        """The suggestion lanes, top to bottom (tests read their keys and titles)."""
        return self._index.lanes

    def set_view(self, start: float, pixels_per_second: float) -> None:
        """Show from ``start`` seconds at ``pixels_per_second`` (clamped to the limits)."""
        self._fitted = False
        self._pps = self._clamp_pps(pixels_per_second)
        self._view_start = self._clamp_start(start)
        self._sync_scrollbars()
        self._invalidate()

    def x_of(self, seconds: float | Fraction) -> float:
        """Viewport x of a time."""
        return HEADER_W + (float(seconds) - self._view_start) * self._pps

    def time_at(self, x: float) -> float:
        """Seconds at viewport x."""
        return self._view_start + (x - HEADER_W) / self._pps

    def lane_rect(self, lane: int) -> QRect:
        """Viewport rectangle of a suggestion lane (may lie outside the viewport)."""
        if not 0 <= lane < len(self._lane_tops):
            return QRect()
        y = self._lanes_top() - self.verticalScrollBar().value() + self._lane_tops[lane]
        h = self._lane_height(self._index.lanes[lane])
        return QRect(HEADER_W, y, max(0, self.viewport().width() - HEADER_W), h)

    def item_rect(self, suggestion_id: str, segment: int = 0) -> QRectF:
        """Where a suggestion's ``segment``-th piece is drawn (empty when not indexed)."""
        segments = self._index.segments(suggestion_id)
        lanes = list(self._index.lanes_of(suggestion_id))
        if not lanes or segment >= len(segments):
            return QRectF()
        row = self.lane_rect(lanes[0])
        seg = segments[segment]
        x0, x1 = self.x_of(seg.start), self.x_of(seg.end)
        return QRectF(x0, row.top() + 2, max(1.0, x1 - x0), row.height() - 4)

    def suggestion_at(self, pos: QPointF) -> tuple[str, Fraction] | None:
        """The suggestion under a viewport point and the exact start of the piece hit."""
        if pos.x() < HEADER_W:
            return None
        lane_no = self._lane_at(pos.y())
        if lane_no is None:
            return None
        lane = self._index.lanes[lane_no]
        i = lane.hit(self.time_at(pos.x()), HIT_PX / self._pps)
        if i is None:
            return None
        return lane.ids[i], lane.exact[i]

    # -- reacting to the session ------------------------------------------------------------
    @Slot()
    @Slot(str)
    def _on_asset_changed(self, *_: object) -> None:
        self._clock = AssetClock.of(self.session.asset)
        self._rebuild()
        self._fitted = True
        self.zoom_fit()

    @Slot(object)
    def _on_project_changed(self, change: object) -> None:
        clock = AssetClock.of(self.session.asset)
        touched = getattr(change, "suggestions", None)
        if (
            clock == self._clock
            and isinstance(touched, frozenset)
            and not getattr(change, "assets", None)
            and self._index.update(self.session.document.project, self.session.asset_id, touched)
        ):
            # A review step: states changed in place, the lanes and their order stand.
            for sid in touched:
                self._labels.pop(sid, None)
        else:
            self._clock = clock
            self._rebuild()
        self._invalidate()

    @Slot(object)
    def _on_position_changed(self, seconds: Fraction) -> None:
        x = self.x_of(seconds)
        width = self.viewport().width()
        if not self._scrubbing and (x < HEADER_W or x >= width - 2) and width > HEADER_W:
            # Follow the playhead a page at a time, as NLEs do during playback.
            lanes_w = (width - HEADER_W) / self._pps
            self._view_start = self._clamp_start(float(seconds) - 0.1 * lanes_w)
            self._sync_scrollbars()
            self._invalidate()
        else:
            self.viewport().update()

    @Slot()
    def _on_media_ready(self, *_: object) -> None:
        self._invalidate()

    @Slot()
    @Slot(str)
    def _on_selection_changed(self, *_: object) -> None:
        self.viewport().update()  # an overlay: the static picture stands

    def _rebuild(self) -> None:
        self._index.rebuild(self.session.document.project, self.session.asset_id)
        self._labels.clear()
        asset = self.session.asset
        self._media = (
            bool(asset and asset.facts.has_video),
            bool(asset and asset.facts.has_audio),
        )
        tops, y = [], 0
        for lane in self._index.lanes:
            tops.append(y)
            y += self._lane_height(lane) + LANE_GAP
        self._lane_tops = tops
        start = float(self._clock.start)
        end = max(float(self._clock.end), self._index.end, start + 1.0)
        self._domain = (start, end)
        if self._fitted:
            self._pps = self._fit_pps()
            self._view_start = start
        self._sync_scrollbars()

    # -- view state ----------------------------------------------------------------------------
    def _lanes_width(self) -> int:
        return max(1, self.viewport().width() - HEADER_W)

    def _fit_pps(self) -> float:
        span = self._domain[1] - self._domain[0]
        return max(1e-6, (self._lanes_width() - 8) / span)

    def _clamp_pps(self, pps: float) -> float:
        top = MAX_PX_PER_FRAME * float(self._clock.rate.value)
        return min(max(pps, self._fit_pps()), max(top, self._fit_pps()))

    def _clamp_start(self, start: float) -> float:
        span = self._lanes_width() / self._pps
        latest = max(self._domain[0], self._domain[1] - span + 8 / self._pps)
        return min(max(start, self._domain[0]), latest)

    def _zoom_anchor(self) -> float:
        x = self.x_of(self.session.position)
        if HEADER_W <= x < self.viewport().width():
            return x
        return HEADER_W + self._lanes_width() / 2

    def _zoom_by(self, factor: float, anchor_x: float) -> None:
        anchor_t = self.time_at(anchor_x)
        pps = self._clamp_pps(self._pps * factor)
        if pps == self._pps:
            return
        self._fitted = pps <= self._fit_pps()
        self._pps = pps
        self._view_start = self._clamp_start(anchor_t - (anchor_x - HEADER_W) / pps)
        self._sync_scrollbars()
        self._invalidate()

    def _sync_scrollbars(self) -> None:
        h = self.horizontalScrollBar()
        content = (self._domain[1] - self._domain[0]) * self._pps
        page = self._lanes_width()
        h.blockSignals(True)
        h.setRange(0, max(0, math.ceil(content - page + 8)))
        h.setPageStep(page)
        h.setSingleStep(max(1, page // 20))
        h.setValue(round((self._view_start - self._domain[0]) * self._pps))
        h.blockSignals(False)
        v = self.verticalScrollBar()
        lanes_h = sum(self._lane_height(ln) + LANE_GAP for ln in self._index.lanes)
        visible = max(0, self.viewport().height() - self._lanes_top())
        v.setRange(0, max(0, lanes_h - visible))
        v.setPageStep(max(1, visible))
        v.setSingleStep(LANE_H)
        self.view_changed.emit(self._view_start, self.time_at(self.viewport().width()))

    @Slot(int)
    def _on_hscroll(self, value: int) -> None:
        self._fitted = False
        self._view_start = self._domain[0] + value / self._pps
        self.view_changed.emit(self._view_start, self.time_at(self.viewport().width()))
        self._invalidate()

    @Slot()
    @Slot(int)
    @Slot(str)
    def _invalidate(self, *_: object) -> None:
        self._dirty = True
        self.viewport().update()

    # -- layout ------------------------------------------------------------------------------
    def _has_video(self) -> bool:
        return self._media[0]

    def _has_audio(self) -> bool:
        return self._media[1]

    def _thumb_top(self) -> int:
        return RULER_H

    def _wave_top(self) -> int:
        return RULER_H + (THUMB_H if self._has_video() else 0)

    def _lanes_top(self) -> int:
        return self._wave_top() + (WAVE_H if self._has_audio() else 0) + LANE_GAP

    @staticmethod
    def _lane_height(lane: Lane) -> int:
        return TUBE_H if lane.suggestion_id else LANE_H

    def _lane_at(self, y: float) -> int | None:
        top = self._lanes_top()
        if y < top or not self._lane_tops:
            return None
        offset = y - top + self.verticalScrollBar().value()
        i = bisect.bisect_right(self._lane_tops, offset) - 1
        lane = self._index.lanes[i]
        return i if offset < self._lane_tops[i] + self._lane_height(lane) + LANE_GAP else None

    # -- events --------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self._pps = self._fit_pps()
            self._view_start = self._domain[0]
        else:
            self._pps = self._clamp_pps(self._pps)
            self._view_start = self._clamp_start(self._view_start)
        self._sync_scrollbars()
        self._invalidate()

    def sizeHint(self) -> QSize:
        return QSize(900, RULER_H + THUMB_H + WAVE_H + 8 * (LANE_H + LANE_GAP))

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120 or delta.x() / 120
            if steps:
                self._zoom_by(ZOOM_STEP ** steps, event.position().x())
            event.accept()
            return
        vertical = self.verticalScrollBar()
        horizontal = delta.x() or (
            delta.y() if (event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                          or vertical.maximum() == 0) else 0
        )
        if horizontal:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - round(horizontal / 120 * bar.singleStep() * 3))
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        if pos.x() < HEADER_W:
            return None
        hit = self.suggestion_at(pos) if pos.y() >= self._lanes_top() else None
        if hit is not None:
            sid, start = hit
            self.session.select(sid)
            self.session.request_seek(start)
        else:
            self._scrubbing = True
            self.session.request_seek(self._clock.snap(self.time_at(pos.x())))
        event.accept()
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._scrubbing and event.buttons() & Qt.MouseButton.LeftButton:
            x = max(float(HEADER_W), event.position().x())
            self.session.request_seek(self._clock.snap(self.time_at(x)))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._scrubbing = False
        super().mouseReleaseEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            text = self.tooltip_at(QPointF(help_event.pos()))
            if text:
                QToolTip.showText(help_event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, pos: QPointF) -> str:
        """The hover text at a viewport point: label, state, confidence, source, reason."""
        hit = self.suggestion_at(pos)
        if hit is None:
            return ""
        s = self._index.by_id.get(hit[0])
        return "" if s is None else self._describe(s)

    def _describe(self, s: Suggestion) -> str:
        style = style_of(s)
        extent = s.extent()
        lines = [f"<b>{_html(s.label or style.singular.capitalize())}</b>"]
        what = f"{style.singular} · {s.state.value}"
        if extent is not None:
            what += f" · {self._clock.timecode(extent.start.seconds)}"
            if not extent.is_empty():
                what += f"–{self._clock.timecode(extent.end_exclusive.seconds)}"
        lines.append(what)
        facts = []
        if s.confidence is not None:
            facts.append(f"confidence {s.confidence:.2f}")
        if s.source:
            facts.append(f"source {_html(s.source)}")
        if facts:
            lines.append(" · ".join(facts))
        reason = _reason(s)
        if reason:
            lines.append(f"<i>{_html(reason)}</i>")
        if s.request:
            lines.append(f"request: “{_html(s.request)}”")
        return "<br>".join(lines)

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        viewport = self.viewport()
        dpr = viewport.devicePixelRatioF()
        size = viewport.size()
        if self._dirty or self._static.size() != size * dpr:
            if self._static.size() != size * dpr:
                self._static = QPixmap(size * dpr)
                self._static.setDevicePixelRatio(dpr)
            p = QPainter(self._static)
            self.paint_static(p, QRect(0, 0, size.width(), size.height()))
            p.end()
            self._dirty = False
            self.static_paints += 1
        p = QPainter(viewport)
        p.drawPixmap(0, 0, self._static)
        self._paint_selection(p, size.width(), size.height())
        self._paint_playhead(p, size.height())
        # The playhead's timecode, over the header's corner: it changes every frame.
        corner = QRect(0, 0, HEADER_W - 1, RULER_H - 1)
        p.fillRect(corner, HEADER_BG)
        p.setFont(self._font)
        p.setPen(TEXT)
        tc = self._clock.timecode(self.session.position)
        p.drawText(corner.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, tc)
        p.end()

    def paint_static(self, p: QPainter, rect: QRect) -> None:
        """Everything but the playhead, into ``rect`` (the viewport's size)."""
        p.fillRect(rect, BACKGROUND)
        p.setFont(self._font)
        width = rect.width()
        t0, t1 = self.time_at(HEADER_W), self.time_at(width)
        lanes_top = self._lanes_top()
        # Lanes first (they scroll under the fixed media strips), clipped below them.
        p.save()
        p.setClipRect(QRect(0, lanes_top, width, max(0, rect.height() - lanes_top)))
        self._paint_lanes(p, width, rect.height(), t0, t1)
        p.restore()
        p.setClipRect(QRect(HEADER_W, 0, width - HEADER_W, rect.height()))
        self._paint_highlights(p, rect.height(), t0, t1)
        p.setClipping(False)
        if self._has_video():
            self._paint_thumbnails(p, width, t0, t1)
        if self._has_audio():
            self._paint_waveform(p, width, t0, t1)
        self._paint_ruler(p, width, t0, t1)
        self._paint_header(p, rect.height())

    def _paint_header(self, p: QPainter, height: int) -> None:
        # Zooming and scrolling sideways leave the header as it is: painted once per lanes,
        # vertical scroll and height, then copied.
        dpr = p.device().devicePixelRatioF()
        key = (self._index.version, self.verticalScrollBar().value(), height, self._media, dpr)
        if key != self._header_key:
            self._header = QPixmap(QSize(HEADER_W, height) * dpr)
            self._header.setDevicePixelRatio(dpr)
            q = QPainter(self._header)
            q.setFont(self._font)
            self._draw_header(q, height)
            q.end()
            self._header_key = key
        p.drawPixmap(0, 0, self._header)

    def _draw_header(self, p: QPainter, height: int) -> None:
        p.fillRect(QRect(0, 0, HEADER_W, height), HEADER_BG)
        p.setPen(TEXT_DIM)
        if self._has_video():
            p.drawText(QRect(6, self._thumb_top(), HEADER_W - 8, THUMB_H),
                       Qt.AlignmentFlag.AlignVCenter, "Video")
        if self._has_audio():
            p.drawText(QRect(6, self._wave_top(), HEADER_W - 8, WAVE_H),
                       Qt.AlignmentFlag.AlignVCenter, "Audio")
        top = self._lanes_top()
        p.setClipRect(QRect(0, top, HEADER_W, max(0, height - top)))
        for i, lane in enumerate(self._index.lanes):
            row = self.lane_rect(i)
            if row.bottom() < top or row.top() > height:
                continue
            color = qcolor(lane.key)
            p.fillRect(QRect(0, row.top(), 3, row.height()), color)
            p.setPen(TEXT if not lane.suggestion_id else TEXT_DIM)
            text = self._metrics.elidedText(lane.title, Qt.TextElideMode.ElideRight, HEADER_W - 12)
            p.drawText(QRect(8, row.top(), HEADER_W - 10, row.height()),
                       Qt.AlignmentFlag.AlignVCenter, text)
        p.setClipping(False)
        p.setPen(GRID)
        p.drawLine(HEADER_W - 1, 0, HEADER_W - 1, height)

    def _paint_ruler(self, p: QPainter, width: int, t0: float, t1: float) -> None:
        p.fillRect(QRect(HEADER_W, 0, width - HEADER_W, RULER_H), RULER_BG)
        clock = self._clock
        nominal = clock.rate.nominal
        frame_px = self._pps * float(clock.frame_duration)
        label_w = self._metrics.horizontalAdvance("00:00:00;00") + 16
        steps = [1, 2, 5, 10] + [s * nominal for s in _SECOND_STEPS]
        major = next((s for s in steps if s * frame_px >= label_w), steps[-1])
        minor = _minor_step(major, nominal)
        first = max(0, clock.frame_at(t0))
        last = clock.frame_at(t1) + 1
        # Tick positions in floats: exact frames are not needed to place a pixel.
        origin = HEADER_W + (float(clock.start) - self._view_start) * self._pps
        step_px = self._pps * float(clock.frame_duration)
        p.setClipRect(QRect(HEADER_W, 0, width - HEADER_W, RULER_H))
        p.setPen(GRID)
        if minor * frame_px >= 4:
            k = first - first % minor
            lines = []
            while k <= last:
                if k % major:
                    x = origin + k * step_px
                    lines.append(QPointF(x, RULER_H - 5))
                    lines.append(QPointF(x, RULER_H - 1))
                k += minor
            if lines:
                p.drawLines(lines)
        k = first - first % major
        p.setPen(TEXT_DIM)
        while k <= last:
            x = origin + k * step_px
            p.drawLine(QPointF(x, RULER_H - 11), QPointF(x, RULER_H - 1))
            p.drawText(QPointF(x + 3, 12), clock.timecode_of_frame(k))
            k += major
        for a, b in self._highlights:
            if b >= t0 and a <= t1:
                xa = self.x_of(a)
                p.fillRect(QRectF(xa, RULER_H - 5, max(3.0, self.x_of(b) - xa), 5), HIGHLIGHT)
        p.setClipping(False)
        p.setPen(GRID)
        p.drawLine(HEADER_W, RULER_H - 1, width, RULER_H - 1)

    def _paint_thumbnails(self, p: QPainter, width: int, t0: float, t1: float) -> None:
        top = self._thumb_top()
        area = QRect(HEADER_W, top, width - HEADER_W, THUMB_H)
        p.fillRect(area, LANE_BG[1])
        asset = self.session.asset
        if asset is None:
            return
        height = THUMB_H - 4
        video = asset.facts.video or VideoFacts()
        dw, dh = video.display_width or 16, video.display_height or 9
        tile_w = max(8, round(height * dw / max(1, dh)))
        frames = video.frames or 0
        span = self._domain[1] - self._domain[0]
        wanted = (span * self._pps) / tile_w
        count = 8
        while count < wanted and count < 256:
            count *= 2
        if frames:
            count = min(count, max(1, int(frames)))
        strip = self._store.thumbnails(asset.path, count, height)
        if strip is None:
            strip = self._store.best_thumbnails(asset.path, height)
        p.setClipRect(area)
        # Tiles sit on a fixed grid in time, so they do not swim while scrolling.
        tile_s = tile_w / self._pps
        k = math.floor((t0 - self._domain[0]) / tile_s)
        placeholder = QColor("#303238")
        while True:
            a = self._domain[0] + k * tile_s
            if a > t1 or a >= self._domain[1]:
                break
            x = self.x_of(a)
            target = QRectF(x, top + 2, tile_w - 1, height)
            image = strip.nearest(a + tile_s / 2) if strip is not None else None
            if image is None:
                p.fillRect(target, placeholder)
            else:
                p.drawImage(target, image)
            k += 1
        p.setClipping(False)

    def _paint_waveform(self, p: QPainter, width: int, t0: float, t1: float) -> None:
        top = self._wave_top()
        area = QRect(HEADER_W, top, width - HEADER_W, WAVE_H)
        p.fillRect(area, LANE_BG[0])
        asset = self.session.asset
        peaks = self._store.waveform(asset.path) if asset is not None else None
        mid = top + WAVE_H / 2
        if peaks is None or not len(peaks.peaks):
            p.setPen(GRID)
            p.drawLine(QPointF(HEADER_W, mid), QPointF(width, mid))
            return
        w = area.width()
        # Bucket index range of each pixel column; reduceat gives min/max per column.
        times = self._view_start + np.arange(w + 1) / self._pps
        edges = np.floor((times - peaks.start) * peaks.per_second).astype(np.int64)
        n = len(peaks.peaks)
        valid = (edges[:-1] < n) & (edges[1:] > 0)
        lo = np.clip(edges[:-1], 0, n - 1)
        mins = np.minimum.reduceat(peaks.peaks[:, 0], lo)
        maxs = np.maximum.reduceat(peaks.peaks[:, 1], lo)
        # reduceat over a decreasing pair returns one element; columns past the data are off.
        half = WAVE_H / 2 - 2
        top_px = np.floor(half - maxs * half).astype(np.int32)
        bottom_px = np.ceil(half - mins * half).astype(np.int32)
        rows = np.arange(WAVE_H - 4, dtype=np.int32)[:, None]
        mask = (rows >= top_px[None, :]) & (rows <= bottom_px[None, :]) & valid[None, :]
        bg = LANE_BG[0].rgba()
        fg = WAVE.rgba()
        pixels = np.where(mask, np.uint32(fg), np.uint32(bg)).astype(np.uint32)
        image = QImage(pixels.tobytes(), w, WAVE_H - 4, 4 * w, QImage.Format.Format_ARGB32)
        p.drawImage(QPointF(HEADER_W, top + 2), image)

    def _paint_highlights(self, p: QPainter, height: int, t0: float, t1: float) -> None:
        color = QColor(HIGHLIGHT)
        color.setAlpha(45)
        for a, b in self._highlights:
            if b >= t0 and a <= t1:
                xa = self.x_of(a)
                p.fillRect(QRectF(xa, RULER_H, max(2.0, self.x_of(b) - xa), height), color)

    def _paint_lanes(self, p: QPainter, width: int, height: int, t0: float, t1: float) -> None:
        top = self._lanes_top()
        rows = []
        for i, lane in enumerate(self._index.lanes):
            row = self.lane_rect(i)
            if row.bottom() < top or row.top() > height:
                continue
            lo, hi = lane.window(t0, t1)
            rows.append(LaneRow(lane, lo, hi, row.top(), row.height(), qcolor(lane.key),
                                LANE_BG[i % 2]))
        area = QRect(HEADER_W, top, width - HEADER_W, max(0, height - top))
        paint_lanes(p, area, rows, (float(HEADER_W), self._view_start, self._pps), BACKGROUND,
                    self._metrics, self._label_of)

    def _paint_selection(self, p: QPainter, width: int, height: int) -> None:
        """The selected suggestion's white outline, over the static picture (moving the
        selection through the review queue repaints nothing else)."""
        selected = self.session.selected
        top = self._lanes_top()
        if not selected or height <= top:
            return
        t0, t1 = self.time_at(HEADER_W), self.time_at(width)
        p.save()
        p.setClipRect(QRect(HEADER_W, top, width - HEADER_W, height - top))
        for i in self._index.lanes_of(selected):
            lane, row = self._index.lanes[i], self.lane_rect(i)
            if row.bottom() < top or row.top() > height:
                continue
            spans = [
                (self.x_of(seg.start), self.x_of(seg.end))
                for seg in self._index.segments(selected)
                if seg.end >= t0 and seg.start <= t1
                and (lane.suggestion_id or _lane_holds(lane, selected, seg.start))
            ]
            box = QRectF(HEADER_W, row.top() + 2, width - HEADER_W, row.height() - 4)
            paint_selection(p, spans, box)
        p.restore()

    def _label_of(self, suggestion_id: str) -> str:
        text = self._labels.get(suggestion_id)
        if text is None:
            s = self._index.by_id.get(suggestion_id)
            text = self._labels[suggestion_id] = _item_text(s) if s is not None else ""
        return text

    def _paint_playhead(self, p: QPainter, height: int) -> None:
        x = round(self.x_of(self.session.position))  # whole pixel: a crisp 1 px line
        if x < HEADER_W or x > self.viewport().width():
            return
        p.setPen(QPen(PLAYHEAD, 1))
        p.drawLine(x, 0, x, height)
        p.setBrush(PLAYHEAD)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)]))


# -- drawing helpers -------------------------------------------------------------------------


def _lane_holds(lane: Lane, sid: str, start: float) -> bool:
    """True when ``lane`` has an item of ``sid`` starting at ``start``."""
    lo = int(np.searchsorted(lane.starts, start, side="left"))
    hi = int(np.searchsorted(lane.starts, start, side="right"))
    return any(lane.ids[i] == sid for i in range(lo, hi))


def _minor_step(major: int, nominal: int) -> int:
    """A subdivision of a major ruler step (frames)."""
    for div in (10, 5, 4, 2):
        if major % div == 0 and (major // div) >= 1:
            step = major // div
            if step < nominal or step % nominal == 0:
                return step
    return major


def _item_text(s: Suggestion) -> str:
    payload = s.payload
    text = getattr(payload, "title", "") or getattr(payload, "text", "")
    return s.label or text


_WHY_KEYS = ("analyser", "intent", "phrase", "from", "unit", "task", "family")


def _reason(s: Suggestion) -> str:
    """Why the suggestion exists: a ``reason`` in its metadata (top level, ``vidi`` or
    ``vlm``), else the short facts analysers record (analyser, intent, phrase…)."""
    meta = s.metadata
    spaces = [meta] + [meta[k] for k in ("vidi", "vlm") if isinstance(meta.get(k), dict)]
    for space in spaces:
        value = space.get("reason")
        if isinstance(value, str) and value:
            return value
    facts = [
        f"{key} {value}"
        for space in spaces[1:]
        for key in _WHY_KEYS
        if isinstance(value := space.get(key), str | int | float) and not isinstance(value, bool)
    ]
    return " · ".join(facts)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

