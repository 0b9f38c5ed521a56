"""Quitting waits for no worker: closing the window while an analysis and a proxy build are
busy tells both to stop and returns with both still running (nothing was joined); they
finish on their own later. At the end of the process, what still runs ends with it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.core.project import Project, ProjectDocument
from vidi_desktop.models.protocol import Capabilities, Request
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt import quitting
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


class Stuck:
    """An analysis and a proxy build that ignore their cancel flags until released: the
    worst case of a long stage that checks for cancelling only between stages."""

    def __init__(self) -> None:
        self.analysis_started = threading.Event()
        self.proxy_started = threading.Event()
        self.released = threading.Event()
        self.analysis_cancel: threading.Event | None = None
        self.proxy_cancel: threading.Event | None = None
        self.finished: list[str] = []

    def build_proxy(self, path: Any, *, cancel: threading.Event, **_: Any) -> Path:
        self.proxy_cancel = cancel
        self.proxy_started.set()
        self.released.wait(120)
        self.finished.append("proxy")
        return Path(path)

    def backend(self, name: str, options: Any) -> StuckBackend:
        return StuckBackend(self)


class StuckBackend:
    name = "stuck"

    def __init__(self, stuck: Stuck) -> None:
        self.stuck = stuck

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(self.name)

    def load(self, progress: Callable[..., None], cancel: threading.Event) -> None:
        pass

    def run(self, request: Request, progress: Callable[..., None],
            cancel: threading.Event) -> list:
        self.stuck.analysis_cancel = cancel
        self.stuck.analysis_started.set()
        self.stuck.released.wait(120)
        self.stuck.finished.append("analysis")
        return []

    def unload(self) -> None:
        pass


@pytest.fixture
def stuck(monkeypatch: pytest.MonkeyPatch):
    from vidi_desktop.media import proxy

    work = Stuck()
    monkeypatch.setattr(proxy, "wants_proxy", lambda *a, **k: True)
    monkeypatch.setattr(proxy, "find_proxy", lambda *a, **k: None)
    monkeypatch.setattr(proxy, "partial_proxy", lambda *a, **k: None)
    monkeypatch.setattr(proxy, "build_proxy", work.build_proxy)
    yield work
    work.released.set()


def _thread_named(name: str) -> threading.Thread | None:
    return next((t for t in threading.enumerate() if t.name == name and t.is_alive()), None)


def test_closing_joins_no_busy_worker(qtbot, small_clip, asset_of, stuck, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    doc = ProjectDocument(Project(assets=(asset_of(small_clip),), name="quit"))
    window = MainWindow(Session(doc), backend_factory=stuck.backend, restore_layout=False)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(stuck.proxy_started.is_set, timeout=60_000)
    window.request_box.ask("a very long analysis")
    qtbot.waitUntil(stuck.analysis_started.is_set, timeout=60_000)
    model = window.bridge.thread
    proxy = _thread_named("vidi-proxy")
    assert model is not None and model.isRunning() and proxy is not None

    assert window.close()

    # close() has returned with both workers still busy: it joined neither.
    assert not window.isVisible()
    assert model.isRunning() and proxy.is_alive()
    assert stuck.finished == []
    # Both were told to stop.
    assert stuck.analysis_cancel is not None and stuck.analysis_cancel.is_set()
    assert stuck.proxy_cancel is not None and stuck.proxy_cancel.is_set()
    # The running model thread outlives its window, parked until it ends.
    assert model.parent() is None
    assert "vidi-model" in quitting.running()
    window.deleteLater()
    qtbot.wait(10)  # the window and its children go; the parked thread must not

    stuck.released.set()
    qtbot.waitUntil(model.isFinished, timeout=60_000)
    proxy.join(60)
    assert sorted(stuck.finished) == ["analysis", "proxy"]
    qtbot.waitUntil(lambda: "vidi-model" not in quitting.running(), timeout=60_000)


def test_a_closed_window_hears_nothing_more_from_its_model(qtbot, small_clip, asset_of,
                                                           stuck, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    doc = ProjectDocument(Project(assets=(asset_of(small_clip),), name="quit"))
    window = MainWindow(Session(doc), backend_factory=stuck.backend, restore_layout=False)
    heard: list[object] = []
    window.bridge.finished.connect(heard.append)
    window.show()
    window.request_box.ask("a very long analysis")
    qtbot.waitUntil(stuck.analysis_started.is_set, timeout=60_000)
    model = window.bridge.thread
    window.close()
    stuck.released.set()
    qtbot.waitUntil(model.isFinished, timeout=60_000)
    qtbot.wait(50)  # a result would be queued to the GUI thread by now
    assert heard == []
    assert doc.project.suggestions == ()
    window.deleteLater()


_CHILD = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from vidi_desktop.qt import quitting

marker, seconds = sys.argv[1], float(sys.argv[2])

class Busy(QThread):
    def run(self):
        time.sleep(seconds)
        open(marker, "w").write("done")

app = QApplication([])
busy = Busy()
busy.setObjectName("busy-worker")
busy.start()
while not busy.isRunning() and not busy.isFinished():
    time.sleep(0.001)
quitting.park(busy)
if seconds == 0:
    busy.wait()  # finished before the end: a normal exit
print("running:", ",".join(quitting.running()), flush=True)
code = quitting.leave(3, grace_s=0.05)
print("leave returned", code, flush=True)
sys.exit(code)
"""


def _child(marker: Path, seconds: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(marker), seconds],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )


def test_the_process_ends_without_waiting_for_a_busy_worker(tmp_path):
    marker = tmp_path / "done"
    child = _child(marker, "60")
    assert child.returncode == 3, child.stderr  # the status asked for, no abort
    assert "running: busy-worker" in child.stdout
    assert "leave returned" not in child.stdout  # ended right there
    assert not marker.exists()  # the process did not wait for the worker
    assert "Destroyed while thread" not in child.stderr


def test_the_process_exits_normally_when_every_worker_is_done(tmp_path):
    marker = tmp_path / "done"
    child = _child(marker, "0")
    assert child.returncode == 3, child.stderr
    assert "running: \n" in child.stdout and "leave returned 3" in child.stdout
    assert marker.exists()
