"""The viewer: the current asset's picture, the suggestions drawn over it, a transport bar.

:class:`ViewerWidget` follows the :class:`~.session.Session`: it opens the session's asset in
its :class:`~.player.Player`, answers ``seek_requested`` by showing that frame, and reports
every frame it puts on screen with ``session.set_position``. The window binds its shortcuts to
the public slots (``play_pause``, ``shuttle``, ``step``, ``go_start``, ``go_end``,
``mark_in``, ``mark_out``, ``set_overlay_visible``).

The picture is drawn letterboxed at its display aspect (SAR and rotation applied by the
player). Over it, per :mod:`.overlays`: object tubes (boxes labelled with the tube's query,
faces/people in their own colours; pending dashed, accepted solid, the selected one bold),
the reframe crop window with the outside dimmed, and the subtitle text at the current time.
The transport bar shows the source timecode (the asset's start timecode, drop-frame kept,
as :class:`~.clock.AssetClock` computes it for the timeline and the exporters) and the frame
number. A file that cannot be played shows its error in place of the picture.

Source / Edit (Shift+1 / Shift+2, or the toggle at the left of the transport): Source
shows the current asset on its own; Edit plays the accepted edit — keeps in order, accepted
cuts skipped, across assets — through a :class:`~.program.ProgramPlayer`, with the
sequence timecode the exports write. The same transport keys drive whichever is shown. In
Edit mode the timeline's playhead follows the program on the current asset, a click there
seeks the program to that moment (or the first kept frame after it), and when the program
stops on another asset's clip that asset becomes the current one. Overlays and I/O marks
belong to the source: Edit mode shows the bare picture. :meth:`ViewerWidget.export_frame`
saves the frame on screen at full resolution, in either mode.

:meth:`ViewerWidget.preview_cut` plays around a cut as if it were accepted: the pre-roll
before its join, the join, the post-roll after (2 s each by default, in Settings), then
returns to the mode it was in; pausing ends it too.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.program import Program
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.elided_label import ElidedLabel
from vidi_desktop.qt.overlays import (
    OVERLAY_NAMES,
    OverlayFrame,
    OverlayModel,
    reframe_color,
)
from vidi_desktop.qt.player import MediaFacts, Player, ShownFrame
from vidi_desktop.qt.program import ProgramPlayer
from vidi_desktop.qt.session import Session

_DIM = QColor(0, 0, 0, 150)  # outside the reframe window
_NO_MEDIA = "No clip open. Add footage to the project to see it here."
MODES = ("source", "edit")


class VideoCanvas(QWidget):
    """Paints one picture letterboxed, its overlays, or a message instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._display: tuple[int, int] | None = None
        self._overlays = OverlayFrame()
        self._message = _NO_MEDIA
        self._error = False

    # -- state ---------------------------------------------------------------------------------
    @property
    def image(self) -> QImage | None:
        return self._image

    @property
    def message(self) -> str:
        return self._message

    @property
    def overlays(self) -> OverlayFrame:
        return self._overlays

    def set_display_size(self, size: tuple[int, int] | None) -> None:
        self._display = size
        self.update()

    def set_frame(self, image: QImage, overlays: OverlayFrame) -> None:
        self._image = image
        self._overlays = overlays
        self._message = ""
        self._error = False
        self.update()

    def set_overlays(self, overlays: OverlayFrame) -> None:
        self._overlays = overlays
        self.update()

    def set_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` instead of the picture (an error in the error colour)."""
        self._image = None
        self._overlays = OverlayFrame()
        self._message = text
        self._error = error
        self.update()

    def video_rect(self) -> QRectF:
        """Where the picture goes: the largest rectangle of its display aspect that fits."""
        size = self._display
        if size is None and self._image is not None:
            size = (self._image.width(), self._image.height())
        bounds = QRectF(self.rect())
        if not size or size[0] <= 0 or size[1] <= 0 or bounds.isEmpty():
            return QRectF()
        scale = min(bounds.width() / size[0], bounds.height() / size[1])
        w, h = size[0] * scale, size[1] * scale
        return QRectF(bounds.x() + (bounds.width() - w) / 2,
                      bounds.y() + (bounds.height() - h) / 2, w, h)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.VIEWER_BACKGROUND))
        if self._image is not None:
            target = self.video_rect()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(target, self._image)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_overlays(p, target, self._overlays)
        if self._message:
            p.setPen(QColor(theme.ERROR if self._error else theme.TEXT_DIM))
            box = QRectF(self.rect()).adjusted(24, 24, -24, -24)
            p.drawText(box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                       self._message)
        p.end()


def paint_overlays(p: QPainter, target: QRectF, frame: OverlayFrame) -> None:
    """Draw ``frame``'s crop window, boxes and captions into the picture at ``target``."""

    def to_rect(x0: float, y0: float, x1: float, y1: float) -> QRectF:
        return QRectF(
            target.x() + x0 * target.width(), target.y() + y0 * target.height(),
            (x1 - x0) * target.width(), (y1 - y0) * target.height(),
        )

    if frame.crop is not None:
        c = frame.crop
        window = to_rect(c.x0, c.y0, c.x1, c.y1)
        outside = QPainterPath()
        outside.setFillRule(Qt.FillRule.OddEvenFill)
        outside.addRect(target)
        outside.addRect(window)
        p.fillPath(outside, _DIM)
        pen = QPen(QColor(reframe_color()), 2)
        if not c.accepted:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(window)
        _tag(p, window.topLeft() + QPointF(4, 4), c.aspect, QColor(reframe_color()), inside=True)
    for box in frame.boxes:
        rect = to_rect(box.x0, box.y0, box.x1, box.y1)
        color = QColor(box.color)
        pen = QPen(color, 3 if box.selected else 2)
        if not box.accepted:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        _tag(p, rect.topLeft(), box.label, color, inside=rect.top() - target.top() < 18)
    if frame.captions:
        _paint_captions(p, target, frame)


def _tag(p: QPainter, at: QPointF, text: str, color: QColor, *, inside: bool) -> None:
    """A small filled label at ``at`` (above it, or just inside when there is no room)."""
    if not text:
        return
    font = QFont(p.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    p.setFont(font)
    metrics = p.fontMetrics()
    w = metrics.horizontalAdvance(text) + 8
    h = metrics.height() + 2
    y = at.y() if inside else at.y() - h
    rect = QRectF(at.x(), y, w, h)
    p.fillRect(rect, color)
    p.setPen(QColor("#101010"))
    p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)


def _paint_captions(p: QPainter, target: QRectF, frame: OverlayFrame) -> None:
    text = "\n".join(c.text for c in frame.captions)
    accepted = all(c.accepted for c in frame.captions)
    font = QFont(p.font())
    font.setPixelSize(max(11, round(target.height() / 16)))
    font.setItalic(not accepted)  # pending subtitles read as provisional
    p.setFont(font)
    area = QRectF(target.x() + target.width() * 0.06, target.y(),
                  target.width() * 0.88, target.height() * 0.94)
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
                | Qt.TextFlag.TextWordWrap)
    bound = p.boundingRect(area, flags, text).adjusted(-8, -4, 8, 4)
    p.fillRect(bound, QColor(0, 0, 0, 170))
    p.setPen(QColor("#ffffff" if accepted else "#d8d8d8"))
    p.drawText(area, flags, text)


class ViewerWidget(QWidget):
    """Video, overlays and transport for the session's current asset."""

    marks_changed = Signal()
    audio_unavailable = Signal(str)  # no sound on this machine (emitted once)
    mode_changed = Signal(str)  # "source" or "edit"

    def __init__(
        self, session: Session, parent: QWidget | None = None, *, proxy: str = "auto"
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._proxy_mode = proxy
        self._player = Player(self, proxy=proxy)
        self._mode = "source"
        self._program_player: ProgramPlayer | None = None
        self._program: Program | None = None
        self._program_error = ""
        self._source_stale = False  # the asset changed in Edit mode: reopen on return
        # A cut previewed as if accepted: (mode to return to, frame to start, frame to stop,
        # playing yet); None when no preview runs.
        self._preview: tuple[str, int, int, bool] | None = None
        self._clock = AssetClock.of(None)
        self._overlay_model = OverlayModel()
        self._visible: set[str] = set(OVERLAY_NAMES)
        self._in: Fraction | None = None
        self._out: Fraction | None = None
        self._asset_id = ""
        self._shown: ShownFrame | None = None
        self._build()
        player = self._player
        player.opened.connect(self._on_opened)
        player.failed.connect(self._on_failed)
        player.frame_error.connect(self._on_frame_error)
        player.frame_shown.connect(self._on_frame)
        player.speed_changed.connect(self._on_speed)
        player.audio_unavailable.connect(self._on_audio_unavailable)
        session.asset_changed.connect(self._on_asset_changed)
        session.seek_requested.connect(self._on_seek_requested)
        session.project_changed.connect(self._on_project_changed)
        session.selection_changed.connect(self._on_project_changed)
        session.document_changed.connect(self._on_project_changed)
        if session.asset_id:
            self._on_asset_changed(session.asset_id)

    def _build(self) -> None:
        self.canvas = VideoCanvas(self)
        style = self.style()

        def button(icon: QStyle.StandardPixmap, tip: str, slot: object) -> QToolButton:
            b = QToolButton(self)
            b.setIcon(style.standardIcon(icon))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
            b.setProperty("transport", True)  # compact (theme): the bar fits 1280 px screens
            b.clicked.connect(slot)
            return b

        sp = QStyle.StandardPixmap
        self.start_button = button(sp.SP_MediaSkipBackward, "Go to start (Home)", self.go_start)
        self.back_button = button(sp.SP_MediaSeekBackward, "Previous frame (Left)",
                                  lambda: self.step(-1))
        self.play_button = button(sp.SP_MediaPlay, "Play / pause (Space)", self.play_pause)
        self.forward_button = button(sp.SP_MediaSeekForward, "Next frame (Right)",
                                     lambda: self.step(1))
        self.end_button = button(sp.SP_MediaSkipForward, "Go to end (End)", self.go_end)
        self.speed_label = QLabel("", self)
        self.marks_label = ElidedLabel("", self)  # gives way on a narrow window, never overlaps
        self.sound_label = QLabel("", self)
        self.timecode_label = QLabel("--:--:--:--", self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        mono.setPointSizeF(mono.pointSizeF() * 1.25)
        self.timecode_label.setFont(mono)
        self.timecode_label.setToolTip("Source timecode")
        self.frame_label = QLabel("", self)
        self.frame_label.setToolTip("Frame number / frames in the clip")
        for label in (self.speed_label, self.marks_label, self.sound_label, self.frame_label):
            label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        # One toggle: it names the mode shown, and takes the accent in Edit mode.
        self.mode_button = QToolButton(self)
        self.mode_button.setCheckable(True)
        self.mode_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode_button.setToolTip(
            "Source: the current clip on its own (Shift+1). Edit: the accepted edit, cuts "
            "skipped, with its sequence timecode (Shift+2)."
        )
        self.mode_button.setStyleSheet(
            f"QToolButton:checked {{ background: {theme.ACCENT}; color: {theme.ACCENT_TEXT}; }}"
        )
        self.mode_button.setText("Source")
        self.mode_button.ensurePolished()  # the theme's padding counts
        self.mode_button.setMinimumWidth(self.mode_button.sizeHint().width())  # "Source": longer
        self.mode_button.clicked.connect(lambda _=False: self.toggle_mode())
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.addWidget(self.mode_button)
        for w in (self.start_button, self.back_button, self.play_button, self.forward_button,
                  self.end_button):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.speed_label)
        bar.addSpacing(8)
        bar.addWidget(self.marks_label)
        bar.addStretch(1)
        bar.addWidget(self.sound_label)
        bar.addSpacing(8)
        bar.addWidget(self.timecode_label)
        bar.addSpacing(8)
        bar.addWidget(self.frame_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(bar)

    # -- public state --------------------------------------------------------------------------
    @property
    def player(self) -> Player:
        """The source player (the current asset on its own)."""
        return self._player

    @property
    def mode(self) -> str:
        """ "source" or "edit" (see the module docstring)."""
        return self._mode

    @property
    def active_player(self) -> Player:
        """The player the transport drives now: the program's in Edit mode."""
        if self._mode == "edit" and self._program_player is not None:
            return self._program_player
        return self._player

    @property
    def program_player(self) -> ProgramPlayer | None:
        """The Edit mode's player (None until Edit mode was first shown)."""
        return self._program_player

    @property
    def program(self) -> Program | None:
        """The accepted edit Edit mode plays (None when there is none, or not in Edit)."""
        return self._program if self._mode == "edit" else None

    @property
    def in_point(self) -> Fraction | None:
        """Marked in: the start of the frame marked (seconds, asset clock), or None."""
        return self._in

    @property
    def out_point(self) -> Fraction | None:
        """Marked out: the *end* of the frame marked (exclusive, as ``TimeRange``), or None."""
        return self._out

    def marked_range(self) -> TimeRange | None:
        """In to out as a range, when both are marked."""
        if self._in is None or self._out is None:
            return None
        return TimeRange.from_start_end(Time.exact(self._in), Time.exact(self._out))

    @property
    def current_frame(self) -> ShownFrame | None:
        """The picture on screen (None when there is none)."""
        return self._shown

    def overlay_visible(self, name: str) -> bool:
        return name in self._visible

    # -- public slots --------------------------------------------------------------------------
    @Slot()
    def play_pause(self) -> None:
        self.active_player.toggle_play()

    @Slot(int)
    def shuttle(self, direction: int) -> None:
        """J = -1, K = 0, L = +1; repeated L (or J) doubles the speed up to 8×."""
        self.active_player.shuttle(direction)

    @Slot(int)
    def step(self, frames: int) -> None:
        self.active_player.step(frames)

    @Slot()
    def go_start(self) -> None:
        self.active_player.go_start()

    @Slot()
    def go_end(self) -> None:
        self.active_player.go_end()

    @Slot(str)
    def set_mode(self, mode: str) -> None:
        """Show the source ("source") or the accepted edit ("edit")."""
        if mode not in MODES:
            raise ValueError(f"unknown viewer mode {mode!r} (known: {', '.join(MODES)})")
        self._show_mode_button(mode)
        was_preview, self._preview = self._preview is not None, None
        if mode == self._mode and not was_preview:
            return
        self.active_player.pause()
        self._mode = mode
        if mode == "edit":
            self._show_program(None if was_preview else self._program_frame_here())
        else:
            self._show_source()
        self._update_labels()
        self.mode_changed.emit(mode)

    def _show_mode_button(self, mode: str) -> None:
        self.mode_button.setChecked(mode == "edit")
        self.mode_button.setText("Edit" if mode == "edit" else "Source")

    @Slot()
    def toggle_mode(self) -> None:
        """Source ↔ Edit."""
        self.set_mode("source" if self._mode == "edit" else "edit")

    @property
    def previewing(self) -> bool:
        """True while a cut is previewed (:meth:`preview_cut`)."""
        return self._preview is not None

    def preview_cut(self, suggestion_id: str) -> None:
        """Play around the cut ``suggestion_id`` as if it were accepted: the pre-roll, the
        join, the post-roll (Settings), then back to the mode the viewer was in.

        Raises :class:`~vidi_desktop.core.errors.VidiError` when there is no edit to play.
        """
        from vidi_desktop.interchange.program import preview_of_cut
        from vidi_desktop.qt.preview_settings import load_preview_settings

        program, join = preview_of_cut(self._session.document.project, suggestion_id)
        rolls = load_preview_settings()
        fps = program.rate.value
        start = max(0, join - round(Fraction(rolls.preroll_s) * fps))
        stop = min(program.duration - 1, join + round(Fraction(rolls.postroll_s) * fps))
        back = self._preview[0] if self._preview is not None else self._mode
        self.active_player.pause()
        self._preview = (back, start, stop, False)
        self._mode = "edit"
        self._show_mode_button("edit")
        self._program = program
        pp = self._ensure_program_player()
        pp.open_program(program, start)
        self._update_labels()

    def _end_preview(self) -> None:
        if self._preview is None:
            return
        back = self._preview[0]
        self._preview = None
        if back == "source":
            self._mode = "source"
            self._show_mode_button("source")
            self._show_source()
            self._update_labels()
            self.mode_changed.emit("source")
        else:
            self._show_program(None)
            self._update_labels()

    def seek_program(self, n: int) -> None:
        """Edit mode: show sequence frame ``n`` (0 = the sequence's first frame)."""
        if self._program_player is not None and self._mode == "edit":
            self._program_player.seek(n)

    def export_frame(self, path: str | Path) -> Path:
        """Save the frame on screen at full resolution (upright, square pixels) as PNG.

        Raises :class:`~vidi_desktop.core.errors.VidiError` when no frame is shown or the
        file cannot be written.
        """
        from vidi_desktop.qt.frame_export import export_frame

        if self._shown is None:
            raise VidiError("no frame on screen to export")
        if self._mode == "edit":
            program, pp = self._program, self._program_player
            if program is None or pp is None:
                raise VidiError("no frame on screen to export")
            n = pp.current_frame
            pick = program.pick(n)
            src = program.clips[pick.clip].source
            return export_frame(src.path, pick, src.sar, src.rotation, Path(path))
        facts = self._player.facts
        if facts is None:
            raise VidiError("no frame on screen to export")
        from vidi_desktop.interchange.program import SourcePick

        pick = SourcePick(0, self._player.current_frame, None)
        return export_frame(facts.path, pick, facts.sar, facts.rotation, Path(path))

    @Slot()
    def mark_in(self) -> None:
        """Mark in at the current frame (an out mark before it is cleared)."""
        here = self._current_span()
        if here is None:
            return
        self._in = here[0]
        if self._out is not None and self._out <= self._in:
            self._out = None
        self._marks_changed()

    @Slot()
    def mark_out(self) -> None:
        """Mark out at the current frame, inclusive (an in mark after it is cleared)."""
        here = self._current_span()
        if here is None:
            return
        self._out = here[1]
        if self._in is not None and self._in >= self._out:
            self._in = None
        self._marks_changed()

    def clear_marks(self) -> None:
        if self._in is None and self._out is None:
            return
        self._in = self._out = None
        self._marks_changed()

    def set_marks(self, mark_in: Fraction | None, mark_out: Fraction | None) -> None:
        """Set both marks: In the start of its frame, Out the end of its frame (exclusive),
        in seconds on the clip's clock (a project reopening: :mod:`.view_state`)."""
        if mark_in is not None and mark_out is not None and mark_out <= mark_in:
            raise ValueError("the Out mark must come after the In mark")
        self._in, self._out = mark_in, mark_out
        self._marks_changed()

    @Slot(str, bool)
    def set_overlay_visible(self, name: str, on: bool) -> None:
        """Show or hide one overlay group: "tubes", "faces", "reframe", "subtitles"."""
        if name not in OVERLAY_NAMES:
            raise ValueError(f"unknown overlay {name!r} (known: {', '.join(OVERLAY_NAMES)})")
        if on:
            self._visible.add(name)
        else:
            self._visible.discard(name)
        self._refresh_overlays()

    @Slot()
    def close_media(self, wait: bool = True) -> None:
        """Stop playback and join the decode threads (``wait=False``: join none, the
        window is closing); the viewer shows no clip."""
        self._player.close(wait)
        if not wait and self._program_player is not None:
            self._program_player.close(False)
        if self._program_player is not None:
            self._program_player.close()
        self._asset_id = ""
        self._shown = None
        self.canvas.set_display_size(None)
        self.canvas.set_message(_NO_MEDIA)
        self._update_labels()

    def closeEvent(self, event: object) -> None:
        self._player.close()
        if self._program_player is not None:
            self._program_player.close()
        super().closeEvent(event)  # type: ignore[arg-type]

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        # Pictures come no larger than the canvas in device pixels: cheaper to convert,
        # and painting does not scale a 4K frame down 25 times a second.
        ratio = self.devicePixelRatioF()
        size = self.canvas.size()
        if size.width() > 0 and size.height() > 0:
            w, h = round(size.width() * ratio), round(size.height() * ratio)
            self._player.set_max_image_size(w, h)
            if self._program_player is not None:
                self._program_player.set_max_image_size(w, h)
            image = self.canvas.image
            if image is not None and image.width() < w * 0.9 and image.height() < h * 0.9:
                # The picture was made for a smaller view: ask for it again at this size
                # (only if the footage is larger than the picture; the player never upscales).
                player = self.active_player
                facts = player.facts
                if facts is not None and facts.display_size[0] > image.width() * 1.1:
                    player.refresh()

    # -- session -------------------------------------------------------------------------------
    @Slot(str)
    def _on_asset_changed(self, asset_id: str) -> None:
        if self._mode == "edit":
            # The program goes on; the source player opens the asset when Source is shown.
            self._player.close()
            self._asset_id = asset_id
            self._clock = AssetClock.of(self._session.asset)
            self._in = self._out = None
            self._source_stale = True
            self._rebuild_overlays()
            self.marks_changed.emit()
            return
        self._open_source(asset_id)

    def _open_source(self, asset_id: str) -> None:
        self._source_stale = False
        self._player.close()
        self._asset_id = asset_id
        self._shown = None
        self._in = self._out = None
        asset = self._session.asset
        self._clock = AssetClock.of(asset)
        self._rebuild_overlays()
        self.canvas.set_display_size(None)
        if asset is None:
            self.canvas.set_message(_NO_MEDIA)
        else:
            self.canvas.set_message(f"Opening {asset.name}…")
            self._player.open(asset.path, self._session.position)
        self._update_labels()
        self.marks_changed.emit()

    @Slot(object)
    def _on_seek_requested(self, seconds: Fraction) -> None:
        if self._mode == "edit":
            # A moment of the current asset: where the edit shows it, or the first kept
            # frame after it (an accepted cut shows its join).
            if self._program is not None and self._program_player is not None:
                n = self._program.record_frame_of(self._session.asset_id, Fraction(seconds))
                if n is not None:
                    self._program_player.seek(n)
            return
        # The frame the exports and the review list put at ``seconds`` (one rounding rule).
        self._player.seek_seconds(self._clock.seek_time(Fraction(seconds)))

    @Slot()
    def _on_project_changed(self, *args: object) -> None:
        self._rebuild_overlays()
        if self._preview is not None:
            return  # the preview plays what was asked; the edit is rebuilt when it ends
        if self._mode == "edit":
            self._show_program(None)

    def _rebuild_overlays(self) -> None:
        doc = self._session.document
        self._overlay_model = OverlayModel.for_asset(
            doc.project.suggestions, self._asset_id, self._session.selected
        )
        self._refresh_overlays()

    def _refresh_overlays(self) -> None:
        if self._shown is not None:
            self.canvas.set_overlays(self._overlays_for(self._shown))

    def _overlays_for(self, shown: ShownFrame) -> OverlayFrame:
        """The overlays over the frame on screen, over its whole display interval."""
        facts = self._player.facts
        until = None
        if facts is not None:
            n = shown.index
            until = facts.seconds_of(n + 1) if n + 1 < facts.frame_count else facts.end_seconds
        return self._overlay_model.at(shown.seconds, self._visible, until)

    # -- player ----------------------------------------------------------------------------------
    @Slot(object)
    def _on_opened(self, facts: MediaFacts) -> None:
        if self._mode != "source":
            return
        self.canvas.set_display_size(facts.display_size)
        self._update_labels()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._mode == "source":
            self._show_failure(message)

    def _show_failure(self, message: str) -> None:
        """The player of the current mode could not open: its message instead of a picture."""
        self._shown = None
        self.canvas.set_display_size(None)
        self.canvas.set_message(message, error=True)
        self._update_labels()

    @Slot(str)
    def _on_frame_error(self, message: str) -> None:
        # One damaged stretch: the message replaces the picture until a frame decodes.
        if self.sender() is self.active_player:
            self.canvas.set_message(message, error=True)

    @Slot(object)
    def _on_frame(self, shown: ShownFrame) -> None:
        if self._mode != "source":
            return
        self._shown = shown
        self.canvas.set_frame(shown.image, self._overlays_for(shown))
        self._update_labels()
        # The playhead moves when the frame asked for is on screen (exact, or its proxy
        # picture); a keyframe stand-in is another frame and does not count.
        if (
            shown.source != "keyframe"
            and shown.index == self._player.current_frame
            and self._session.position != shown.seconds
        ):
            self._session.set_position(shown.seconds)

    @Slot(float)
    def _on_speed(self, speed: float) -> None:
        if self.sender() is not None and self.sender() is not self.active_player:
            return
        if speed == 0 and self._preview is not None and self._preview[3]:
            self._end_preview()
        sp = QStyle.StandardPixmap
        self.play_button.setIcon(
            self.style().standardIcon(sp.SP_MediaPause if speed else sp.SP_MediaPlay)
        )
        if speed == 0:
            self.speed_label.setText("")
        else:
            arrow = "▶" if speed > 0 else "◀"
            self.speed_label.setText(f"{arrow} {abs(speed):g}×")

    @Slot(str)
    def _on_audio_unavailable(self, reason: str) -> None:
        self.sound_label.setText("no sound")
        self.sound_label.setToolTip(reason)
        self.audio_unavailable.emit(reason)

    # -- Edit mode -------------------------------------------------------------------------------
    def _program_frame_here(self) -> int:
        """The sequence frame showing the source frame on screen (the first kept frame after
        it when it is cut out; 0 when the edit holds nothing of this asset)."""
        try:
            program = Program.of(self._session.document.project)
        except VidiError:
            return 0
        n = program.record_frame_of(self._session.asset_id, self._session.position)
        return 0 if n is None else n

    def _show_program(self, frame: int | None) -> None:
        """Build the accepted edit and play it from ``frame`` (None: where the playhead's
        moment lies in the new edit, else the same sequence frame)."""
        try:
            program = Program.of(self._session.document.project)
        except VidiError as exc:
            self._program = None
            self._program_error = f"Nothing to play in Edit mode: {exc}"
            if self._program_player is not None:
                self._program_player.close()
            self._shown = None
            self.canvas.set_display_size(None)
            self.canvas.set_message(self._program_error)
            self._update_labels()
            return
        self._program_error = ""
        pp = self._ensure_program_player()
        same = (
            self._program is not None
            and pp.is_open
            and pp.error == ""
            and program.signature() == self._program.signature()
        )
        if frame is None:
            if same:
                self._program = program
                return  # the edit plays the same frames: nothing to reopen
            here = program.record_frame_of(self._session.asset_id, self._session.position)
            frame = here if here is not None else min(pp.current_frame, program.duration - 1)
        self._program = program
        if same:
            pp.seek(frame)
            if pp.shown is not None:
                self._on_program_frame(pp.shown)
            return
        pp.open_program(program, frame)

    def _ensure_program_player(self) -> ProgramPlayer:
        pp = self._program_player
        if pp is None:
            pp = self._program_player = ProgramPlayer(self, proxy=self._proxy_mode)
            pp.opened.connect(self._on_program_opened)
            pp.failed.connect(self._on_program_failed)
            pp.frame_error.connect(self._on_frame_error)
            pp.frame_shown.connect(self._on_program_frame)
            pp.speed_changed.connect(self._on_speed)
            pp.audio_unavailable.connect(self._on_audio_unavailable)
            size = self.canvas.size()
            ratio = self.devicePixelRatioF()
            pp.set_max_image_size(round(size.width() * ratio), round(size.height() * ratio))
        return pp

    def _show_source(self) -> None:
        """Back to the source: reopen the asset if it changed meanwhile, else its frame."""
        if self._source_stale or not self._player.is_open:
            self._open_source(self._session.asset_id)
            return
        shown = self._player.shown
        facts = self._player.facts
        self._shown = shown
        if facts is not None:
            self.canvas.set_display_size(facts.display_size)
        if shown is not None:
            self.canvas.set_frame(shown.image, self._overlays_for(shown))
            self._session.set_position(shown.seconds)
        elif self._player.error:
            self.canvas.set_message(self._player.error, error=True)

    @Slot(object)
    def _on_program_opened(self, facts: MediaFacts) -> None:
        if self._mode == "edit":
            # Clips may differ in shape: each picture is letterboxed by its own size.
            self.canvas.set_display_size(None)
            self._update_labels()

    @Slot(str)
    def _on_program_failed(self, message: str) -> None:
        if self._mode == "edit":
            self._show_failure(message)

    @Slot(object)
    def _on_program_frame(self, shown: ShownFrame) -> None:
        pp = self._program_player
        if self._mode != "edit" or pp is None or pp.program is None:
            return
        self._shown = shown
        self.canvas.set_frame(shown.image, OverlayFrame())
        self._update_labels()
        if shown.source == "keyframe" or shown.index != pp.current_frame:
            return
        if self._preview is not None:
            back, start, stop, playing = self._preview
            if not playing and shown.exact and shown.index == start:
                self._preview = (back, start, stop, True)
                pp.play(1.0)
            elif playing and shown.index >= stop:
                pp.pause()  # speed 0 ends the preview (_on_speed)
            return
        # The timeline follows the program on the current asset; when the program stops
        # on another asset's clip, that asset becomes the current one.
        asset_id, _, seconds = pp.source_at(shown.index)
        if asset_id != self._session.asset_id:
            if pp.speed != 0:
                return
            self._session.set_asset(asset_id)
        if self._session.position != seconds:
            self._session.set_position(seconds)

    def _update_program_labels(self) -> None:
        self.timecode_label.setToolTip("Sequence timecode (the record timecode of the exports)")
        self.frame_label.setToolTip("Frame of the edit / frames in the edit")
        self.marks_label.setText("PREVIEW" if self._preview is not None else "EDIT")
        program, shown = self._program, self._shown
        if program is None or shown is None:
            self.timecode_label.setText("--:--:--:--")
            self.frame_label.setText("")
            return
        self.timecode_label.setText(program.timecode(shown.index))
        mark = "" if shown.source == "exact" else " …"
        self.frame_label.setText(f"{shown.index} / {program.duration}{mark}")

    # -- labels and marks ------------------------------------------------------------------------
    def _current_span(self) -> tuple[Fraction, Fraction] | None:
        """Start and exclusive end (seconds) of the current frame (None in Edit mode: marks
        belong to the source)."""
        if self._mode != "source":
            return None
        facts = self._player.facts
        if facts is None:
            return None
        n = self._player.current_frame
        start = facts.seconds_of(n)
        end = facts.seconds_of(n + 1) if n + 1 < facts.frame_count else facts.end_seconds
        return start, end

    def _marks_changed(self) -> None:
        self._update_labels()
        self.marks_changed.emit()

    def _update_labels(self) -> None:
        if self._mode == "edit":
            self._update_program_labels()
            return
        self.timecode_label.setToolTip("Source timecode")
        self.frame_label.setToolTip("Frame number / frames in the clip")
        facts = self._player.facts
        shown = self._shown
        if facts is None or shown is None:
            self.timecode_label.setText("--:--:--:--")
            self.frame_label.setText("")
        else:
            self.timecode_label.setText(self._clock.timecode(shown.seconds))
            mark = "" if shown.source == "exact" else " …"  # a preview until the exact frame
            self.frame_label.setText(f"{shown.index} / {facts.frame_count}{mark}")
        parts = []
        if self._in is not None:
            parts.append(f"IN {self._clock.timecode(self._in)}")
        if self._out is not None:
            # The out mark is exclusive: label the last frame inside it.
            last = self._clock.frame_at(self._out) - 1
            parts.append(f"OUT {self._clock.timecode_of_frame(last)}")
        self.marks_label.setText("   ".join(parts))
