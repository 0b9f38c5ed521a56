"""The model runner: queueing, one model at a time, cancel, and failures that leave it alive."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from stub_backends import (
    FailingBackend,
    FailingLoadBackend,
    GarbageBackend,
    OutOfMemoryError,
    RecordingBackend,
    SlowBackend,
)

from vidi_desktop.core.errors import CorruptMediaError
from vidi_desktop.core.project import Answer, Asset, CutRange, Suggestion
from vidi_desktop.models.protocol import AssetRef, Backend, Request, RequestError
from vidi_desktop.models.runner import ModelRunner, RunState

# Waits end as soon as the run does; the bound is only there to fail a hang, so it is
# generous enough for a loaded two-core machine.
WAIT = 60.0


def request(text: str = "find the good bits", asset_id: str = "a1") -> Request:
    return Request(text, (AssetRef(asset_id, "/footage/clip.mp4"),))


class Factory:
    """Builds backends by name from a table of constructors, remembering each instance."""

    def __init__(self, table: Mapping[str, Any]):
        self.table = table
        self.journal: list[str] = []
        self.made: list[Backend] = []

    def __call__(self, name: str, options: Mapping[str, Any]) -> Backend:
        backend = self.table[name](journal=self.journal, label=name, **options)
        self.made.append(backend)
        return backend


def wait_until_started(factory: Factory, timeout: float = WAIT) -> None:
    """Block until the first backend the factory made has begun its run."""
    deadline = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if factory.made and factory.made[0].started.is_set():
            return
        deadline.wait(0.01)
    raise AssertionError("the backend never started")


@pytest.fixture
def runner_with() -> Iterator[Any]:
    runners: list[ModelRunner] = []

    def make(table: Mapping[str, Any], **kw: Any) -> tuple[ModelRunner, Factory]:
        factory = Factory(table)
        runner = ModelRunner(backend_factory=factory, **kw).start()
        runners.append(runner)
        return runner, factory

    yield make
    for r in runners:
        r.close()


def test_a_request_comes_back_as_suggestions(runner_with: Any) -> None:
    progress: list[tuple[str, float | None, str]] = []
    runner, _factory = runner_with(
        {"rec": RecordingBackend}, on_progress=lambda *a: progress.append(a)
    )
    result = runner.submit(request("split into scenes"), "rec").wait(WAIT)
    assert result is not None and result.state is RunState.DONE
    kinds = [type(s.payload) for s in result.suggestions]
    assert kinds == [Answer, CutRange]
    assert result.suggestions[0].payload.text == "rec heard: split into scenes"
    stages = [m for _, _, m in progress]
    assert "loading rec" in stages and "loading weights" in stages and "thinking" in stages


def test_the_model_stays_loaded_between_requests_of_the_same_backend(runner_with: Any) -> None:
    runner, factory = runner_with({"rec": RecordingBackend})
    for text in ("one", "two", "three"):
        assert runner.submit(request(text), "rec").wait(WAIT).ok
    assert factory.journal == ["load rec", "run rec one", "run rec two", "run rec three"]
    assert runner.loaded == "rec"


def test_only_one_model_is_loaded_at_a_time(runner_with: Any) -> None:
    runner, factory = runner_with({"a": RecordingBackend, "b": RecordingBackend})
    runner.submit(request("x"), "a")
    runner.submit(request("y"), "b")
    assert runner.submit(request("z"), "a").wait(WAIT).ok
    assert factory.journal == [
        "load a", "run a x", "unload a", "load b", "run b y", "unload b", "load a", "run a z",
    ]


def test_other_options_mean_another_model(runner_with: Any) -> None:
    runner, factory = runner_with({"a": RecordingBackend})
    runner.submit(request("x"), "a", {"quantization": "4bit"})
    assert runner.submit(request("y"), "a", {"quantization": None}).wait(WAIT).ok
    assert factory.journal.count("load a") == 2 and "unload a" in factory.journal


def test_cancel_stops_a_running_request_and_the_next_one_runs(runner_with: Any) -> None:
    runner, factory = runner_with({"slow": SlowBackend, "rec": RecordingBackend})
    slow = runner.submit(request("long"), "slow", {"seconds": 600})
    after = runner.submit(request("next"), "rec")
    wait_until_started(factory)
    slow.cancel()
    result = slow.wait(WAIT)
    # Cancelled, not finished: the slow backend only raises when it sees the cancel.
    assert result is not None and result.state is RunState.CANCELLED
    assert after.wait(WAIT).ok


def test_a_cancelled_queued_request_never_starts(runner_with: Any) -> None:
    runner, factory = runner_with({"slow": SlowBackend, "rec": RecordingBackend})
    first = runner.submit(request("first"), "slow", {"seconds": 0.5})
    queued = runner.submit(request("never"), "rec")
    queued.cancel()
    assert first.wait(WAIT).ok
    assert queued.wait(WAIT).state is RunState.CANCELLED
    assert not any("never" in line for line in factory.journal)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "out of memory"),
        (MemoryError(), "out of memory"),
        (RuntimeError("DefaultCPUAllocator: not enough memory: out of memory"), "out of memory"),
        (ValueError("index 7 is out of bounds"), "crashed: ValueError"),
        (CorruptMediaError("clip.mp4: invalid data at byte 4096"), "invalid data at byte"),
    ],
)
def test_backend_failures_become_error_results_and_the_runner_lives_on(
    runner_with: Any, error: BaseException, expected: str
) -> None:
    table = {"bad": lambda **kw: FailingBackend(error, **kw), "rec": RecordingBackend}
    runner, _factory = runner_with(table)
    failed = runner.submit(request("x"), "bad").wait(WAIT)
    assert failed.state is RunState.FAILED and expected in failed.error
    assert "\n" not in failed.error
    assert runner.submit(request("y"), "rec").wait(WAIT).ok


def test_out_of_memory_unloads_the_model(runner_with: Any) -> None:
    table = {"bad": lambda **kw: FailingBackend(MemoryError(), **kw)}
    runner, factory = runner_with(table)
    runner.submit(request("x"), "bad").wait(WAIT)
    assert factory.journal[-1] == "unload bad"
    assert runner.loaded is None


def test_a_backend_that_fails_to_load_reports_it(runner_with: Any) -> None:
    runner, _factory = runner_with({"broken": FailingLoadBackend, "rec": RecordingBackend})
    result = runner.submit(request("x"), "broken").wait(WAIT)
    assert result.state is RunState.FAILED and "model.safetensors" in result.error
    assert runner.loaded is None
    assert runner.submit(request("y"), "rec").wait(WAIT).ok


def _foreign_suggestion() -> Suggestion:
    return Suggestion.new("somebody-else", Answer("hi"), "garbage")


@pytest.mark.parametrize(
    "output",
    [None, "a string", 42, [1, 2, 3], ["not a suggestion"], "foreign"],
)
def test_garbage_output_is_refused(runner_with: Any, output: Any) -> None:
    if output == "foreign":
        output = [_foreign_suggestion()]
    runner, _ = runner_with({"junk": lambda **kw: GarbageBackend(output, **kw)})
    result = runner.submit(request("x"), "junk").wait(WAIT)
    assert result.state is RunState.FAILED and result.suggestions == ()
    assert "junk" in result.error


def test_result_callback_runs_for_every_request(runner_with: Any) -> None:
    seen: list[str] = []
    done = threading.Event()

    def on_result(r: Any) -> None:
        seen.append(r.state.value)
        if len(seen) == 2:
            done.set()

    table = {"rec": RecordingBackend, "bad": lambda **kw: FailingBackend(ValueError(), **kw)}
    runner, _ = runner_with(table, on_result=on_result)
    runner.submit(request("x"), "rec")
    runner.submit(request("y"), "bad")
    assert done.wait(WAIT)
    assert seen == ["done", "failed"]


def test_close_cancels_and_unloads(runner_with: Any) -> None:
    runner, factory = runner_with({"slow": SlowBackend})
    handle = runner.submit(request("long"), "slow", {"seconds": 600})
    wait_until_started(factory)
    runner.close(timeout=WAIT)
    assert handle.wait(WAIT).state is RunState.CANCELLED
    assert factory.journal[-1] == "unload slow"


def test_unknown_backend_name_is_a_clear_failure() -> None:
    runner = ModelRunner().start()
    try:
        result = runner.submit(request("x"), "no-such-backend").wait(WAIT)
    finally:
        runner.close()
    assert result.state is RunState.FAILED
    assert "unknown backend 'no-such-backend'" in result.error


def test_asset_ref_reads_rate_and_duration_from_probe_info() -> None:
    asset = Asset.new(
        "/x.mp4", 10, 1, info={"duration_exact": "1001/30", "video": {"rate": "30000/1001"}}
    )
    ref = AssetRef.from_asset(asset)
    assert ref.duration == pytest.approx(1001 / 30) and str(ref.frame_rate) == "30000/1001"
    broken = Asset.new("/y.mp4", 10, 1, info={"video": {"rate": "n/a"}})
    assert AssetRef.from_asset(broken).frame_rate is None
    assert AssetRef.from_asset(broken).duration is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 5000, "5,000 characters")],
)
def test_requests_that_cannot_be_served_are_refused_up_front(text: str, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        request(text)


def test_a_request_needs_footage() -> None:
    with pytest.raises(RequestError, match="names no footage"):
        Request("split into scenes", ())
