"""Trims in the real window: S toggles snapping (View ▸ Snapping shows the key), an accepted
cut trimmed by dragging takes the edit along, Ctrl+Z puts the old range back and selects it.

Footage and edit: ``edit_media`` (clip A with an accepted cut of frames 25-39 and a pending
cut of frames 90-99, then clip B whole).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from edit_media import CUT, NTSC, PENDING, make_edit, make_footage
from PySide6.QtCore import QPoint, Qt
from windows import close_window

from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

PX = 10  # pixels per frame


def frames(a: int, b: int) -> TimeRange:
    return TimeRange.from_frames(a, b, NTSC)


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def window(qtbot, footage, monkeypatch):
    doc = make_edit(*footage)
    doc.mark_saved()
    monkeypatch.setattr(mw, "ask_save_changes", lambda *args: "discard")
    w = MainWindow(Session(doc), restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    w.timeline.setFocus()
    w.timeline.set_view(0.0, PX * float(NTSC))
    yield w
    close_window(w)


def ids(window) -> tuple[str, str]:
    """The accepted cut's id and the pending cut's."""
    accepted, pending = window.session.document.project.suggestions[:2]
    return accepted.id, pending.id


def a_ranges(window) -> list[TimeRange]:
    project = window.session.document.project
    a = project.assets[0].id
    return [c.range for c in project.edit if c.asset_id == a]


def out_edge(window, sid: str) -> QPoint:
    tl = window.timeline
    r = window.session.document.project.suggestion(sid).extent()
    return QPoint(round(tl.x_of(r.end_exclusive.seconds)), round(tl.item_rect(sid).center().y()))


def drag(qtbot, window, start: QPoint, dx: int) -> None:
    vp = window.timeline.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, pos=start + QPoint(dx, 0))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0))


def test_s_toggles_snapping_and_the_view_menu_shows_it_with_its_key(qtbot, window):
    action = window.actions_by_name["snapping"]
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    assert action.isCheckable() and action.shortcut().toString() == "S"
    assert action.isChecked() and window.timeline.trim.snapping  # on by default
    qtbot.keyClick(window.timeline, Qt.Key.Key_S)
    assert not action.isChecked() and not window.timeline.trim.snapping
    qtbot.keyClick(window.timeline, Qt.Key.Key_S)
    assert action.isChecked() and window.timeline.trim.snapping


def test_trimming_the_accepted_cut_changes_the_edit_and_ctrl_z_restores_it(qtbot, window):
    accepted, pending = ids(window)
    assert a_ranges(window) == [frames(0, CUT[0]), frames(CUT[1], 120)]
    drag(qtbot, window, out_edge(window, accepted), -50)  # five frames back: 25-34 cut
    cut = window.session.document.project.suggestion(accepted)
    assert cut.extent() == frames(CUT[0], 35)
    assert a_ranges(window) == [frames(0, CUT[0]), frames(35, 120)]
    assert cut.removed == (frames(CUT[0], 35),)
    strip = [(p.start, p.end) for p in window.timeline.edit_pieces]  # the Edit strip
    assert strip == [(float(r.start.seconds), float(r.end_exclusive.seconds))
                     for r in a_ranges(window)]
    window.session.select(pending)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.document.project.suggestion(accepted).extent() == frames(*CUT)
    assert a_ranges(window) == [frames(0, CUT[0]), frames(CUT[1], 120)]
    assert window.session.selected == accepted
    qtbot.keyClick(window.timeline, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert a_ranges(window) == [frames(0, CUT[0]), frames(35, 120)]


def test_esc_cancels_a_drag_whatever_has_the_focus(qtbot, window):
    _, pending = ids(window)
    window.timeline.set_view(float(60 / NTSC), PX * float(NTSC))
    start = out_edge(window, pending)
    vp = window.timeline.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, pos=start + QPoint(-30, 0))
    assert window.timeline.trim.proposal == frames(PENDING[0], PENDING[1] - 3)
    window.review.table.setFocus()
    qtbot.keyClick(window.review.table, Qt.Key.Key_Escape)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start + QPoint(-30, 0))
    assert window.session.document.project.suggestion(pending).extent() == frames(*PENDING)
    assert not window.session.document.is_modified
