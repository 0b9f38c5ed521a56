"""Edit mode in the real window, driven with real key events: the accepted edit plays with
the sequence timecode, and every frame it shows is the one the project's EDL puts there.

Footage and edit: ``edit_media`` (29.97 DF clip with an accepted cut across a dropped
minute label, then a 29.97 NDF clip). The expected frames come from the EDL that
``vidi-desktop export`` writes, read with pycmx and the test's own timecode arithmetic.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
from pathlib import Path

import pytest
from edit_media import (
    JOIN_CUT,
    JOIN_FILES,
    NTSC,
    edl_expected,
    make_edit,
    make_footage,
    tc_frames,
)
from player_media import shown_number
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from windows import close_window

from vidi_desktop.cli import main
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

SIZE = (320, 240)


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def project_file(footage, tmp_path) -> Path:
    path = tmp_path / "edit.vidi"
    make_edit(*footage, path)
    return path


@pytest.fixture
def expected(project_file, tmp_path) -> dict[int, int]:
    """Sequence frame → the frame number the EDL puts there."""
    edl = tmp_path / "cut.edl"
    assert main(["export", str(project_file), "--format", "edl", "-o", str(edl), "-q"]) == 0
    return edl_expected(edl.read_text())


@pytest.fixture
def window(qtbot, project_file, monkeypatch):
    from vidi_desktop.core.project import ProjectDocument

    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    w = MainWindow(Session(ProjectDocument.open(project_file)), restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    w.timeline.setFocus()
    yield w
    close_window(w)


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real key press on the focused panel (the window's shortcuts answer it)."""
    qtbot.keyClick(window.timeline, k, modifier)


def on_screen(qtbot, viewer, n: int) -> int:
    """Wait for sequence/source frame ``n`` on screen, exact; its barcode number."""
    def shown() -> bool:
        f = viewer.current_frame
        return f is not None and f.exact and f.index == n
    qtbot.waitUntil(shown, timeout=15_000)
    return shown_number(viewer.current_frame.image, SIZE)


