"""Keyboard flow in the real window, with real key events: after a request starts or a panel
button is clicked the keys drive the review again; Esc leaves a text field; single-key
shortcuts never type into a field nor fire while one is being edited."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit
from windows import close_window

from vidi_desktop.core.project import ReviewState
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


@pytest.fixture
def window(qtbot, project_doc, scripted_factory, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", _unexpected)
    monkeypatch.setattr(mw, "ask_yes_no", _unexpected)
    w = MainWindow(Session(project_doc), backend_factory=scripted_factory,
                   restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    close_window(w)


def _unexpected(*args, **kwargs):
    raise AssertionError(f"unexpected question: {args[1:]}")


def _focus() -> object:
    return QApplication.focusWidget()


def _pending(window: MainWindow) -> list[str]:
    project = window.session.document.project
    return [s.id for s in project.suggestions
            if s.state is ReviewState.PENDING and s.kind != "answer"]


def _review_keys_work(qtbot, window: MainWindow) -> None:
    """A pressed on whatever has the focus accepts the selected suggestion."""
    doc = window.session.document
    window.review.next_pending()
    sid = window.review.current_id()
    assert sid is not None and doc.project.suggestion(sid).state is ReviewState.PENDING
    qtbot.keyClick(_focus(), Qt.Key.Key_A)
    assert doc.project.suggestion(sid).state is ReviewState.ACCEPTED


def test_enter_in_the_request_line_hands_the_keys_back_to_the_timeline(qtbot, window):
    line = window.request_box.edit
    line.setFocus()
    qtbot.keyClicks(line, "split into scenes")
    with qtbot.waitSignal(window.bridge.started, timeout=10_000):
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert _focus() is window.timeline
    _review_keys_work(qtbot, window)
    assert line.text() == ""


def test_a_preset_click_hands_the_keys_back(qtbot, window):
    window.request_box.edit.setFocus()
    button = window.request_box.preset_buttons["Scenes"]
    with qtbot.waitSignal(window.bridge.started, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _focus() is window.timeline, timeout=5_000)
    with qtbot.waitSignal(window.bridge.finished, timeout=60_000):
        pass
    calls: list[int] = []
    window.viewer.play_pause = lambda: calls.append(1)
    qtbot.keyClick(_focus(), Qt.Key.Key_Space)
    assert calls == [1]


@pytest.mark.parametrize("button", ["next_button", "accept_button", "preview_button"])
def test_a_panel_button_click_hands_the_keys_back(qtbot, window, button):
    window.request_box.edit.setFocus()  # the field the editor typed in before
    window.review.next_pending()
    qtbot.mouseClick(getattr(window.review, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _focus() is window.timeline, timeout=5_000)
    before = window.review.current_id()
    qtbot.keyClick(_focus(), Qt.Key.Key_N)
    assert window.review.current_id() != before


def test_a_checkbox_click_in_a_panel_hands_the_keys_back(qtbot, window):
    window.request_box.edit.setFocus()
    box = window.review.this_asset
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    qtbot.waitUntil(lambda: _focus() is window.timeline, timeout=5_000)


def test_escape_leaves_a_text_field_without_changing_it(qtbot, window):
    line = window.request_box.edit
    line.setFocus()
    qtbot.keyClicks(line, "find the dog")
    qtbot.keyClick(line, Qt.Key.Key_Escape)
    assert _focus() is window.timeline
    assert line.text() == "find the dog"
    _review_keys_work(qtbot, window)
    assert line.text() == "find the dog"


def test_escape_leaves_the_transcript_search_too(qtbot, window):
    search = window.transcript.search
    search.setFocus()
    assert _focus() is search
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert _focus() is window.timeline


def _single_key_actions(window: MainWindow) -> dict[str, str]:
    """Every window action bound to one printable key without modifiers: key text → name."""
    out: dict[str, str] = {}
    for name, action in window.actions_by_name.items():
        for seq in action.shortcuts():
            text = seq.toString(QKeySequence.SequenceFormat.PortableText)
            if seq.count() == 1 and (len(text) == 1 or text == "Space"):
                out[" " if text == "Space" else text.lower()] = name
    return out


def test_every_single_key_shortcut_is_known(qtbot, scripted_factory):
    # The keys the issue names are bound; the check below covers whatever else is.
    from vidi_desktop.core.project import ProjectDocument

    w = MainWindow(Session(ProjectDocument()), backend_factory=scripted_factory,
                   restore_layout=False)
    try:
        keys = _single_key_actions(w)
        assert {"a", "r", "n", "j", "k", "l", "i", "o", " "} <= set(keys)
    finally:
        w._closing = True
        w.shutdown()
        w.deleteLater()


def test_single_keys_type_into_the_field_being_edited_and_fire_nothing(qtbot, window):
    fired: list[str] = []
    for name, action in window.actions_by_name.items():
        action.triggered.connect(lambda *_, n=name: fired.append(n))
    keys = _single_key_actions(window)
    for field in (window.request_box.edit, window.transcript.search):
        field.setFocus()
        field.clear()
        for ch in keys:
            qtbot.keyClicks(field, ch)
        assert field.text() == "".join(keys)
        assert _focus() is field
    assert fired == []
    assert len(_pending(window)) == 4  # nothing accepted, rejected or skipped


def test_single_keys_never_type_into_a_field_that_is_not_being_edited(qtbot, window):
    line = window.request_box.edit
    qtbot.keyClicks(line, "scenes")
    qtbot.keyClick(line, Qt.Key.Key_Escape)
    for ch in "arnjkl io":
        qtbot.keyClicks(_focus(), ch)
        window.viewer.player.pause()
    assert line.text() == "scenes"
    fields = [w for w in window.findChildren(QLineEdit) if w.isVisible()]
    assert all(not any(ch in f.text() for ch in "rnjk") for f in fields if f is not line)


def test_the_read_only_transcript_is_no_field_being_edited(qtbot, window):
    window.transcript.view.setFocus()
    _review_keys_work(qtbot, window)
