"""I/O marks in the real window, with real key events: the ruler shows them, Add cut/keep from
I/O makes an accepted suggestion of exactly the marked frames (the edit follows, one undo
step), Alt+X clears them, and a request typed while both are set is about that range only.

Footage: ``edit_media`` (A: 120 frame-numbered frames at 29.97 DF, an accepted cut of frames
25–39) and, for the built-in backend, 6 s at 25 fps with hard cuts at frames 50 and 110 over
a sound that no voice detector calls speech (so "remove the silences" cuts all of it).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from edit_media import CUT, NTSC, make_edit, make_footage, tc_frames
from player_media import qimage_rgb, shown_number
from PySide6.QtCore import Qt
from windows import close_window

from vidi_desktop.core.project import CutRange, ProjectDocument, ReviewState, SilenceCut
from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline import HEADER_W, RULER_H

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
SCENE_CUTS = (50, 110)  # first frames of the second and third shots of the scenes clip


def _unexpected(*args, **kwargs):
    raise AssertionError(f"unexpected question: {args[1:]}")


def open_window(qtbot, monkeypatch, document: ProjectDocument, **kwargs) -> MainWindow:
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    monkeypatch.setattr(mw, "ask_yes_no", _unexpected)
    w = MainWindow(Session(document), restore_layout=False, **kwargs)
    w.show()
    qtbot.waitExposed(w)
    w.timeline.setFocus()
    return w


def key(qtbot, window: MainWindow, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real key press on the timeline (the window's shortcuts answer it)."""
    qtbot.keyClick(window.timeline, k, modifier)


def show_frame(qtbot, window: MainWindow, n: int) -> None:
    """Put source frame ``n`` on screen, exact."""
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.player.facts is not None, timeout=15_000)
    viewer.player.seek(n)

    def shown() -> bool:
        f = viewer.current_frame
        return f is not None and f.exact and f.index == n

    qtbot.waitUntil(shown, timeout=15_000)


def mark(qtbot, window: MainWindow, first: int, last: int) -> None:
    """I on frame ``first``, O on frame ``last`` (the Out frame is inside the range)."""
    show_frame(qtbot, window, first)
    key(qtbot, window, Qt.Key.Key_I)
    show_frame(qtbot, window, last)
    key(qtbot, window, Qt.Key.Key_O)


def frames_of(window: MainWindow, r: TimeRange) -> tuple[int, int]:
    """``[first, end)`` frames of a range, by the clock the review list and exports use."""
    clock = AssetClock.of(window.session.asset)
    return clock.frame_at(r.start.seconds), clock.frame_at(r.end_exclusive.seconds)


def clips_of(window: MainWindow, asset_id: str) -> list[tuple[int, int]]:
    project = window.session.document.project
    return [frames_of(window, c.range) for c in project.clips_of(asset_id)]


# -- the edit_media window ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def window(qtbot, footage, tmp_path, monkeypatch):
    path = tmp_path / "marks.vidi"
    make_edit(*footage, path)
    w = open_window(qtbot, monkeypatch, ProjectDocument.open(path))
    yield w
    close_window(w)


def test_add_cut_from_io_cuts_exactly_the_marked_frames_and_undo_takes_it_back(qtbot, window):
    a = window.session.asset_id
    assert clips_of(window, a) == [(0, CUT[0]), (CUT[1], 120)]
    mark(qtbot, window, 60, 69)  # Out on frame 69: frames 60–69 inclusive
    steps = window.session.document.undo_stack.count
    key(qtbot, window, Qt.Key.Key_X, CTRL_SHIFT)
    project = window.session.document.project
    (made,) = [s for s in project.suggestions if s.source == "marks"]
    assert made.state is ReviewState.ACCEPTED and made.asset_id == a
    assert made.payload == CutRange(made.payload.range, "cut")
    assert frames_of(window, made.payload.range) == (60, 70)
    # The edit follows at once: the marked frames are gone from A's clips.
    assert clips_of(window, a) == [(0, 25), (40, 60), (70, 120)]
    assert window.session.document.undo_stack.count == steps + 1
    assert window.session.selected == made.id
    # Frames 60 and 69 of a clip starting at 00:00:59;00 (;00 and ;01 of minute 1 dropped).
    assert tc_frames("00:01:01;02") - tc_frames("00:00:59;00") == 60
    assert window.statusBar().currentMessage() == (
        "Cut from I/O: 00:01:01;02–00:01:01;11 (10 frames) accepted"
    )
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    project = window.session.document.project
    assert not any(s.source == "marks" for s in project.suggestions)
    assert clips_of(window, a) == [(0, 25), (40, 120)]


