"""The review queue in the real window, with real keys: previous (Shift+N), the state filter,
every asset at once, the Time column's range and duration, undo selecting what it restored."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction

import pytest
from edit_media import NTSC, make_edit, make_footage
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from windows import close_window

from vidi_desktop.core.project import ReviewState, SceneBoundary, Suggestion
from vidi_desktop.core.time import Time
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def window(qtbot, footage, monkeypatch):
    """A: accepted cut 25–39, pending cut 90–99, rejected scene at frame 10; B: pending
    scene at 1 s."""
    doc = make_edit(*footage)
    a, b = doc.project.assets
    rejected, _ = doc.add_suggestions([
        Suggestion.new(a.id, SceneBoundary(Time(10 * 1001, Fraction(1, 30000))), "shots",
                       label="rejected scene"),
        Suggestion.new(b.id, SceneBoundary(Time.exact(Fraction(1001, 1000))), "shots",
                       label="scene on B"),
    ])
    doc.reject([rejected.id])
    doc.mark_saved()
    monkeypatch.setattr(mw, "ask_save_changes", lambda *args: "discard")
    w = MainWindow(Session(doc), restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    w.timeline.setFocus()
    yield w
    close_window(w)


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.timeline, k, modifier)


def labels(window) -> list[str]:
    m = window.review.model
    return [m.data(m.index(r, 2)) for r in range(m.rowCount())]


def by_label(window, label: str) -> Suggestion:
    return next(s for s in window.session.document.project.suggestions if s.label == label)


def test_shift_n_goes_back_and_n_forward(qtbot, window):
    review = window.review
    review.set_state_filter("")  # every state of asset A: three rows
    assert labels(window) == ["rejected scene", "accepted cut", "pending cut"]
    key(qtbot, window, Qt.Key.Key_N)
    assert window.session.selected == by_label(window, "rejected scene").id
    key(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert window.session.selected == by_label(window, "pending cut").id  # wrapped back
    key(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert window.session.selected == by_label(window, "accepted cut").id
    # The playhead went there (once the frame is on screen).
    qtbot.waitUntil(lambda: window.session.position == Fraction(25) / NTSC, timeout=10_000)


def test_the_state_filter_shows_decided_suggestions(qtbot, window):
    review = window.review
    assert labels(window) == ["pending cut"] and review.count_label.text() == "1 pending"
    review.set_state_filter("accepted")
    assert labels(window) == ["accepted cut"]
    review.set_state_filter("rejected")
    assert labels(window) == ["rejected scene"]
    m = review.model
    font = m.data(m.index(0, 2), Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.strikeOut()
    # Rejecting the accepted cut from the "accepted" list takes it out of the edit.
    review.set_state_filter("accepted")
    window.session.select(by_label(window, "accepted cut").id)
    key(qtbot, window, Qt.Key.Key_R)
    assert by_label(window, "accepted cut").state is ReviewState.REJECTED
    assert labels(window) == []
    # Nothing accepted shapes A any more: it leaves the edit, as before the cut was accepted
    # (B, put in the edit by hand, stays).
    assert window.timeline.edit_pieces == []
    assert {c.asset_id for c in window.session.document.project.edit} == {
        window.session.document.project.assets[1].id
    }


def test_every_asset_at_once(qtbot, window):
    review = window.review
    _, b = window.session.document.project.assets
    assert "scene on B" not in labels(window)
    qtbot.mouseClick(review.this_asset, Qt.MouseButton.LeftButton)
    assert not review.this_asset.isChecked()
    assert labels(window) == ["pending cut", "scene on B"]
    m = review.model
    assert m.data(m.index(1, 1)) == "10:00:01:00"  # B's own clock: non-drop from 10:00
    window.session.select(by_label(window, "pending cut").id)
    key(qtbot, window, Qt.Key.Key_N)
    assert window.session.asset_id == b.id  # the viewer went to B, at the scene
    assert window.session.selected == by_label(window, "scene on B").id
    qtbot.waitUntil(lambda: window.session.position == Fraction(1001, 1000), timeout=10_000)
    # Accept all, with every asset listed, accepts both.
    qtbot.mouseClick(review.accept_all_button, Qt.MouseButton.LeftButton)
    assert labels(window) == []
    assert by_label(window, "scene on B").state is ReviewState.ACCEPTED


def test_the_time_column_reads_start_end_and_duration(qtbot, window):
    m = window.review.model
    # Pending cut: A's frames 90–99 from 00:00:59;00 = 00:01:02;02 – 00:01:02;11, 10 frames.
    assert m.data(m.index(0, 1)) == "00:01:02;02–02;11  0.33 s"


def test_undo_selects_the_suggestion_it_restores(qtbot, window):
    review = window.review
    review.set_state_filter("")
    pending = by_label(window, "pending cut")
    window.session.select(pending.id)
    key(qtbot, window, Qt.Key.Key_A)
    assert by_label(window, "pending cut").state is ReviewState.ACCEPTED
    window.session.select(by_label(window, "rejected scene").id)
    window.session.request_seek(Fraction(0))
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert by_label(window, "pending cut").state is ReviewState.PENDING
    assert window.session.selected == pending.id
    assert review.current_id() == pending.id
    qtbot.waitUntil(lambda: window.session.position == Fraction(90) / NTSC, timeout=10_000)