def enter_edit(qtbot, window) -> None:
    key(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    assert window.viewer.mode == "edit"
    qtbot.waitUntil(lambda: window.viewer.program_player.facts is not None, timeout=15_000)


def test_shift_2_shows_the_edit_and_shift_1_the_source(qtbot, window, expected):
    viewer = window.viewer
    on_screen(qtbot, viewer, 0)
    enter_edit(qtbot, window)
    assert viewer.mode_button.isChecked() and viewer.mode_button.text() == "Edit"
    assert on_screen(qtbot, viewer, 0) == expected[0]
    assert viewer.timecode_label.text() == "01:00:00;00"
    assert viewer.frame_label.text() == f"0 / {len(expected)}"
    key(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.mode == "source" and not viewer.mode_button.isChecked()
    assert viewer.mode_button.text() == "Source"
    # The toggle in the transport switches too.
    qtbot.mouseClick(viewer.mode_button, Qt.MouseButton.LeftButton)
    assert viewer.mode == "edit"
    qtbot.mouseClick(viewer.mode_button, Qt.MouseButton.LeftButton)
    assert viewer.mode == "source"
    assert viewer.timecode_label.text() == "00:00:59;00"


def test_stepping_across_the_cut_and_the_files_shows_the_edls_frames(
    qtbot, window, expected
):
    viewer = window.viewer
    enter_edit(qtbot, window)
    for start in (JOIN_CUT - 2, JOIN_FILES - 2):
        viewer.seek_program(start)
        assert on_screen(qtbot, viewer, start) == expected[start]
        for n in range(start + 1, start + 5):
            key(qtbot, window, Qt.Key.Key_Right)
            assert on_screen(qtbot, viewer, n) == expected[n], n
        key(qtbot, window, Qt.Key.Key_Left)
        assert on_screen(qtbot, viewer, start + 3) == expected[start + 3]
    viewer.seek_program(JOIN_CUT)
    on_screen(qtbot, viewer, JOIN_CUT)
    assert viewer.timecode_label.text() == "01:00:00;25"
    key(qtbot, window, Qt.Key.Key_End)
    last = len(expected) - 1
    assert on_screen(qtbot, viewer, last) == expected[last] == 59
    key(qtbot, window, Qt.Key.Key_Home)
    assert on_screen(qtbot, viewer, 0) == expected[0] == 0


def test_playback_crosses_both_joins_showing_the_edls_frames(qtbot, window, expected):
    viewer = window.viewer
    enter_edit(qtbot, window)
    viewer.seek_program(JOIN_CUT - 8)
    on_screen(qtbot, viewer, JOIN_CUT - 8)
    played = []
    viewer.program_player.frame_shown.connect(
        lambda f: played.append((f.index, shown_number(f.image, SIZE)))
        if f.from_playback and f.exact else None
    )
    key(qtbot, window, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: bool(played) and played[-1][0] >= JOIN_FILES + 5, timeout=30_000)
    key(qtbot, window, Qt.Key.Key_K)
    assert viewer.program_player.speed == 0
    indices = [n for n, _ in played]
    assert indices == sorted(set(indices))
    assert any(n < JOIN_CUT for n in indices) and any(n >= JOIN_FILES for n in indices)
    assert [number for _, number in played] == [expected[n] for n in indices]
    # J plays backwards from where it stopped.
    here = viewer.program_player.current_frame
    key(qtbot, window, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: viewer.program_player.current_frame < here - 3, timeout=30_000)
    key(qtbot, window, Qt.Key.Key_K)


def test_export_frame_writes_the_frame_on_screen_at_full_resolution(
    qtbot, window, expected, tmp_path, monkeypatch
):
    out = tmp_path / "still.png"
    monkeypatch.setattr(mw, "choose_frame_path", lambda parent, start: str(out))
    viewer = window.viewer
    enter_edit(qtbot, window)
    viewer.seek_program(JOIN_CUT)
    on_screen(qtbot, viewer, JOIN_CUT)
    key(qtbot, window, Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    image = QImage(str(out))
    assert (image.width(), image.height()) == SIZE  # not the viewer's scaled picture
    assert shown_number(image) == expected[JOIN_CUT] == 40
    assert "Frame saved" in window.statusBar().currentMessage()


def test_the_edit_lane_shows_the_clips_with_their_sequence_timecode(qtbot, window):
    timeline = window.timeline
    pieces = timeline.edit_pieces
    assert [p.timecode for p in pieces] == ["01:00:00;00", "01:00:00;25"]
    assert pieces[0].end == pytest.approx(float(25 / NTSC))
    assert pieces[1].start == pytest.approx(float(40 / NTSC))
    # Accepting the pending cut splits the second clip: the lane follows.
    review = window.review
    pending = next(s for s in window.session.document.project.suggestions
                   if s.label == "pending cut")
    window.session.select(pending.id)
    key(qtbot, window, Qt.Key.Key_A)
    assert [p.timecode for p in timeline.edit_pieces] == [
        "01:00:00;00", "01:00:00;25", "01:00:02;15"
    ]
    assert review.model.row_of(pending.id) < 0


def test_a_click_on_the_timeline_in_edit_mode_seeks_the_edit(qtbot, window, expected):
    viewer, timeline = window.viewer, window.timeline
    enter_edit(qtbot, window)
    on_screen(qtbot, viewer, 0)
    # Inside the accepted cut: the edit shows its join, A's frame 40.
    x = round(timeline.x_of(float(30 / NTSC)))
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert on_screen(qtbot, viewer, JOIN_CUT) == 40
    # Kept material: the frame itself.
    x = round(timeline.x_of(float(10 / NTSC) + 0.001))
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert on_screen(qtbot, viewer, 10) == 10


def test_edit_mode_follows_a_decision(qtbot, window, expected):
    viewer = window.viewer
    enter_edit(qtbot, window)
    on_screen(qtbot, viewer, 0)
    pending = next(s for s in window.session.document.project.suggestions
                   if s.label == "pending cut")
    window.session.document.accept([pending.id])
    qtbot.waitUntil(lambda: viewer.program is not None
                    and viewer.program.duration == len(expected) - 10, timeout=10_000)
    window.session.document.undo()
    qtbot.waitUntil(lambda: viewer.program.duration == len(expected), timeout=10_000)


def test_no_edit_to_show_is_said_in_the_viewer(qtbot, tmp_path):
    from vidi_desktop.core.project import ProjectDocument

    w = MainWindow(Session(ProjectDocument()), restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    w.viewer.set_mode("edit")
    assert w.viewer.program is None
    assert "Nothing to play in Edit mode" in w.viewer.canvas.message
    w.shutdown()


# -- the scripted contract -------------------------------------------------------------------


def gui(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "vidi_desktop", "gui", *args],
                          capture_output=True, text=True, timeout=300, env=env)


def test_scripted_export_frame_of_the_edit(project_file, expected, tmp_path):
    out = tmp_path / "join.png"
    # The first frame after the cut: 01:00:00;25 (sequence frame 25).
    run = gui(str(project_file), "--edit", "--seek", "01:00:00;25", "--export-frame", str(out))
    assert run.returncode == 0, run.stderr
    assert shown_number(QImage(str(out))) == expected[JOIN_CUT] == 40


def test_scripted_seek_without_edit_is_a_source_timecode(project_file, tmp_path):
    out = tmp_path / "source.png"
    # 00:00:59;00 + 30 frames = 00:01:00;02 (labels ;00 and ;01 of minute 1 are dropped).
    assert tc_frames("00:01:00;02") - tc_frames("00:00:59;00") == 30
    run = gui(str(project_file), "--seek", "00:01:00;02", "--export-frame", str(out))
    assert run.returncode == 0, run.stderr
    assert shown_number(QImage(str(out))) == 30


@pytest.mark.parametrize("seek", ["02:00:00;00", "not a timecode"])
def test_scripted_export_frame_failure_is_one_line_and_no_file(project_file, tmp_path, seek):
    out = tmp_path / "none.png"
    run = gui(str(project_file), "--edit", "--seek", seek, "--export-frame", str(out))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "--seek" in run.stderr
    assert not out.exists()


# -- preview a pending cut -------------------------------------------------------------------


def preview_expected(index: int) -> int:
    """The frame number at ``index`` of the edit with the pending cut (A 90–99) accepted too:
    A 0–24, A 40–89, A 100–119, then B 0–59 (worked out by hand)."""
    if index < 25:
        return index
    if index < 75:
        return index + 15
    if index < 95:
        return index + 25
    return index - 95


def preview(qtbot, window) -> list[tuple[int, int]]:
    """Select the pending cut, click Preview, wait for the preview to end; the frames played
    as (sequence index, barcode)."""
    viewer = window.viewer
    on_screen(qtbot, viewer, 0)
    pending = next(s for s in window.session.document.project.suggestions
                   if s.label == "pending cut")
    window.session.select(pending.id)
    qtbot.mouseClick(window.review.preview_button, Qt.MouseButton.LeftButton)
    assert viewer.previewing and viewer.mode == "edit"
    assert viewer.marks_label.text() == "PREVIEW"
    played: list[tuple[int, int]] = []
    viewer.program_player.frame_shown.connect(
        lambda f: played.append((f.index, shown_number(f.image, SIZE)))
        if f.from_playback and f.exact else None
    )
    qtbot.waitUntil(lambda: not viewer.previewing, timeout=60_000)
    return played


def test_preview_plays_two_seconds_around_a_pending_cut_as_if_accepted(qtbot, window):
    played = preview(qtbot, window)
    join, roll = 75, round(2 * NTSC)  # A's frame 100 follows A's frame 89
    indices = [n for n, _ in played]
    assert [number for _, number in played] == [preview_expected(n) for n in indices]
    assert min(indices) <= join - roll + 5 and join - roll <= min(indices)
    assert max(indices) >= join + roll - 1
    assert any(n < join for n in indices) and any(n >= join for n in indices)
    # The preview ends where it began: Source, and the cut is still pending.
    assert window.viewer.mode == "source"
    pending = next(s for s in window.session.document.project.suggestions
                   if s.label == "pending cut")
    assert pending.state.value == "pending"


def test_the_post_roll_comes_from_settings(qtbot, window):
    from vidi_desktop.qt.preview_settings import PreviewSettings, save_preview_settings

    save_preview_settings(PreviewSettings(preroll_s=1.0, postroll_s=0.5))
    played = preview(qtbot, window)
    indices = [n for n, _ in played]
    assert min(indices) >= 75 - round(NTSC) and max(indices) <= 75 + round(NTSC / 2) + 2


def test_the_settings_dialog_edits_the_rolls(qtbot):
    from vidi_desktop.qt.preview_settings import load_preview_settings
    from vidi_desktop.qt.settings_dialog import SettingsDialog

    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert dialog.preroll.value() == 2.0 and dialog.postroll.value() == 2.0
    dialog.preroll.setValue(3.5)
    dialog.postroll.setValue(1.0)
    dialog.accept()
    rolls = load_preview_settings()
    assert (rolls.preroll_s, rolls.postroll_s) == (3.5, 1.0)


def test_proxy_pictures_of_the_edit_are_the_edls_frames(qtbot, project_file, expected):
    """Shuttling (2×) plays from the files' scrub proxies: the same frames, smaller."""
    from vidi_desktop.core.project import ProjectDocument
    from vidi_desktop.interchange.program import Program
    from vidi_desktop.qt.program import ProgramPlayer

    player = ProgramPlayer(proxy="always", audio=False)
    try:
        ready: list[str] = []
        player.proxy_ready.connect(ready.append)
        player.open_program(Program.of(ProjectDocument.open(project_file).project), 0)
        qtbot.waitUntil(lambda: bool(ready), timeout=120_000)
        pictures: list[tuple[int, int]] = []
        player.frame_shown.connect(
            lambda f: pictures.append((f.index, shown_number(f.image, SIZE)))
            if f.source == "proxy" else None
        )
        player.play(2.0)
        qtbot.waitUntil(lambda: player.speed == 0, timeout=60_000)
        assert len({n for n, _ in pictures}) > 10
        assert any(n < JOIN_CUT for n, _ in pictures) and any(n >= JOIN_FILES for n, _ in pictures)
        assert all(number == expected[n] for n, number in pictures)
    finally:
        player.close()
