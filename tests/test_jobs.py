"""Jobs: progress reports, cooperative cancellation, errors kept as one-line messages."""

from __future__ import annotations

import threading
import time

import pytest

from vidi_desktop.core.errors import CancelledError, CorruptMediaError
from vidi_desktop.services.jobs import JobContext, JobRunner, JobState, run_job


def test_progress_is_reported_and_clamped() -> None:
    seen: list[tuple[float | None, str]] = []

    def work(ctx: JobContext) -> int:
        for i in range(5):
            ctx.progress(i / 4, f"step {i}", force=True)
        ctx.progress(1.5, "overshoot", force=True)
        return 42

    assert run_job(work, on_progress=lambda f, m: seen.append((f, m))) == 42
    assert seen[0] == (0.0, "step 0") and seen[-1] == (1.0, "overshoot")


def test_stages_split_progress() -> None:
    seen: list[float | None] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append(f))
    ctx.stage(1, 4, "second")(0.5, "")
    ctx.progress(None, "unknown", force=True)
    assert seen[0] == pytest.approx(0.375)
    assert seen[-1] is None


def test_cancel_stops_a_running_job() -> None:
    runner = JobRunner()
    started = threading.Event()

    def work(ctx: JobContext) -> None:
        started.set()
        for _ in range(1000):
            ctx.check_cancelled()
            time.sleep(0.01)

    handle = runner.submit("long", work)
    assert started.wait(5)
    handle.cancel()
    with pytest.raises(CancelledError):
        handle.result(timeout=5)
    assert handle.state is JobState.CANCELLED
    runner.shutdown()


def test_error_becomes_a_message_and_the_runner_lives_on() -> None:
    runner = JobRunner()
    done: list[str | None] = []

    def broken(ctx: JobContext) -> None:
        raise CorruptMediaError("clip.mp4: damaged or truncated media file")

    handle = runner.submit("bad", broken, on_done=lambda h: done.append(h.error))
    with pytest.raises(CorruptMediaError):
        handle.result(timeout=5)
    assert handle.state is JobState.FAILED
    assert done == ["clip.mp4: damaged or truncated media file"]
    ok = runner.submit("good", lambda ctx: "fine")
    assert ok.result(timeout=5) == "fine" and ok.state is JobState.DONE
    runner.shutdown()


def test_unexpected_error_and_memory_error_are_described() -> None:
    runner = JobRunner()
    h1 = runner.submit("bug", lambda ctx: 1 / 0)
    h2 = runner.submit("oom", lambda ctx: (_ for _ in ()).throw(MemoryError()))
    for h in (h1, h2):
        with pytest.raises((ZeroDivisionError, MemoryError)):
            h.result(timeout=5)
    assert h1.error is not None and h1.error.startswith("internal error: ZeroDivisionError")
    assert h2.error == "out of memory"
    runner.shutdown()


def test_broken_progress_display_does_not_kill_the_job() -> None:
    def work(ctx: JobContext) -> str:
        ctx.progress(0.5, "half", force=True)
        return "done"

    assert run_job(work, on_progress=lambda f, m: 1 / 0) == "done"


def test_shutdown_cancels_what_runs() -> None:
    runner = JobRunner()
    started = threading.Event()

    def work(ctx: JobContext) -> None:
        started.set()
        while True:
            ctx.check_cancelled()
            time.sleep(0.01)

    handle = runner.submit("forever", work)
    assert started.wait(5)
    runner.shutdown(wait=True)
    assert handle.state is JobState.CANCELLED
