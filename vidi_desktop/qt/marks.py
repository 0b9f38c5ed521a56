"""I/O marks that do something: shown on the ruler, made into cuts and keeps, scoping requests.

The viewer keeps the marks (**I** / **O** on the current frame; In is the start of its frame,
Out the *end* of its frame, so the Out frame is inside the range, as in Premiere, Resolve and
Kdenlive). :class:`MarksController` gives them their uses in the window:

* the timeline paints them (:func:`paint_marks`): a tinted band across the ruler from In to
  Out, a faint tint down the lanes, and a small flag at each mark;
* **Add cut from I/O** (Ctrl+Shift+X) and **Add keep from I/O** (Ctrl+Shift+K), in the Review
  menu, cut or keep exactly the marked frames of the current clip: an accepted suggestion of
  source ``marks``, the edit following, one undo step
  (:func:`~vidi_desktop.core.project.manual.add_accepted_range`);
* **Clear marks** (Alt+X, as in Resolve), in the Playback menu;
* a request typed (or a preset clicked) while both marks are set is about that range only
  (``Request.window``: the runner keeps what lies inside, :mod:`~vidi_desktop.core.project.
  scope`), and the request box says so under the request line.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPolygonF

from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock

if TYPE_CHECKING:
    from vidi_desktop.qt.main_window import MainWindow

MARK = QColor(theme.ACCENT)
SHORTCUTS = {"add_cut_from_marks": "Ctrl+Shift+X", "add_keep_from_marks": "Ctrl+Shift+K",
             "clear_marks": "Alt+X"}


class MarksController(QObject):
    """The marks' actions, their ruler band and the request scope, for one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        a = window._action
        guarded = window._guarded
        self.add_cut = a("add_cut_from_marks", "Add &cut from I/O",
                         guarded(lambda: self.add_from_marks("cut")),
                         SHORTCUTS["add_cut_from_marks"])
        self.add_keep = a("add_keep_from_marks", "Add &keep from I/O",
                          guarded(lambda: self.add_from_marks("keep")),
                          SHORTCUTS["add_keep_from_marks"])
        self.clear = a("clear_marks", "&Clear marks", guarded(window.viewer.clear_marks),
                       SHORTCUTS["clear_marks"])
        self.add_cut.setToolTip("Cut the frames from In to Out (inclusive) out of the edit")
        self.add_keep.setToolTip("Keep the frames from In to Out (inclusive) in the edit")
        _add_to_menu(window, "&Review", [self.add_cut, self.add_keep])
        _add_to_menu(window, "&Playback", [self.clear], after="action_mark_out")
        window.viewer.marks_changed.connect(self._on_marks_changed)
        window.viewer.mode_changed.connect(self._on_marks_changed)
        window.request_box.scope = self.scope
        self._on_marks_changed()

    # -- what the marks say ----------------------------------------------------------------
    def scope(self) -> TimeRange | None:
        """The range a request is about: In to Out of the current clip, when both are set."""
        if not self._window.session.asset_id:
            return None
        return self._window.viewer.marked_range()

    def scope_text(self) -> str:
        """ "Scoped to In–Out 00:00:10:00–00:00:24:29 (…)" or "" when no range is marked."""
        viewer = self._window.viewer
        if self.scope() is None:
            return ""
        assert viewer.in_point is not None and viewer.out_point is not None
        a, b = marks_timecodes(AssetClock.of(self._window.session.asset),
                               viewer.in_point, viewer.out_point)
        key = SHORTCUTS["clear_marks"]
        return f"Scoped to In–Out {a}–{b} (clear marks, {key}, to ask about the whole file)"

    # -- actions ---------------------------------------------------------------------------
    def add_from_marks(self, action: str) -> None:
        """Add cut/keep from I/O: the marked frames of the current clip, accepted."""
        from vidi_desktop.core.project.manual import add_accepted_range

        window = self._window
        marked = self.scope()
        if marked is None:
            window.show_status("Mark In (I) and Out (O) on the clip first")
            return
        what = "cut" if action == "cut" else "keep"
        s = add_accepted_range(window.session.document, window.session.asset_id, marked, what)
        window.session.select(s.id)
        frames = _frames(window, marked)
        window.show_status(f"{what.capitalize()} from I/O: {frames} accepted")

    # -- reactions -------------------------------------------------------------------------
    def _on_marks_changed(self, *_: object) -> None:
        viewer = self._window.viewer
        self._window.timeline.set_marks(viewer.in_point, viewer.out_point)
        self._window.request_box.set_scope_text(self.scope_text())


def marks_timecodes(clock: AssetClock, mark_in: Fraction, mark_out: Fraction) -> tuple[str, str]:
    """Source timecodes of the In frame and of the Out frame (the last one inside)."""
    last = max(clock.frame_at(mark_in), clock.frame_at(mark_out) - 1)
    return clock.timecode(mark_in), clock.timecode_of_frame(last)


def _frames(window: MainWindow, marked: TimeRange) -> str:
    clock = AssetClock.of(window.session.asset)
    a, b = marks_timecodes(clock, marked.start.seconds, marked.end_exclusive.seconds)
    n = clock.frame_at(marked.end_exclusive.seconds) - clock.frame_at(marked.start.seconds)
    return f"{a}–{b} ({n} frame{'s' if n != 1 else ''})"


def _add_to_menu(window: MainWindow, title: str, actions: list, after: str = "") -> None:
    """Put ``actions`` in the menu bar's ``title`` menu (after the action named ``after``,
    else at the end, behind a separator)."""
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None or menu_action.text() != title:
            continue
        items = menu.actions()
        anchor = next((i for i, x in enumerate(items) if x.objectName() == after), None)
        if anchor is not None and anchor + 1 < len(items):
            menu.insertActions(items[anchor + 1], actions)
        else:
            menu.addSeparator()
            menu.addActions(actions)
        return
    raise LookupError(f"no {title!r} menu")


def paint_marks(
    p: QPainter,
    marks: tuple[Fraction | None, Fraction | None],
    x_of: Callable[[Fraction], float],
    left: float,
    width: float,
    height: float,
    ruler_h: float,
) -> None:
    """The marks over the timeline: a band on the ruler from In to Out, a faint tint down
    the lanes, a flag at each mark (In's pointing right, Out's left). ``left`` is where the
    lanes start (the header's right edge)."""
    mark_in, mark_out = marks
    if mark_in is None and mark_out is None:
        return
    p.save()
    p.setClipRect(QRectF(left, 0, width - left, height))
    xa = x_of(mark_in) if mark_in is not None else None
    xb = x_of(mark_out) if mark_out is not None else None
    if xa is not None and xb is not None and xb > xa:
        band, tint = QColor(MARK), QColor(MARK)
        band.setAlpha(90)
        tint.setAlpha(22)
        p.fillRect(QRectF(xa, 0, xb - xa, ruler_h), band)
        p.fillRect(QRectF(xa, ruler_h, xb - xa, height - ruler_h), tint)
    line = QColor(MARK)
    line.setAlpha(170)
    p.setPen(line)
    for x, direction in ((xa, 1), (xb, -1)):
        if x is None:
            continue
        p.drawLine(QPointF(x, 0), QPointF(x, height))
        p.setBrush(MARK)
        flag = QPolygonF([QPointF(x, 0), QPointF(x + 7 * direction, 0),
                          QPointF(x + 7 * direction, 5), QPointF(x, 9)])
        p.drawPolygon(flag)
    p.restore()
