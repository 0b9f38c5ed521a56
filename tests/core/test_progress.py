"""Progress and cancellation (core.progress): reports clamped and throttled, stages, cancel."""

from __future__ import annotations

import threading

import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import JobContext, check_cancel


def test_progress_is_reported_and_clamped() -> None:
    seen: list[tuple[float | None, str]] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append((f, m)))
    for i in range(5):
        ctx.progress(i / 4, f"step {i}", force=True)
    ctx.progress(1.5, "overshoot", force=True)
    assert seen[0] == (0.0, "step 0") and seen[-1] == (1.0, "overshoot")


def test_stages_split_progress() -> None:
    seen: list[float | None] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append(f))
    ctx.stage(1, 4, "second")(0.5, "")
    ctx.progress(None, "unknown", force=True)
    assert seen[0] == pytest.approx(0.375)
    assert seen[-1] is None


def test_a_part_shares_the_cancel_flag_and_reports_through_its_stage() -> None:
    seen: list[tuple[float | None, str]] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append((f, m)))
    part = ctx.part(ctx.stage(1, 2, "speech"))
    part.progress(0.5, "voice activity", force=True)
    assert seen[-1] == (pytest.approx(0.75), "speech: voice activity")
    ctx.cancel.set()
    with pytest.raises(CancelledError):
        part.check_cancelled()


def test_a_set_cancel_flag_stops_the_next_report() -> None:
    ctx = JobContext()
    ctx.progress(0.1, "fine")
    ctx.cancel.set()
    with pytest.raises(CancelledError):
        ctx.progress(0.2, "stopped")


def test_check_cancel_raises_only_once_set() -> None:
    cancel = threading.Event()
    check_cancel(cancel)
    cancel.set()
    with pytest.raises(CancelledError):
        check_cancel(cancel)


def test_broken_progress_display_does_not_kill_the_work() -> None:
    ctx = JobContext(on_progress=lambda f, m: 1 / 0)
    ctx.progress(0.5, "half", force=True)
    assert ctx.fraction == 0.5
