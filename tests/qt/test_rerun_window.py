"""The window: a request run twice adds only what is new; answers are messages, not review items."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from windows import close_window

from vidi_desktop.core.project import Answer, ReviewState
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


@pytest.fixture
def window(qtbot, project_doc, scripted_factory, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", _unexpected)
    monkeypatch.setattr(mw, "ask_yes_no", _unexpected)
    w = MainWindow(Session(project_doc), backend_factory=scripted_factory, restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    yield w
    close_window(w)


def _unexpected(*args, **kwargs):
    raise AssertionError(f"unexpected question: {args[1:]}")


def type_request(qtbot, window: MainWindow, text: str) -> None:
    """Type ``text`` in the request line and press Enter; wait for the request to end."""
    edit = window.request_box.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(window.bridge.finished, timeout=20_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_the_same_request_twice_adds_nothing_the_second_time(qtbot, window):
    type_request(qtbot, window, "split into scenes")
    box = window.request_box
    assert box.answer_text == "answer to 'split into scenes'"
    assert box.outcome_text == "1 new, 0 already there"
    count = len(window.session.document.project.suggestions)
    type_request(qtbot, window, "split into scenes")
    assert box.answer_text == "answer to 'split into scenes'"
    assert box.outcome_text == "0 new, 1 already there"
    assert window.statusBar().currentMessage() == "Request done: 0 new, 2 already there"
    assert len(window.session.document.project.suggestions) == count


def test_a_rerun_keeps_the_decision_taken(qtbot, window):
    type_request(qtbot, window, "split into scenes")
    project = window.session.document.project
    scene = next(s for s in project.suggestions if s.source == "scripted"
                 and s.kind == "scene_boundary")
    window.session.document.reject([scene.id])
    type_request(qtbot, window, "split into scenes")
    assert window.session.document.project.suggestion(scene.id).state is ReviewState.REJECTED


def test_answers_are_not_review_items_and_accept_all_leaves_them(qtbot, window):
    type_request(qtbot, window, "answer this")
    review = window.review
    project = window.session.document.project
    answers = [s for s in project.suggestions if isinstance(s.payload, Answer)]
    assert answers
    assert not set(review.model.ids()) & {s.id for s in answers}
    assert review.filter.findData("answer") < 0
    qtbot.mouseClick(review.accept_all_button, Qt.MouseButton.LeftButton)
    after = window.session.document.project
    assert all(after.suggestion(s.id).state is ReviewState.PENDING for s in answers)
    assert all(s.state is ReviewState.ACCEPTED for s in after.suggestions
               if not isinstance(s.payload, Answer))


def test_the_history_lists_the_answers_newest_first(qtbot, window):
    type_request(qtbot, window, "answer one")
    type_request(qtbot, window, "answer two")
    box = window.request_box
    assert box.answers() == [("answer two", "answer to 'answer two'"),
                             ("answer one", "answer to 'answer one'")]
    assert box.history_button.isEnabled()
    box._fill_history()
    titles = [a.text() for a in box.history_menu.actions()]
    assert titles[0].startswith("“answer two”") and titles[1].startswith("“answer one”")
    box.history_menu.actions()[1].trigger()
    assert box.answer_text == "answer to 'answer one'"
