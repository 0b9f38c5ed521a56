"""The editor's loop in one real window, driven with real keys and the mouse: a request typed
in the request box → review with the keyboard → a trim by dragging → Edit-mode playback
across the cut, frame-exact at the join → save and export, the EDL putting the same frames
where the window showed them.

Footage: a frame-numbered 25 fps clip (``media.synth``) whose sound is espeak-ng speech,
1.6 s of silence, and speech again — the built-in backend's "remove the silences" finds the
pause, so nothing here is scripted.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math
import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from player_media import shown_number
from PySide6.QtCore import QPoint, Qt
from windows import close_window

from vidi_desktop.cli import main
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

FPS = 25
RATE = 16000
PX = 8  # pixels per frame while trimming


@pytest.fixture(scope="module")
def talk(make_clip) -> tuple[Path, float, float]:
    """The clip, and where its pause starts and ends (seconds)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from vidi_desktop.media.synth import speak

    first = speak("We start the interview with a short question about the work.")
    second = speak("And here is the answer, after a long pause.")
    lead = np.zeros(RATE // 4, np.float32)
    gap = np.zeros(int(RATE * 1.6), np.float32)
    track = np.concatenate([lead, first, gap, second, lead])
    pause = ((len(lead) + len(first)) / RATE, (len(lead) + len(first) + len(gap)) / RATE)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(track)) / RATE, track)

    frames = math.ceil(len(track) / RATE * FPS)
    clip = make_clip("loop_talk.mp4", frames=frames, rate=FPS, gop=50, bframes=2, audio=audio)
    return clip, *pause


@pytest.fixture
def window(qtbot, talk, tmp_path, monkeypatch):
    from vidi_desktop.core.project import Project, ProjectDocument
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    path = tmp_path / "loop.vidi"
    ProjectDocument(Project(assets=(asset_from_probe(probe(talk[0])),), name="loop")).save(path)
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    w = MainWindow(Session(ProjectDocument.open(path)), restore_layout=False)
    w.show()
    qtbot.waitExposed(w)
    yield w
    close_window(w)


def focused(window):
    """Where a key press goes: the widget with the keyboard focus."""
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget() or window


def on_screen(qtbot, viewer, n: int) -> int:
    """Wait for sequence frame ``n`` exact on screen; the frame number stamped in it."""
    def shown() -> bool:
        f = viewer.current_frame
        return f is not None and f.exact and f.index == n
    qtbot.waitUntil(shown, timeout=15_000)
    return shown_number(viewer.current_frame.image)


def edl_frames(edl: str) -> dict[int, int]:
    """Sequence frame → source frame, from the EDL's video events read with pycmx."""
    import pycmx

    def frames(tc: str) -> int:
        h, m, s, f = (int(p) for p in tc.replace(";", ":").split(":"))
        return ((h * 60 + m) * 60 + s) * FPS + f

    out: dict[int, int] = {}
    rec0 = frames("01:00:00:00")
    for event in pycmx.parse_cmx3600(StringIO(edl)).events:
        for e in event.edits:
            if not e.channels.video:
                continue
            src, rec_in, rec_out = (frames(e.source_in), frames(e.record_in) - rec0,
                                    frames(e.record_out) - rec0)
            out.update({n: src + n - rec_in for n in range(rec_in, rec_out)})
    return out


def test_request_review_trim_watch_and_export(qtbot, window, talk, tmp_path):
    _, pause_start, pause_end = talk
    doc = window.session.document
    box = window.request_box.edit

    # 1. A request typed the way an editor types it.
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(box, "remove the silences")
    with qtbot.waitSignal(window.bridge.applied, timeout=120_000):
        qtbot.keyClick(box, Qt.Key.Key_Return)
    cuts = [s for s in doc.project.suggestions if s.kind == "silence_cut"]
    mid = next(s for s in cuts
               if s.extent().start.seconds < pause_end and s.extent().end_exclusive.seconds
               > pause_start)
    qtbot.waitUntil(lambda: mid.id in window.review.model.ids(), timeout=30_000)

    # 2. Review with the keyboard: Esc leaves the request line, N walks to the pause, A.
    qtbot.keyClick(focused(window), Qt.Key.Key_Escape)
    assert focused(window) is not box
    for _ in range(len(cuts)):
        if window.session.selected == mid.id:
            break
        qtbot.keyClick(focused(window), Qt.Key.Key_N)
    assert window.session.selected == mid.id
    qtbot.keyClick(focused(window), Qt.Key.Key_A)
    assert doc.project.suggestion(mid.id).state.value == "accepted"
    assert box.text() == ""  # sent, and no shortcut typed into the line since

    # 3. Trim by dragging: the cut's out edge 6 frames earlier (snapping off: S).
    timeline = window.timeline
    if timeline.trim.snapping:
        qtbot.keyClick(focused(window), Qt.Key.Key_S)
    before = doc.project.suggestion(mid.id).extent()
    timeline.set_view(float(before.start.seconds) - 0.5, PX * FPS)
    edge = QPoint(round(timeline.x_of(before.end_exclusive.seconds)),
                  round(timeline.item_rect(mid.id).center().y()))
    vp = timeline.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=edge)
    qtbot.mouseMove(vp, pos=edge + QPoint(-6 * PX, 0))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=edge + QPoint(-6 * PX, 0))
    trimmed = doc.project.suggestion(mid.id).extent()
    assert trimmed.start == before.start
    out_before = before.end_exclusive.seconds * FPS
    assert trimmed.end_exclusive.seconds * FPS == round(out_before) - 6
    join_source = int(trimmed.end_exclusive.seconds * FPS)  # first frame after the cut

    # 4. Watch the edit: Shift+2, step across the join frame by frame.
    viewer = window.viewer
    qtbot.keyClick(focused(window), Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.mode == "edit"
    qtbot.waitUntil(lambda: viewer.program is not None, timeout=15_000)
    join = viewer.program.clips[1].record_in
    viewer.seek_program(join - 2)
    shown = {join - 2: on_screen(qtbot, viewer, join - 2)}
    for n in range(join - 1, join + 3):
        qtbot.keyClick(focused(window), Qt.Key.Key_Right)
        shown[n] = on_screen(qtbot, viewer, n)
    assert shown[join] == join_source
    assert shown[join - 1] == int(trimmed.start.seconds * FPS) - 1

    # 5. Save (Ctrl+S) and export: the EDL puts the same frames there.
    qtbot.keyClick(focused(window), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not doc.is_modified
    edl = tmp_path / "loop.edl"
    assert main(["export", str(doc.path), "-o", str(edl), "-q"]) == 0
    expected = edl_frames(edl.read_text())
    assert {n: expected[n] for n in shown} == shown