def test_the_edit_plays_the_join_of_a_cut_from_io(qtbot, window):
    mark(qtbot, window, 60, 69)
    key(qtbot, window, Qt.Key.Key_X, CTRL_SHIFT)
    key(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.program_player.facts is not None, timeout=15_000)
    join = 25 + (60 - 40)  # A 0–24, then A 40–59: sequence frame 45 shows A's frame 70
    viewer.seek_program(join - 1)
    for n, number in ((join - 1, 59), (join, 70)):
        if n == join:
            key(qtbot, window, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda n=n: viewer.current_frame is not None
                        and viewer.current_frame.exact and viewer.current_frame.index == n,
                        timeout=15_000)
        assert shown_number(viewer.current_frame.image, (320, 240)) == number


def test_add_keep_from_io_keeps_only_the_marked_frames(qtbot, window):
    a = window.session.asset_id
    mark(qtbot, window, 50, 59)
    key(qtbot, window, Qt.Key.Key_K, CTRL_SHIFT)
    (made,) = [s for s in window.session.document.project.suggestions if s.source == "marks"]
    assert made.payload.action == "keep" and made.state is ReviewState.ACCEPTED
    assert clips_of(window, a) == [(50, 60)]


def test_the_marked_range_shows_on_the_ruler_and_alt_x_clears_it(qtbot, window):
    timeline, viewer = window.timeline, window.viewer
    mark(qtbot, window, 60, 89)
    assert timeline.marks == (viewer.in_point, viewer.out_point)
    timeline.zoom_fit()

    def blueness(x0: float, x1: float) -> float:
        image = qimage_rgb(timeline.viewport().grab().toImage())
        band = image[RULER_H - 9 : RULER_H - 6, round(x0) + 2 : round(x1) - 2].astype(int)
        return float(np.mean(band[..., 2] - band[..., 0]))

    xa, xb = timeline.x_of(viewer.in_point), timeline.x_of(viewer.out_point)
    outside = timeline.x_of(float(5 / NTSC)), timeline.x_of(float(25 / NTSC))
    assert xa > HEADER_W and xb > xa + 20
    assert blueness(xa, xb) > blueness(*outside) + 20  # the band: the accent over the ruler
    key(qtbot, window, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert viewer.in_point is None and viewer.out_point is None
    assert timeline.marks == (None, None)
    assert blueness(xa, xb) < blueness(*outside) + 5


def test_without_both_marks_add_cut_says_what_to_do(qtbot, window):
    show_frame(qtbot, window, 60)
    key(qtbot, window, Qt.Key.Key_I)
    key(qtbot, window, Qt.Key.Key_X, CTRL_SHIFT)
    assert not any(s.source == "marks" for s in window.session.document.project.suggestions)
    assert "Mark In (I) and Out (O)" in window.statusBar().currentMessage()


def test_the_mark_actions_are_in_the_menus_with_keys_no_other_action_has(window):
    acts = window.actions_by_name
    menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu()}
    review = [a.objectName() for a in menus["&Review"].actions()]
    playback = [a.objectName() for a in menus["&Playback"].actions()]
    assert {"action_add_cut_from_marks", "action_add_keep_from_marks"} <= set(review)
    assert playback.index("action_clear_marks") == playback.index("action_mark_out") + 1
    assert acts["add_cut_from_marks"].shortcut().toString() == "Ctrl+Shift+X"
    assert acts["add_keep_from_marks"].shortcut().toString() == "Ctrl+Shift+K"
    assert acts["clear_marks"].shortcut().toString() == "Alt+X"
    keys = [s.toString() for a in acts.values() for s in a.shortcuts()]
    assert len(keys) == len(set(keys)), sorted(keys)


def test_marks_and_the_scope_line_go_with_the_clip(qtbot, window):
    mark(qtbot, window, 10, 19)
    box = window.request_box
    # A starts at 00:00:59;00: frame 10 is ;10, frame 19 is ;19.
    assert box.scope_text == (
        "Scoped to In–Out 00:00:59;10–00:00:59;19 (clear marks, Alt+X, to ask about the "
        "whole file)"
    )
    other = window.session.document.project.assets[1].id
    window.session.set_asset(other)
    assert window.viewer.marked_range() is None and box.scope_text == ""
    assert window.timeline.marks == (None, None)


