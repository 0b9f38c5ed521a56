"""The main window: composition, title, undo, shortcuts, files, close, layout, errors, drops."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDockWidget, QMessageBox
from windows import close_window

from vidi_desktop.core.project import ProjectDocument, ReviewState
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


@pytest.fixture
def window(qtbot, project_doc, scripted_factory, monkeypatch):
    # No real question box may ever block a test: fail loudly if one is asked unexpectedly.
    monkeypatch.setattr(mw, "ask_save_changes", _unexpected)
    monkeypatch.setattr(mw, "ask_yes_no", _unexpected)
    w = MainWindow(Session(project_doc), backend_factory=scripted_factory)
    # Not qtbot.addWidget: pytest-qt would close it before this fixture's teardown, and a
    # modified project would then ask its question.
    w.show()
    qtbot.waitExposed(w)
    yield w
    close_window(w)


def _unexpected(*args, **kwargs):
    raise AssertionError(f"unexpected question: {args[1:]}")


def _docks(window: MainWindow) -> dict[str, QDockWidget]:
    return {d.objectName(): d for d in window.findChildren(QDockWidget)}


def test_window_composes_the_panels(window):
    docks = _docks(window)
    assert set(docks) == {"dock_media", "dock_timeline", "dock_review", "dock_transcript"}
    assert docks["dock_media"].widget() is window.media_bin
    assert window.dockWidgetArea(docks["dock_timeline"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.dockWidgetArea(docks["dock_media"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert docks["dock_timeline"].widget() is window.timeline
    assert docks["dock_review"].widget() is window.review
    assert docks["dock_transcript"].widget() is window.transcript
    for attr, cls in (("viewer", "ViewerWidget"), ("timeline", "TimelineWidget"),
                      ("review", "ReviewQueue"), ("transcript", "TranscriptPanel")):
        assert type(getattr(window, attr)).__name__ == cls
    # The media bin shows the project's clip.
    assert window.media_bin.asset_ids() == [a.id for a in window.session.document.project.assets]


def test_title_shows_project_and_modified_mark(window, tmp_path):
    doc = window.session.document
    assert window.windowTitle() == "Test project[*] — vidi-desktop"
    assert not window.isWindowModified()
    doc.accept([doc.project.suggestions[0].id])
    assert window.isWindowModified()
    path = tmp_path / "cut.vidi"
    assert window._save_to(path)
    assert not window.isWindowModified()
    assert window.windowTitle() == "cut[*] — vidi-desktop"


def test_undo_redo_actions_follow_the_document_stack(window):
    doc = window.session.document
    undo, redo = window.actions_by_name["undo"], window.actions_by_name["redo"]
    assert not undo.isEnabled() and not redo.isEnabled()
    sid = doc.project.suggestions[1].id
    doc.accept([sid])
    assert undo.isEnabled() and undo.text() == "&Undo Accept suggestion"
    undo.trigger()
    assert doc.project.suggestion(sid).state is ReviewState.PENDING
    assert redo.isEnabled() and not undo.isEnabled()
    redo.trigger()
    assert doc.project.suggestion(sid).state is ReviewState.ACCEPTED


SHORTCUTS = [
    # (key, modifiers, panel, slot, expected args)
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, "viewer", "play_pause", ()),
    (Qt.Key.Key_J, Qt.KeyboardModifier.NoModifier, "viewer", "shuttle", (-1,)),
    (Qt.Key.Key_K, Qt.KeyboardModifier.NoModifier, "viewer", "shuttle", (0,)),
    (Qt.Key.Key_L, Qt.KeyboardModifier.NoModifier, "viewer", "shuttle", (1,)),
    (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, "viewer", "step", (-1,)),
    (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, "viewer", "step", (1,)),
    (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, "viewer", "go_start", ()),
    (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, "viewer", "go_end", ()),
    (Qt.Key.Key_I, Qt.KeyboardModifier.NoModifier, "viewer", "mark_in", ()),
    (Qt.Key.Key_O, Qt.KeyboardModifier.NoModifier, "viewer", "mark_out", ()),
    (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "review", "accept_current", ()),
    (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier, "review", "reject_current", ()),
    (Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier, "review", "next_pending", ()),
    (Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier, "timeline", "zoom_in", ()),
    (Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier, "timeline", "zoom_out", ()),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier, "timeline", "zoom_fit", ()),
]


@pytest.mark.parametrize(("key", "mods", "panel", "slot", "args"), SHORTCUTS)
def test_window_shortcuts_call_the_panels_public_slots(qtbot, window, key, mods, panel, slot,
                                                       args):
    calls: list[tuple] = []
    monkey = getattr(window, panel)
    setattr(monkey, slot, lambda *a: calls.append(a))
    window.activateWindow()
    window.media_bin.list.setFocus()  # a panel without text entry has the focus
    qtbot.wait(20)
    calls.clear()  # a panel may call its own slot meanwhile (zoom_fit on a resize)
    qtbot.keyClick(window.media_bin.list, key, mods)
    assert calls == [args]


def test_typing_in_the_request_line_keeps_printable_keys(qtbot, window):
    calls: list[tuple] = []
    window.review.accept_current = lambda *a: calls.append(a)
    window.activateWindow()
    window.request_box.edit.setFocus()
    qtbot.keyClicks(window.request_box.edit, "a rain")
    assert window.request_box.edit.text() == "a rain"
    assert calls == []


def test_real_review_shortcut_accepts_the_selected_suggestion(qtbot, window):
    doc = window.session.document
    sid = doc.project.suggestions[2].id  # the highlight
    window.session.select(sid)
    window.activateWindow()
    window.media_bin.list.setFocus()
    qtbot.keyClick(window.media_bin.list, Qt.Key.Key_A)
    assert doc.project.suggestion(sid).state is ReviewState.ACCEPTED
    qtbot.keyClick(window.media_bin.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.project.suggestion(sid).state is ReviewState.PENDING


def test_a_request_from_the_window_lands_in_the_review_queue(qtbot, window):
    doc = window.session.document
    before = len(doc.project.suggestions)
    with qtbot.waitSignal(window.bridge.applied, timeout=60_000):
        window.request_box.ask("split into scenes")
    assert len(doc.project.suggestions) == before + 2
    assert "2 new, 0 already there" in window.statusBar().currentMessage()
    assert window.isWindowModified()
    # The answer is read in the request box; the scene boundary waits for review.
    added = {s.id for s in doc.project.suggestions[before:] if s.kind != "answer"}
    qtbot.waitUntil(lambda: added <= set(window.review.model.ids()), timeout=60_000)


def test_a_running_request_shows_one_progress_bar_with_its_cancel(qtbot, window):
    from PySide6.QtWidgets import QProgressBar

    def shown() -> list[QProgressBar]:
        return [b for b in window.findChildren(QProgressBar) if b.isVisible()]

    def in_stage(rid, fraction, message):
        return message.startswith("stage 2")

    assert shown() == []
    with qtbot.waitSignal(window.bridge.progress, timeout=60_000, check_params_cb=in_stage):
        window.request_box.ask("slow")
    assert shown() == [window.request_box.progress]  # one place: the request box
    assert window.request_box.stage.text().startswith("stage")
    with qtbot.waitSignal(window.bridge.cancelled, timeout=60_000):
        qtbot.mouseClick(window.request_box.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown() == [], timeout=60_000)


def test_close_asks_to_save_when_modified(qtbot, window, monkeypatch, tmp_path):
    doc = window.session.document
    doc.accept([doc.project.suggestions[0].id])
    asked: list[str] = []

    def answer(choice):
        def ask(parent, name):
            asked.append(name)
            return choice

        return ask

    monkeypatch.setattr(mw, "ask_save_changes", answer("cancel"))
    assert not window.close()
    assert window.isVisible() and asked == ["Test project"]
    # Save: with no file yet, Save As asks for one.
    target = tmp_path / "saved.vidi"
    monkeypatch.setattr(mw, "choose_save_path", lambda parent, start: str(target))
    monkeypatch.setattr(mw, "ask_save_changes", answer("save"))
    assert window.close()
    assert target.is_file() and not doc.is_modified
    loaded = ProjectDocument.open(target)
    assert loaded.project.suggestions[0].state is ReviewState.ACCEPTED


def test_close_without_saving_discards_and_closes(qtbot, window, monkeypatch):
    doc = window.session.document
    doc.reject([doc.project.suggestions[0].id])
    monkeypatch.setattr(mw, "ask_save_changes", lambda parent, name: "discard")
    assert window.close()
    assert not window.bridge.is_busy and window.bridge.thread is None


def test_dock_layout_is_remembered(qtbot, project_doc, monkeypatch):
    first = MainWindow(Session(project_doc))
    qtbot.addWidget(first)
    first.show()
    _docks(first)["dock_transcript"].hide()
    first.resize(1100, 700)
    size = first.size()
    assert size.height() == 700
    assert first.close()
    second = MainWindow(Session(ProjectDocument()))
    qtbot.addWidget(second)
    second.show()
    try:
        assert not _docks(second)["dock_transcript"].isVisible()
        assert _docks(second)["dock_review"].isVisible()
        # Offscreen screens are small: restoreGeometry may narrow the window; the height is
        # the default's (900) unless the saved geometry came back.
        assert second.size().height() == size.height()
        second.reset_layout()
        assert _docks(second)["dock_transcript"].isVisible()
    finally:
        second._closing = True
        second.shutdown()


def test_recent_projects_and_open(qtbot, window, project_doc, tmp_path):
    a, b = tmp_path / "a.vidi", tmp_path / "b.vidi"
    ProjectDocument(project_doc.project).save(a)
    ProjectDocument(project_doc.project.replace(name="B")).save(b)
    assert window.open_project_file(a)
    assert window.open_project_file(b)
    assert window.recent_projects()[:2] == [str(b.resolve()), str(a.resolve())]
    assert window.windowTitle() == "b[*] — vidi-desktop"
    window._fill_recent_menu()
    titles = [act.text() for act in window.recent_menu.actions()]
    assert titles[:2] == [str(b.resolve()), str(a.resolve())]
    window.recent_menu.actions()[1].trigger()
    assert window.session.document.path == a.resolve() or window.session.document.path == a


def test_new_project_asks_first_when_modified(qtbot, window, monkeypatch):
    doc = window.session.document
    doc.accept([doc.project.suggestions[0].id])
    monkeypatch.setattr(mw, "ask_save_changes", lambda parent, name: "cancel")
    window.actions_by_name["new"].trigger()
    assert window.session.document is doc
    monkeypatch.setattr(mw, "ask_save_changes", lambda parent, name: "discard")
    window.actions_by_name["new"].trigger()
    assert window.session.document is not doc
    assert window.session.document.project.assets == ()
    assert window.windowTitle() == "Untitled[*] — vidi-desktop"


def _error_boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorBox"]


def test_errors_become_messages_and_the_window_lives_on(qtbot, window, tmp_path):
    broken = tmp_path / "broken.vidi"
    broken.write_text("{ not json")
    assert not window.open_project_file(broken)
    assert window.last_error.startswith("Cannot open broken.vidi:")
    assert window.isVisible()
    boxes = _error_boxes(window)
    assert boxes and boxes[-1].text() == window.last_error and boxes[-1].isVisible()
    assert not window.open_project_file(tmp_path / "missing.vidi")
    assert "missing.vidi" in window.last_error
    assert not window._save_to(tmp_path / "no" / "such" / "folder" / "p.vidi")
    assert window.last_error.startswith("Cannot save p.vidi:")
    # A failing panel slot behind a shortcut is caught too.
    def boom():
        raise RuntimeError("decoder exploded")

    window.viewer.play_pause = boom
    window.actions_by_name["play_pause"].trigger()
    assert window.last_error == "RuntimeError: decoder exploded"
    assert window.isVisible()


def test_excepthook_shows_unhandled_errors_in_the_window(qtbot, window):
    from vidi_desktop.qt.app import install_excepthook

    def buggy_slot():
        raise ValueError("slot bug")

    restore = install_excepthook(window)
    try:
        QTimer.singleShot(0, buggy_slot)  # raised inside Qt's event loop, as a real slot
        qtbot.waitUntil(lambda: bool(window.last_error), timeout=60_000)
    finally:
        restore()
    assert window.last_error == "Internal error: ValueError: slot bug (details in the log)"
    assert window.isVisible()


def _drop(widget, paths: list[Path]) -> tuple[bool, QDropEvent]:
    """Drag ``paths`` over ``widget`` and drop them, as a file manager does.

    The handlers are called directly: offscreen Qt drops a synthetic QDropEvent that no
    real drag started before it reaches the widget.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dragEnterEvent(enter)
    drop = QDropEvent(*args)
    if enter.isAccepted():
        widget.dropEvent(drop)
    return enter.isAccepted(), drop


