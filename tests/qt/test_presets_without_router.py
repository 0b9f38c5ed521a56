"""Presets are exact intents: they run while the request router is still loading, which the
window starts in the background at once; a typed request waits for that same load."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from windows import close_window

from vidi_desktop.core.project import Project, ProjectDocument, SceneBoundary
from vidi_desktop.models.builtin.router import Router
from vidi_desktop.models.runner import ModelRunner, RunState
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


class BlockedRouter:
    """``Router.load`` held until :meth:`release`; records the threads that load it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._release = threading.Event()
        self.threads: list[str] = []
        self.loads = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = Router.load
        blocked = self

        def load(router: Router) -> None:
            blocked.threads.append(threading.current_thread().name)
            blocked.loads += 1
            blocked.entered.set()
            blocked._release.wait()
            original(router)

        monkeypatch.setattr(Router, "load", load)

    def release(self) -> None:
        self._release.set()


@pytest.fixture(scope="module")
def two_shots(make_clip):
    """2 s at 25 fps: a red shot, then a blue one from frame 25."""
    import numpy as np

    def picture(n: int) -> np.ndarray:
        img = np.zeros((240, 320, 3), np.uint8)
        img[...] = (200, 40, 40) if n < 25 else (40, 40, 200)
        return img

    return make_clip("two_shots.mp4", frames=50, rate=25, picture=picture)


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlockedRouter]:
    router = BlockedRouter()
    router.install(monkeypatch)
    yield router
    router.release()  # never leave a thread waiting


def _request(doc: ProjectDocument, text: str):
    from vidi_desktop.services.ask import build_request

    return build_request(doc, text, None, None, None)


def test_a_preset_runs_while_the_router_is_still_loading(two_shots, asset_of, blocked):
    doc = ProjectDocument(Project(assets=(asset_of(two_shots),)))
    runner = ModelRunner().start()
    try:
        runner.prepare("builtin")
        assert blocked.entered.wait(60)  # the background load has begun, and stays blocked
        preset = runner.submit(_request(doc, "split into scenes"))
        typed = runner.submit(_request(doc, "where does the picture change?"))
        result = preset.wait(120)
        assert result is not None and result.state is RunState.DONE
        assert any(isinstance(s.payload, SceneBoundary) for s in result.suggestions)
        assert not blocked._release.is_set() and blocked.loads == 1
        # The typed request needs the router: it waits for the load under way.
        assert not typed.done
        blocked.release()
        result = typed.wait(120)
        assert result is not None and result.state is RunState.DONE, result.error
        assert blocked.loads == 1  # one load, the background one
        assert blocked.threads == ["vidi-router"]
    finally:
        blocked.release()
        runner.close(timeout=60)


def test_a_typed_request_waiting_for_the_router_can_be_cancelled(two_shots, asset_of,
                                                                  blocked):
    doc = ProjectDocument(Project(assets=(asset_of(two_shots),)))
    runner = ModelRunner().start()
    try:
        runner.prepare("builtin")
        assert blocked.entered.wait(60)
        typed = runner.submit(_request(doc, "where does the picture change?"))
        typed.cancel()
        result = typed.wait(120)
        assert result is not None and result.state is RunState.CANCELLED
        assert not blocked._release.is_set()
    finally:
        blocked.release()
        runner.close(timeout=60)


def test_the_window_loads_the_router_at_start_and_its_presets_do_not_wait(
    qtbot, two_shots, asset_of, blocked, monkeypatch
):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    doc = ProjectDocument(Project(assets=(asset_of(two_shots),), name="presets"))
    window = MainWindow(Session(doc), restore_layout=False)
    try:
        window.show()
        qtbot.waitExposed(window)
        # Nobody asked anything yet: the router is loading in the background.
        qtbot.waitUntil(blocked.entered.is_set, timeout=60_000)
        assert blocked.threads == ["vidi-router"]
        before = len(doc.project.suggestions)
        with qtbot.waitSignal(window.bridge.finished, timeout=120_000) as done:
            qtbot.mouseClick(window.request_box.preset_buttons["Scenes"],
                             Qt.MouseButton.LeftButton)
        assert done.args[0].state is RunState.DONE
        added = window.session.document.project.suggestions[before:]
        assert any(isinstance(s.payload, SceneBoundary) for s in added)
        assert not blocked._release.is_set()  # still loading all along
    finally:
        blocked.release()
        close_window(window)
