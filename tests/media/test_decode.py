"""iter_frames(): one sequential pass to small arrays with exact frame numbers and times."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.media.decode import iter_frames
from vidi_desktop.media.synth import read_frame_number


def test_every_frame_in_order_with_its_number(small_clip: Path) -> None:
    frames = list(iter_frames(small_clip, max_side=320, fmt="rgb24"))
    assert [f.index for f in frames] == list(range(60))
    assert [read_frame_number(f.image) for f in frames] == list(range(60))
    assert frames[0].image.shape == (240, 320, 3)
    # 29.97: frame 30 is at exactly 30 * 1001 / 30000 s.
    assert frames[30].time.seconds * 30000 == 30 * 1001


def test_gray_small(small_clip: Path) -> None:
    frames = list(iter_frames(small_clip, max_side=160, fmt="gray", end_frame=3))
    assert [f.image.shape for f in frames] == [(120, 160)] * 3


def test_range_and_step(small_clip: Path) -> None:
    frames = list(iter_frames(small_clip, start_frame=31, end_frame=45, step=3, fmt="rgb24"))
    assert [f.index for f in frames] == [31, 34, 37, 40, 43]
    assert [read_frame_number(f.image) for f in frames] == [31, 34, 37, 40, 43]


def test_rotation_applied(shared_media: Path) -> None:
    """issue-134 (rotated 90°) comes out upright: taller than wide."""
    f = next(iter_frames(shared_media / "issue-134-rotate.mp4", max_side=320))
    assert f.image.shape == (320, 136)


def test_sar_applied(shared_media: Path) -> None:
    """704x576 with SAR 16:11 is displayed 16:9."""
    f = next(iter_frames(shared_media / "issue-195-aspect-ratio.mp4", max_side=320))
    assert f.image.shape == (180, 320)


def test_vfr_numbers_follow_pts(shared_media: Path) -> None:
    frames = list(iter_frames(shared_media / "goldeneye-vfr-drop3.mp4", max_side=64))
    assert [f.index for f in frames] == list(range(160))
    assert all(b.time > a.time for a, b in itertools.pairwise(frames))


def test_cancel_stops_decoding(small_clip: Path) -> None:
    cancel = threading.Event()
    seen = 0
    with pytest.raises(CancelledError):
        for _ in iter_frames(small_clip, cancel=cancel):
            seen += 1
            if seen == 5:
                cancel.set()
    assert seen == 5