def test_dropping_files_and_folders_adds_what_plays(qtbot, window, make_clip, tmp_path):
    from fractions import Fraction

    folder = tmp_path / "rushes"
    folder.mkdir()
    good = make_clip("bin_a.mp4", frames=10, rate=25)
    in_folder = folder / "b.mov"
    in_folder.write_bytes(make_clip("bin_b.mov", frames=12, rate=Fraction(24)).read_bytes())
    (folder / "notes.txt").write_text("not media")  # skipped: not a media suffix
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 2048)
    doc = window.session.document
    before = len(doc.project.assets)
    with qtbot.waitSignal(window.media_bin.files_added, timeout=60_000) as got:
        entered, event = _drop(window.media_bin, [good, folder, bad])
    assert entered and event.isAccepted()
    assert len(got.args[0]) == 2
    names = [a.name for a in doc.project.assets[before:]]
    assert names == ["bin_a.mp4", "b.mov"]
    # The bad file's one-line message is in the bin and the status bar; the window lives.
    assert "broken.mp4" in window.media_bin.status.text()
    assert "broken.mp4" in window.statusBar().currentMessage()
    assert "\n" not in window.media_bin.status.text()
    assert window.media_bin.list.count() == before + 2
    # One undoable step per file.
    doc.undo()
    assert len(doc.project.assets) == before + 1
    # Dropping the same file again does not add it twice.
    doc.redo()
    with qtbot.waitSignal(window.media_bin.files_added, timeout=60_000):
        _drop(window.media_bin, [good])
    assert len(doc.project.assets) == before + 2
    assert "already in the project" in window.media_bin.status.text()
    # Text without file URLs is refused at the door.
    mime = QMimeData()
    mime.setText("hello")
    enter = QDragEnterEvent(QPoint(1, 1), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.media_bin.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_clicking_a_bin_item_shows_that_asset(qtbot, window, make_clip):
    other = make_clip("bin_c.mp4", frames=8, rate=25)
    with qtbot.waitSignal(window.media_bin.files_added, timeout=60_000):
        window.media_bin.add_paths([other])
    first, second = window.media_bin.asset_ids()
    assert window.session.asset_id == first
    window.media_bin.list.setCurrentRow(1)
    assert window.session.asset_id == second
    window.session.set_asset(first)
    assert window.media_bin.list.currentRow() == 0


def test_settings_apply_to_the_next_request_and_the_autosave(window):
    from vidi_desktop.qt.settings_dialog import load_model_settings, save_model_settings

    assert window.bridge.backend == "builtin" and window.autosaver.interval_s == 60
    settings = load_model_settings()
    settings.backend, settings.quantization, settings.autosave_seconds = "qwen-vl", "8bit", 15
    save_model_settings(settings)
    window.apply_settings()
    assert window.bridge.backend == "qwen-vl"
    assert window.bridge.backend_options == {"device": "auto", "quantization": "8bit"}
    assert window.autosaver.interval_s == 15
    assert "qwen-vl" in window.statusBar().currentMessage()


def test_panels_are_wired_through_the_window(qtbot, window, monkeypatch):
    from fractions import Fraction

    from vidi_desktop.core.time import Time, TimeRange

    seeks: list[Fraction] = []
    window.session.seek_requested.connect(seeks.append)
    played: list[bool] = []
    monkeypatch.setattr(window.viewer.player, "play", lambda *a: played.append(True))
    span = TimeRange(Time.exact(Fraction(1, 2)), Time.exact(Fraction(1, 4)))
    window.review.preview_requested.emit(span)
    qtbot.waitUntil(lambda: played == [True], timeout=60_000)
    assert seeks[-1] == Fraction(1, 2)
    window.transcript.search_hits.emit([span])
    assert window.timeline._highlights == [(0.5, 0.75)]
