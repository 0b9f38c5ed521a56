"""The model bridge: the model lives on the model QThread, answers land in the GUI thread."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from typing import Any

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import Answer, ReviewState, SceneBoundary
from vidi_desktop.qt.model_thread import ModelBridge
from vidi_desktop.qt.session import Session


class Recorder(QObject):
    """Records the bridge's signals and the thread each one was delivered in."""

    def __init__(self, bridge: ModelBridge) -> None:
        super().__init__()
        self.events: list[tuple[str, Any]] = []
        self.threads: set[int] = set()
        bridge.progress.connect(self.on_progress)
        bridge.applied.connect(self.on_applied)
        bridge.failed.connect(self.on_failed)
        bridge.cancelled.connect(self.on_cancelled)
        bridge.answer.connect(self.on_answer)
        bridge.busy_changed.connect(self.on_busy)

    def _note(self, name: str, value: Any) -> None:
        self.threads.add(threading.get_ident())
        self.events.append((name, value))

    @Slot(str, object, str)
    def on_progress(self, rid: str, fraction: object, message: str) -> None:
        self._note("progress", (rid, fraction, message))

    @Slot(str, list)
    def on_applied(self, rid: str, ids: list) -> None:
        self._note("applied", (rid, ids))

    @Slot(str, str)
    def on_failed(self, rid: str, message: str) -> None:
        self._note("failed", (rid, message))

    @Slot(str)
    def on_cancelled(self, rid: str) -> None:
        self._note("cancelled", rid)

    @Slot(str, str)
    def on_answer(self, rid: str, text: str) -> None:
        self._note("answer", (rid, text))

    @Slot(bool)
    def on_busy(self, busy: bool) -> None:
        self._note("busy", busy)

    def of(self, name: str) -> list[Any]:
        return [v for n, v in self.events if n == name]


def _in_a_stage(rid: str, fraction: object, message: str) -> bool:
    """A progress report from inside the backend's run (it is running now)."""
    return message.startswith("stage")


@pytest.fixture
def bridge(qtbot, project_doc, scripted_factory):
    session = Session(project_doc)
    b = ModelBridge(session, backend_factory=scripted_factory)
    yield b
    assert b.shutdown(60)


def test_answer_lands_in_the_project_in_the_gui_thread(qtbot, bridge, scripted_factory):
    rec = Recorder(bridge)
    doc = bridge._session.document
    before = len(doc.project.suggestions)
    with qtbot.waitSignal(bridge.applied, timeout=60_000) as got:
        rid = bridge.ask("split into scenes")
    assert got.args[0] == rid
    ids = got.args[1]
    assert len(ids) == 2
    added = [doc.project.suggestion(i) for i in ids]
    assert {type(s.payload) for s in added} == {SceneBoundary, Answer}
    assert all(s.state is ReviewState.PENDING for s in added)
    assert len(doc.project.suggestions) == before + 2
    # One undoable step for the whole answer.
    doc.undo()
    assert len(doc.project.suggestions) == before
    # Every signal reached us in the GUI thread; the model loaded and ran elsewhere,
    # on the bridge's QThread.
    assert rec.threads == {threading.get_ident()}
    cls = scripted_factory.cls
    assert cls.loads and cls.runs
    assert threading.get_ident() not in cls.loads + cls.runs
    assert isinstance(bridge.thread, QThread) and bridge.thread.isRunning()
    assert rec.of("answer") == [(rid, "answer to 'split into scenes'")]
    messages = [m for _, _, m in rec.of("progress")]
    assert "thinking" in messages and "running" in messages


def test_model_stays_loaded_between_requests(qtbot, bridge, scripted_factory):
    for text in ("scenes please", "answer this"):
        with qtbot.waitSignal(bridge.applied, timeout=60_000):
            bridge.ask(text)
    cls = scripted_factory.cls
    assert len(cls.loads) == 1 and len(cls.runs) == 2
    assert bridge.loaded_backend == "builtin"
    # New options: the runner unloads the old backend and loads the new one.
    bridge.set_backend("builtin", {"flavour": "b"})
    with qtbot.waitSignal(bridge.applied, timeout=60_000):
        bridge.ask("answer again")
    assert len(cls.loads) == 2 and len(cls.unloads) == 1


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("crash now", "the backend crashed: RuntimeError: segfault-ish"),
        ("refuse this", "this backend cannot do that: try qwen-vl"),
        ("bad output", "returned str, not suggestions"),
    ],
)
def test_failures_change_nothing_and_keep_serving(qtbot, bridge, text, expect):
    doc = bridge._session.document
    snapshot = doc.project
    with qtbot.waitSignal(bridge.failed, timeout=60_000) as got:
        bridge.ask(text)
    assert expect in got.args[1]
    assert doc.project is snapshot and not doc.is_modified
    # The worker survived and serves the next request.
    with qtbot.waitSignal(bridge.applied, timeout=60_000):
        bridge.ask("answer")


