"""Frames a VLM is shown: exactly the planned frames, at their exact times, in the window."""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.synth import read_frame_number
from vidi_desktop.models.protocol import RequestError
from vidi_desktop.models.vlm.sampling import sample_frames


@pytest.fixture(scope="module")
def clip25(make_clip: Callable[..., Path]) -> Path:
    """4 s at 25 fps, B-frames and a 12-frame GOP (seeks land mid-GOP)."""
    return make_clip("vlm_25.mp4", frames=100, rate=25, gop=12, bframes=2)


def test_frames_are_exact_and_timed(clip25: Path) -> None:
    s = sample_frames(clip25, fps=2.0, max_frames=32, max_side=448)
    # Every half second, the frame on screen then (0.5 s falls inside frame 12).
    assert s.frames == (0, 12, 25, 37, 50, 62, 75, 87)
    assert s.interval == Fraction(1, 2)
    assert [read_frame_number(img) for img in s.images] == list(s.frames)
    assert s.times == tuple(Time(n, Fraction(1, 25)) for n in s.frames)
    assert s.size == (320, 240)  # never upscaled
    assert s.clip == TimeRange(Time(0, 1), Time(4, 1))


def test_window_is_honoured(clip25: Path) -> None:
    window = TimeRange(Time(3, Fraction(1, 2)), Time(2, 1))  # 1.5 s – 3.5 s
    s = sample_frames(clip25, window=window, fps=1.0)
    assert s.frames == (37, 62)  # the frames on screen at 1.5 s and 2.5 s
    assert [read_frame_number(img) for img in s.images] == [37, 62]
    assert s.bounds == window


def test_max_frames_spreads_samples_and_max_side_shrinks(clip25: Path) -> None:
    s = sample_frames(clip25, fps=25.0, max_frames=5, max_side=160)
    assert s.frames == (0, 20, 40, 60, 80)
    assert s.interval == Fraction(4, 5)
    assert s.size == (160, 120)


def test_variable_frame_rate_times_are_the_real_pts(make_clip: Callable[..., Path]) -> None:
    pts = [0, 40, 80, 200, 240, 600, 640, 680, 1000, 1040]  # ms: bursts and gaps
    clip = make_clip("vlm_vfr.mp4", frames=len(pts), rate=25, pts=pts,
                     time_base=Fraction(1, 1000))
    s = sample_frames(clip, fps=2.0)
    # At 0.5 s the frame stamped 240 ms is still on screen (the next comes at 600 ms).
    assert [t.to_ms() for t in s.times] == [0, 240, 1000]
    assert [read_frame_number(img) for img in s.images] == [0, 4, 8]
    assert s.clip.end_exclusive.to_ms() == 1080


def test_window_outside_the_clip_is_a_request_error(clip25: Path) -> None:
    with pytest.raises(RequestError, match="outside the footage"):
        sample_frames(clip25, window=TimeRange(Time(10, 1), Time(1, 1)))


def test_cancel_stops_sampling(clip25: Path) -> None:
    cancel = threading.Event()
    seen: list[int] = []

    def on_frame(done: int, total: int) -> None:
        seen.append(done)
        if done == 2:
            cancel.set()

    with pytest.raises(CancelledError):
        sample_frames(clip25, fps=4.0, cancel=cancel, on_frame=on_frame)
    assert seen == [1, 2]
