"""The parameter popover of a preset, in the real window with the built-in backend: Run again
uses the values set (a silence threshold, a scene sensitivity), its result replaces what the
preset left pending, decisions stay, and the values persist in QSettings per preset.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication
from test_marks import close_window, frames_of, mark, open_window, scenes_clip  # noqa: F401

from vidi_desktop.core.project import Project, ProjectDocument, ReviewState
from vidi_desktop.models.builtin import intents as I
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.preset_params import PresetParams, request_options, stored

LOUD = ((0, 25), (62, 88), (125, 150))  # frames of scenes_clip where the tone is loud


@pytest.fixture
def window(qtbot, scenes_clip, asset_of, monkeypatch):  # noqa: F811
    doc = ProjectDocument(Project(assets=(asset_of(scenes_clip),), name="popover"))
    w = open_window(qtbot, monkeypatch, doc)
    yield w
    close_window(w)


def click_preset(qtbot, window: MainWindow, label: str) -> object:
    """Click the preset's own part (not its arrow); wait for the request to end."""
    button = window.request_box.preset_buttons[label]
    with qtbot.waitSignal(window.bridge.finished, timeout=120_000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    assert blocker.args[0].ok, blocker.args[0].error
    return blocker.args[0]


def open_popover(qtbot, window: MainWindow, label: str) -> PresetParams:
    """Right-click the preset (the context-menu event a right click makes): its popover
    opens."""
    button = window.request_box.preset_buttons[label]
    pos = QPoint(8, button.height() // 2)
    QApplication.sendEvent(
        button, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, button.mapToGlobal(pos))
    )
    popover = window.request_box.param_popovers[label]
    qtbot.waitUntil(popover.isVisible, timeout=5_000)
    return popover


def type_value(qtbot, popover: PresetParams, option: str, text: str) -> None:
    spin = popover.spins[option]
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    spin.interpretText()


def run_again(qtbot, window: MainWindow, popover: PresetParams) -> None:
    with qtbot.waitSignal(window.bridge.finished, timeout=120_000) as blocker:
        qtbot.mouseClick(popover.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].ok, blocker.args[0].error
    assert not popover.isVisible()


def silence_cuts(window: MainWindow) -> list[tuple[int, int]]:
    project = window.session.document.project
    return sorted(frames_of(window, s.payload.range) for s in project.suggestions
                  if s.kind == "silence_cut")


def test_run_again_with_a_threshold_cuts_only_the_quiet_parts(qtbot, window):
    click_preset(qtbot, window, "Remove silences")
    assert silence_cuts(window) == [(0, 150)]  # no speech: one silence, the whole file
    popover = open_popover(qtbot, window, "Remove silences")
    assert popover.spins["silence_threshold"].text() == "Off"
    type_value(qtbot, popover, "silence_threshold", "-30")
    run_again(qtbot, window, popover)
    cuts = silence_cuts(window)
    # The parts quieter than -30 dB, less the 0.2 s margin kept next to the loud tone.
    assert len(cuts) == 2
    for a, b in cuts:
        assert not any(a < hi and lo < b for lo, hi in LOUD), cuts
    # Margins of 5 frames (0.2 s); cut points may snap 2 frames to a quieter boundary.
    assert cuts[0][0] >= 25 + 5 - 2 and cuts[1][1] <= 125 - 5 + 2
    assert window.request_box.outcome_text == "2 new, 0 already there, 1 replaced"
    # -60 dB: only the digital silence (3.5–5 s) is quieter.
    popover = open_popover(qtbot, window, "Remove silences")
    assert popover.spins["silence_threshold"].value() == -30  # kept from the last run
    type_value(qtbot, popover, "silence_threshold", "-60")
    run_again(qtbot, window, popover)
    ((a, b),) = silence_cuts(window)
    assert a >= 88 and b <= 125


def test_run_again_keeps_the_decisions_taken(qtbot, window):
    click_preset(qtbot, window, "Remove silences")
    doc = window.session.document
    (whole,) = [s for s in doc.project.suggestions if s.kind == "silence_cut"]
    doc.accept([whole.id])
    popover = open_popover(qtbot, window, "Remove silences")
    type_value(qtbot, popover, "silence_threshold", "-30")
    run_again(qtbot, window, popover)
    assert doc.project.suggestion(whole.id).state is ReviewState.ACCEPTED
    assert len(silence_cuts(window)) == 3  # the accepted one and the two new ones


def test_run_again_is_scoped_to_the_marks(qtbot, window):
    click_preset(qtbot, window, "Remove silences")
    mark(qtbot, window, 50, 149)
    popover = open_popover(qtbot, window, "Remove silences")
    type_value(qtbot, popover, "silence_threshold", "-60")
    run_again(qtbot, window, popover)
    # The whole-file cut lies outside the scope: this run says nothing about it; the new
    # one is inside.
    cuts = silence_cuts(window)
    assert (0, 150) in cuts and len(cuts) == 2
    (new,) = [c for c in cuts if c != (0, 150)]
    assert new[0] >= 88 and new[1] <= 125


def test_values_persist_per_preset_and_defaults_are_not_stored(qtbot, window):
    popover = open_popover(qtbot, window, "Remove silences")
    type_value(qtbot, popover, "silence_margin", "0.35")
    type_value(qtbot, popover, "keep_pauses", "0.5")
    popover.parentWidget().close()  # closing the popover keeps what it shows
    assert stored(I.SILENCES) == {"silence_margin": 0.35, "keep_pauses": 0.5}
    assert request_options(I.SILENCES) == {"silence_margin": pytest.approx(0.35),
                                           "keep_pauses": pytest.approx(0.5)}
    assert str(request_options(I.SILENCES)["silence_margin"]) == "7/20"  # exact
    assert stored(I.SCENES) == {}
    popover = open_popover(qtbot, window, "Remove silences")
    assert popover.spins["silence_margin"].value() == pytest.approx(0.35)
    qtbot.mouseClick(popover.defaults_button, Qt.MouseButton.LeftButton)
    popover.parentWidget().close()
    assert stored(I.SILENCES) == {}


def test_presets_without_parameters_have_no_popover(window):
    box = window.request_box
    assert set(box.param_popovers) == {"Scenes", "Remove silences", "Highlights"}
    assert box.preset_buttons["Subtitles"].menu() is None


@pytest.fixture(scope="module")
def soft_cut_clip(make_clip) -> Path:
    """4 s at 25 fps: one still, 10 levels brighter from frame 50 (a subtle cut)."""
    from support.shot_evalset import synthetic_still

    base = synthetic_still(21, (160, 96)).astype(int)
    before = np.clip(base, 0, 255).astype(np.uint8)
    after = np.clip(base + 10, 0, 255).astype(np.uint8)
    return make_clip("soft_cut.mp4", frames=100, rate=25, size=(160, 96),
                     picture=lambda n: (before if n < 50 else after).copy(), stamp=False)


def test_a_higher_scene_sensitivity_finds_the_subtle_cut(qtbot, soft_cut_clip, asset_of,
                                                         monkeypatch):
    doc = ProjectDocument(Project(assets=(asset_of(soft_cut_clip),), name="soft"))
    w = open_window(qtbot, monkeypatch, doc)
    try:
        click_preset(qtbot, w, "Scenes")
        assert not [s for s in doc.project.suggestions if s.kind == "scene_boundary"]
        popover = open_popover(qtbot, w, "Scenes")
        assert popover.spins["sensitivity"].value() == 0.5
        type_value(qtbot, popover, "sensitivity", "0.9")
        run_again(qtbot, w, popover)
        clock = AssetClock.of(w.session.asset)
        scenes = [s for s in w.session.document.project.suggestions
                  if s.kind == "scene_boundary"]
        assert [clock.frame_at(s.payload.time.seconds) for s in scenes] == [50]
    finally:
        close_window(w)


def test_the_arrow_of_a_preset_opens_its_popover(qtbot, window):
    """The arrow part of the button shows the popover (a modal menu: looked at from inside
    its loop, then closed)."""
    from PySide6.QtCore import QTimer

    button = window.request_box.preset_buttons["Highlights"]
    popover = window.request_box.param_popovers["Highlights"]
    seen: list[tuple[bool, float, float]] = []

    def look() -> None:
        seen.append((popover.isVisible(), popover.spins["highlights"].value(),
                     popover.spins["highlight_seconds"].value()))
        popover.parentWidget().close()

    QTimer.singleShot(300, look)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton,
                     pos=QPoint(button.width() - 4, button.height() // 2))
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen == [(True, 5, 30)]  # the preset's words: "five 30-second highlights"
    assert not window.bridge.is_busy  # the arrow opens the popover, it does not ask


def test_a_click_on_the_preset_uses_the_values_kept(qtbot, window):
    popover = open_popover(qtbot, window, "Remove silences")
    type_value(qtbot, popover, "silence_threshold", "-60")
    popover.parentWidget().close()
    click_preset(qtbot, window, "Remove silences")
    ((a, b),) = silence_cuts(window)  # only the digital silence, 3.5–5 s
    assert a >= 88 and b <= 125