def test_cancel_stops_a_running_request(qtbot, bridge):
    rec = Recorder(bridge)
    doc = bridge._session.document
    with qtbot.waitSignal(bridge.progress, timeout=60_000, check_params_cb=_in_a_stage):
        rid = bridge.ask("slow job")
    assert bridge.is_busy and bridge.pending_ids == [rid]
    with qtbot.waitSignal(bridge.cancelled, timeout=60_000) as got:
        bridge.cancel(rid)
    assert got.args == [rid]
    assert not bridge.is_busy and not doc.is_modified
    assert rec.of("busy") == [True, False]


def test_cancel_all_also_drops_queued_requests(qtbot, bridge):
    with qtbot.waitSignal(bridge.progress, timeout=60_000, check_params_cb=_in_a_stage):
        first = bridge.ask("slow one")
    second = bridge.ask("scenes later")
    cancelled: list[str] = []
    bridge.cancelled.connect(cancelled.append)
    bridge.cancel()
    qtbot.waitUntil(lambda: not bridge.is_busy, timeout=60_000)
    assert cancelled == [first, second]


def test_result_after_project_switch_is_dropped_with_a_message(
    qtbot, project_doc, scripted_factory
):
    from vidi_desktop.core.project import ProjectDocument

    session = Session(project_doc)
    bridge = ModelBridge(session, backend_factory=scripted_factory)
    try:
        gate = threading.Event()
        original = scripted_factory.cls.run

        def gated_run(self, request, progress, cancel):
            gate.wait(10)
            return original(self, request, progress, cancel)

        scripted_factory.cls.run = gated_run
        try:
            rid = bridge.ask("scenes")
            other = ProjectDocument(project_doc.project)
            session.set_document(other)
            with qtbot.waitSignal(bridge.failed, timeout=60_000) as got:
                gate.set()
        finally:
            scripted_factory.cls.run = original
        assert got.args[0] == rid and "project was closed" in got.args[1]
        assert not other.is_modified and not project_doc.is_modified
    finally:
        assert bridge.shutdown(60)


def test_bad_requests_are_refused_at_once(qtbot, bridge):
    with pytest.raises(VidiError, match="empty"):
        bridge.ask("   ")
    with pytest.raises(VidiError, match="characters long"):
        bridge.ask("x" * 5000)
    empty = Session()
    b = ModelBridge(empty)
    with pytest.raises(VidiError, match="no footage"):
        b.ask("split into scenes")
    assert b.shutdown(60)


def test_shutdown_cancels_a_running_request_and_joins(qtbot, project_doc, scripted_factory):
    bridge = ModelBridge(Session(project_doc), backend_factory=scripted_factory)
    with qtbot.waitSignal(bridge.progress, timeout=60_000, check_params_cb=_in_a_stage):
        bridge.ask("slow")
    thread = bridge.thread
    assert bridge.shutdown(60)
    assert thread is not None and thread.isFinished()
    assert len(scripted_factory.cls.unloads) == 1


def test_one_real_request_with_the_builtin_backend(qtbot, make_clip, asset_of):
    """Scene cuts of a generated clip with two hard cuts, through the real built-in backend."""
    from fractions import Fraction

    import numpy as np

    from vidi_desktop.core.project import ProjectDocument

    def picture(n: int) -> np.ndarray:
        img = np.zeros((240, 320, 3), np.uint8)
        img[...] = [(200, 40, 40), (40, 200, 40), (40, 40, 200)][n // 25]
        img[::8, :, :] //= 2  # some texture so the encoder keeps the colours apart
        return img

    clip = make_clip("three_shots.mp4", frames=75, rate=25, picture=picture, gop=25)
    doc = ProjectDocument()
    asset = doc.add_asset(asset_of(clip))
    doc.undo_stack.set_clean()
    session = Session(doc)
    session.set_asset(asset.id)
    bridge = ModelBridge(session)
    try:
        with qtbot.waitSignals([bridge.finished], timeout=120_000):
            bridge.ask("split into scenes")
        scenes = doc.project.find_suggestions(kind="scene_boundary")
        times = sorted(s.payload.time.seconds for s in scenes)
        assert Fraction(1) in times and Fraction(2) in times, times
    finally:
        assert bridge.shutdown(60)
