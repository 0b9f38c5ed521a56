"""The request box: typed and preset requests, history, progress, cancel, answers and errors."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.qt.model_thread import ModelBridge
from vidi_desktop.qt.request_box import PRESETS, RequestBox
from vidi_desktop.qt.session import Session


@pytest.fixture
def box(qtbot, project_doc, scripted_factory):
    session = Session(project_doc)
    bridge = ModelBridge(session, backend_factory=scripted_factory)
    widget = RequestBox(session, bridge)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    assert bridge.shutdown(60)


def _type_and_enter(qtbot, box: RequestBox, text: str) -> None:
    qtbot.keyClicks(box.edit, text)
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)


def test_typed_request_lands_and_shows_the_answer(qtbot, box):
    doc = box._session.document
    before = len(doc.project.suggestions)
    with qtbot.waitSignal(box._bridge.applied, timeout=60_000):
        _type_and_enter(qtbot, box, "split into scenes")
    assert len(doc.project.suggestions) == before + 2
    assert box.answer_text == "answer to 'split into scenes'"
    assert not box.is_error and box.answer.isVisible()
    assert box.edit.text() == ""  # cleared for the next request
    qtbot.waitUntil(lambda: not box.progress.isVisible(), timeout=60_000)


def test_history_walks_with_up_and_down_and_survives_a_restart(qtbot, box, project_doc):
    for text in ("answer one", "answer two"):
        with qtbot.waitSignal(box._bridge.finished, timeout=60_000):
            _type_and_enter(qtbot, box, text)
    qtbot.keyClicks(box.edit, "draft")
    qtbot.keyClick(box.edit, Qt.Key.Key_Up)
    assert box.edit.text() == "answer two"
    qtbot.keyClick(box.edit, Qt.Key.Key_Up)
    assert box.edit.text() == "answer one"
    qtbot.keyClick(box.edit, Qt.Key.Key_Up)  # stays on the oldest
    assert box.edit.text() == "answer one"
    qtbot.keyClick(box.edit, Qt.Key.Key_Down)
    qtbot.keyClick(box.edit, Qt.Key.Key_Down)
    assert box.edit.text() == "draft"  # back to what was being typed
    # A new box (next start of the app) remembers the history.
    session = Session(project_doc)
    other = RequestBox(session, ModelBridge(session))
    qtbot.addWidget(other)
    assert other.edit.history == ["answer one", "answer two"]


@pytest.mark.parametrize(("label", "text"), PRESETS)
def test_each_preset_sends_its_request(qtbot, box, label, text):
    sent: list[str] = []
    box._bridge.started.connect(lambda rid, t: sent.append(t))
    with qtbot.waitSignal(box._bridge.finished, timeout=60_000):
        qtbot.mouseClick(box.preset_buttons[label], Qt.MouseButton.LeftButton)
    assert sent == [text]
    assert box.answer_text == f"answer to {text!r}"


def test_presets_are_disabled_without_footage(qtbot, project_doc):
    session = Session(ProjectDocument())
    widget = RequestBox(session, ModelBridge(session))
    qtbot.addWidget(widget)
    assert not any(b.isEnabled() for b in widget.preset_buttons.values())
    session.set_document(project_doc)
    assert all(b.isEnabled() for b in widget.preset_buttons.values())


def test_a_failing_request_shows_its_error_and_changes_nothing(qtbot, box):
    doc = box._session.document
    with qtbot.waitSignal(box._bridge.failed, timeout=60_000):
        _type_and_enter(qtbot, box, "crash please")
    assert box.is_error
    assert "the backend crashed: RuntimeError" in box.answer_text
    assert not doc.is_modified
    # A refused request (empty) is shown at once, nothing queued.
    box.edit.clear()
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    assert box.is_error and "empty" in box.answer_text
    assert not box._bridge.is_busy


def test_progress_is_shown_and_cancel_stops_the_request(qtbot, box):
    def in_stage(rid, fraction, message):
        return message.startswith("stage 3")

    with qtbot.waitSignal(box._bridge.progress, timeout=60_000, check_params_cb=in_stage):
        _type_and_enter(qtbot, box, "slow request")
    assert box.progress.isVisible() and box.cancel_button.isVisible()
    assert box.stage.text().startswith("stage")
    assert box.progress.maximum() == 1000 and box.progress.value() > 0
    with qtbot.waitSignal(box._bridge.cancelled, timeout=60_000):
        qtbot.mouseClick(box.cancel_button, Qt.MouseButton.LeftButton)
    assert box.answer_text == "Cancelled: nothing was changed."
    qtbot.waitUntil(lambda: not box.cancel_button.isVisible(), timeout=60_000)
    assert not box._session.document.is_modified
