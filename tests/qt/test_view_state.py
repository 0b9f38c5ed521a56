"""Reopening a project brings back the clip on screen, the playhead, the I/O marks and the
Source/Edit mode — from the project file after a save, from QSettings after a close without
one — and none of it ever marks the project modified or asks a question on close.

Footage: ``edit_media`` (A 120 frames 29.97 DF with an accepted cut of 25–39, then B 60
frames), frame-numbered, so the picture on screen proves where the playhead came back to.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from pathlib import Path

import pytest
from edit_media import make_edit, make_footage
from player_media import shown_number
from PySide6.QtCore import Qt
from test_marks import key, mark, show_frame
from windows import close_window

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

SIZE = (320, 240)


def _unexpected(*args, **kwargs):
    raise AssertionError(f"unexpected question: {args[1:]}")


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def project_file(footage, tmp_path) -> Path:
    path = tmp_path / "view.vidi"
    make_edit(*footage, path)
    return path


@pytest.fixture
def windows(qtbot, monkeypatch):
    """``open_window(path)``: a window that opens ``path`` as the editor would (File > Open);
    every window is shut down at the end. No question may be asked."""
    monkeypatch.setattr(mw, "ask_save_changes", _unexpected)
    monkeypatch.setattr(mw, "ask_yes_no", _unexpected)
    made: list[MainWindow] = []

    def open_window(path: Path) -> MainWindow:
        w = MainWindow(Session(), restore_layout=False)
        made.append(w)
        w.show()
        qtbot.waitExposed(w)
        with qtbot.waitActive(w):  # the window's shortcuts answer keys in the active window
            w.activateWindow()
        assert w.open_project_file(path)
        w.timeline.setFocus()
        return w

    yield open_window
    for w in made:
        close_window(w)


def on_screen(qtbot, w: MainWindow, n: int) -> int:
    viewer = w.viewer

    def shown() -> bool:
        f = viewer.current_frame
        return f is not None and f.exact and f.index == n

    qtbot.waitUntil(shown, timeout=15_000)
    return shown_number(viewer.current_frame.image, SIZE)


def close(w: MainWindow) -> None:
    assert w.close()  # a question would raise: nothing to save, nothing asked


def test_after_a_save_the_clip_playhead_and_marks_come_back(qtbot, windows, project_file):
    w = windows(project_file)
    b = w.session.document.project.assets[1].id
    w.session.set_asset(b)
    mark(qtbot, w, 10, 29)
    show_frame(qtbot, w, 20)
    marks = (w.viewer.in_point, w.viewer.out_point)
    doc = w.session.document
    steps = doc.undo_stack.count
    assert not doc.is_modified  # looking around is not an edit
    key(qtbot, w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not doc.is_modified and doc.undo_stack.count == steps  # no undo step either
    view = json.loads(project_file.read_text())["settings"]["view"]
    assert view["asset"] == b and view["mode"] == "source"
    close(w)
    w2 = windows(project_file)
    assert w2.session.asset_id == b
    assert on_screen(qtbot, w2, 20) == 20
    assert (w2.viewer.in_point, w2.viewer.out_point) == marks
    assert w2.timeline.marks == marks
    assert w2.request_box.scope_text.startswith("Scoped to In–Out 10:00:00:10–10:00:00:29")
    assert w2.viewer.mode == "source" and not w2.session.document.is_modified


def test_edit_mode_comes_back_on_its_sequence_frame(qtbot, windows, project_file):
    w = windows(project_file)
    key(qtbot, w, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    viewer = w.viewer
    qtbot.waitUntil(lambda: viewer.program_player.facts is not None, timeout=15_000)
    viewer.seek_program(30)  # A's frame 45: after the accepted cut of 25–39
    assert on_screen(qtbot, w, 30) == 45
    key(qtbot, w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    close(w)
    w2 = windows(project_file)
    assert w2.viewer.mode == "edit" and w2.viewer.mode_button.isChecked()
    assert on_screen(qtbot, w2, 30) == 45
    assert w2.viewer.timecode_label.text() == "01:00:01;00"


def test_closed_without_saving_the_view_still_comes_back(qtbot, windows, project_file):
    w = windows(project_file)
    show_frame(qtbot, w, 5)
    key(qtbot, w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # the file: frame 5
    show_frame(qtbot, w, 70)
    mark(qtbot, w, 60, 79)
    show_frame(qtbot, w, 70)
    stamp = project_file.stat().st_mtime_ns
    close(w)  # nothing changed: no question, no write
    assert project_file.stat().st_mtime_ns == stamp
    w2 = windows(project_file)
    assert on_screen(qtbot, w2, 70) == 70
    assert w2.viewer.marked_range() is not None
    close(w2)
    # Saved again elsewhere (a script, another machine): the file's view is the newer one.
    ProjectDocument.open(project_file).save()
    w3 = windows(project_file)
    assert on_screen(qtbot, w3, 5) == 5
    assert w3.viewer.marked_range() is None


def test_a_view_that_no_longer_fits_is_dropped(qtbot, windows, project_file):
    doc = ProjectDocument.open(project_file)
    doc.set_settings({"view": {"asset": "gone", "position": "1/1", "in": None, "out": None,
                               "mode": "source", "program_frame": None}})
    doc.save()
    w = windows(project_file)
    assert w.session.asset_id == w.session.document.project.assets[0].id
    assert on_screen(qtbot, w, 0) == 0


def test_a_scripted_run_shows_what_its_flags_say_not_the_saved_view(
    qtbot, windows, project_file, tmp_path
):
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    w = windows(project_file)
    show_frame(qtbot, w, 70)
    key(qtbot, w, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    close(w)
    out = tmp_path / "first.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-m", "vidi_desktop", "gui", str(project_file), "--seek",
         "00:00:59;03", "--export-frame", str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr
    assert shown_number(QImage(str(out))) == 3  # the first clip's frame 3, in Source mode
