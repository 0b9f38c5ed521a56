"""The window on a 1280×720 screen, in every state: marks set, playing, no sound, a request
running with its message, Edit mode. Its minimum size fits the screen less a taskbar, and no
label is painted over another widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from itertools import combinations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QWidget
from windows import close_window

from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.elided_label import ElidedLabel
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

SCREEN_W, SCREEN_H = 1280, 720
TASKBAR = 40  # what a desktop panel typically takes


@pytest.fixture
def window(qtbot, project_doc, scripted_factory, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    w = MainWindow(Session(project_doc), backend_factory=scripted_factory,
                   restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.viewer.player.facts is not None, timeout=60_000)
    yield w
    close_window(w)


def _transport(window: MainWindow) -> list[QWidget]:
    v = window.viewer
    return [w for w in (v.mode_button, v.start_button, v.back_button, v.play_button,
                        v.forward_button, v.end_button, v.speed_label, v.marks_label,
                        v.sound_label, v.timecode_label, v.frame_label) if w.isVisible()]


def _name(w: QWidget) -> str:
    return f"{type(w).__name__} {w.text()[:16]!r}" if isinstance(w, QLabel) else type(w).__name__


def _overlaps(widgets: list[QWidget]) -> list[tuple[str, str]]:
    out = []
    for a, b in combinations(widgets, 2):
        ga, gb = a.geometry(), b.geometry()
        if ga.width() and gb.width() and ga.intersects(gb):
            out.append((_name(a), _name(b)))
    return out


def _cut(widgets: list[QWidget]) -> list[str]:
    """Labels narrower than their text (unless they elide it on purpose) and buttons
    narrower than their text and padding."""
    out = []
    for w in widgets:
        if isinstance(w, QLabel) and not isinstance(w, ElidedLabel) and w.text():
            need = w.fontMetrics().horizontalAdvance(w.text())
        elif isinstance(w, QToolButton):
            need = w.sizeHint().width()
        else:
            continue
        if w.contentsRect().width() < need:
            out.append(_name(w))
    return out


def _check(qtbot, window: MainWindow, state: str) -> None:
    qtbot.wait(50)  # the layouts take in the new texts
    hint = window.minimumSizeHint()
    assert hint.width() <= SCREEN_W, (state, hint)
    assert hint.height() <= SCREEN_H - TASKBAR, (state, hint)
    window.resize(SCREEN_W, SCREEN_H)
    qtbot.wait(50)
    assert window.width() == SCREEN_W, state
    widgets = _transport(window)
    assert _overlaps(widgets) == [], state
    assert _cut(widgets) == [], state
    for label in window.findChildren(QLabel):  # every label of the window, by its siblings
        if not label.isVisible() or not label.text():
            continue
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        siblings = [w for w in label.parentWidget().findChildren(QWidget, options=direct)
                    if w.isVisible() and w is not label]
        for other in siblings:
            g, o = label.geometry(), other.geometry()
            assert not (g.width() and o.width() and g.intersects(o)), (
                state, label.text()[:30], type(other).__name__)


def test_the_window_fits_1280x720_in_every_state(qtbot, window):
    v = window.viewer
    _check(qtbot, window, "opened")
    # Marks set, a long clip's frame number, no sound.
    v.player.seek(10)
    qtbot.waitUntil(lambda: v.current_frame is not None and v.current_frame.index == 10,
                    timeout=60_000)
    v.mark_in()
    v.player.seek(40)
    qtbot.waitUntil(lambda: v.current_frame is not None and v.current_frame.index == 40,
                    timeout=60_000)
    v.mark_out()
    assert "IN" in v.marks_label.text() and "OUT" in v.marks_label.text()
    v.player.audio_unavailable.emit("no audio device")
    assert v.sound_label.text()
    v.frame_label.setText("107891 / 107892 …")  # an hour at 29.97, on its proxy picture
    _check(qtbot, window, "marks, no sound")
    # Playing fast.
    v.player.seek(0)
    for _ in range(3):
        v.shuttle(1)
    qtbot.waitUntil(lambda: bool(v.speed_label.text()), timeout=60_000)
    _check(qtbot, window, "playing")
    v.player.pause()
    # A request running, and a long message under the request line.
    with qtbot.waitSignal(window.bridge.progress, timeout=60_000):
        window.request_box.ask("slow")
    window.request_box.show_error("the model ran out of memory: try 4-bit quantization, "
                                  "fewer frames (max_frames), or a smaller model " * 3)
    window.review.set_state_filter("rejected")
    _check(qtbot, window, "request running")
    window.request_box.cancel()
    qtbot.waitUntil(lambda: not window.bridge.is_busy, timeout=60_000)
    # Edit mode.
    v.set_mode("edit")
    _check(qtbot, window, "edit mode")


def test_a_marked_range_is_elided_not_painted_over(qtbot, window):
    v = window.viewer
    v.player.seek(5)
    qtbot.waitUntil(lambda: v.current_frame is not None and v.current_frame.index == 5,
                    timeout=60_000)
    v.mark_in()
    v.player.seek(50)
    qtbot.waitUntil(lambda: v.current_frame is not None and v.current_frame.index == 50,
                    timeout=60_000)
    v.mark_out()
    window.resize(SCREEN_W, SCREEN_H)
    # The docks as wide as they go: the viewer at its narrowest.
    docks = [window._docks["media"], window._docks["review"]]
    window.resizeDocks(docks, [2000, 2000], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    label = v.marks_label
    assert _overlaps(_transport(window)) == []
    assert label.is_elided and label.shown_text.endswith("…")
    assert label.toolTip() == label.text()  # the whole range on hover