# -- requests scoped to the marks ------------------------------------------------------------


def test_a_backend_that_ignores_the_scope_still_lands_only_inside_it(
    qtbot, project_doc, scripted_factory, monkeypatch
):
    """The scripted backend answers a scene at 1.5 s whatever it is asked about: with the
    marks on the first second, nothing of it lands."""
    w = open_window(qtbot, monkeypatch, project_doc, backend_factory=scripted_factory)
    try:
        before = {s.id for s in w.session.document.project.suggestions}
        mark(qtbot, w, 0, 29)
        type_request(qtbot, w, "scenes please")
        new = [s for s in w.session.document.project.suggestions if s.id not in before]
        assert [s.kind for s in new] == ["answer"]
        w.viewer.clear_marks()
        type_request(qtbot, w, "scenes please")
        new = [s for s in w.session.document.project.suggestions if s.id not in before]
        assert sorted(s.kind for s in new) == ["answer", "scene_boundary"]
    finally:
        close_window(w)


def type_request(qtbot, window: MainWindow, text: str) -> None:
    """Type ``text`` in the request line, press Enter, wait for the request to end."""
    edit = window.request_box.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(window.bridge.finished, timeout=120_000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args[0].ok, blocker.args[0].error
    window.timeline.setFocus()


@pytest.fixture(scope="module")
def scenes_clip(make_clip) -> Path:
    """6 s at 25 fps: three stills with hard cuts at frames 50 and 110; a tone that is loud
    for 0–1 s, 2.5–3.5 s and 5–6 s, -49 dB between, digital silence at 3.5–5 s."""
    from support.shot_evalset import synthetic_still

    stills = [synthetic_still(seed, (160, 96)) for seed in (21, 22, 23)]

    def picture(n: int) -> np.ndarray:
        return stills[sum(n >= c for c in SCENE_CUTS)].copy()

    def audio(t: np.ndarray) -> np.ndarray:
        tone = np.sin(2 * np.pi * 440 * t)
        loud = (t < 1) | ((t >= 2.5) & (t < 3.5)) | (t >= 5)
        quiet = np.where((t >= 3.5) & (t < 5), 0.0, 0.005)
        return np.where(loud, 0.5, quiet) * tone

    return make_clip("marks_scenes.mp4", frames=150, rate=25, size=(160, 96),
                     picture=picture, stamp=False, audio=audio)


@pytest.fixture
def builtin_window(qtbot, scenes_clip, asset_of, monkeypatch):
    from vidi_desktop.core.project import Project

    doc = ProjectDocument(Project(assets=(asset_of(scenes_clip),), name="scoped"))
    w = open_window(qtbot, monkeypatch, doc)
    yield w
    close_window(w)


def test_a_scoped_scenes_request_finds_only_the_cut_inside_the_marks(qtbot, builtin_window):
    w = builtin_window
    mark(qtbot, w, 60, 139)
    assert w.request_box.scope_text.startswith("Scoped to In–Out 00:00:02:10–00:00:05:14")
    type_request(qtbot, w, "split into scenes")
    scenes = [s for s in w.session.document.project.suggestions if s.kind == "scene_boundary"]
    clock = AssetClock.of(w.session.asset)
    assert [clock.frame_at(s.payload.time.seconds) for s in scenes] == [110]
    w.viewer.clear_marks()
    type_request(qtbot, w, "split into scenes")
    scenes = [s for s in w.session.document.project.suggestions if s.kind == "scene_boundary"]
    assert sorted(clock.frame_at(s.payload.time.seconds) for s in scenes) == [50, 110]


def test_a_scoped_silences_request_cuts_only_inside_the_marks(qtbot, builtin_window):
    w = builtin_window
    mark(qtbot, w, 60, 139)
    marked = w.viewer.marked_range()
    type_request(qtbot, w, "remove the silences")
    cuts = [s for s in w.session.document.project.suggestions if s.kind == "silence_cut"]
    # Nobody speaks: the whole file is one silence, cut here exactly from In to Out.
    assert [s.payload for s in cuts] == [SilenceCut(marked)]
    assert [frames_of(w, s.payload.range) for s in cuts] == [(60, 140)]
