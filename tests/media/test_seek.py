"""VideoReader.frame(n) shows frame n, exactly, in any order, on real and generated footage."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from vidi_desktop.core.errors import SeekError
from vidi_desktop.core.time import Time
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number

SHARED = [
    "counter.mp4",
    "testvideo.mp4",
    "goldeneye-vfr-drop3.mp4",
    "delayed_start.mp4",
    "fades.mp4",
    "issue-134-rotate.mp4",
    "issue-195-aspect-ratio.mp4",
    "issue-236-split-copy.mkv",
    "example.mp4",
]


def sequential(path: Path) -> list[tuple[int, np.ndarray]]:
    """Reference: every frame's pts and luma by plain sequential decoding."""
    with av.open(str(path)) as c:
        return [(f.pts, f.to_ndarray(format="gray")) for f in c.decode(c.streams.video[0])]


def test_counter_every_frame(shared_media: Path) -> None:
    """counter.mp4: frame N (from 0) is the N-th decoded picture, for every N, in any order."""
    ref = sequential(shared_media / "counter.mp4")
    assert len(ref) == 30
    order = list(range(30))
    random.Random(7).shuffle(order)
    with VideoReader(shared_media / "counter.mp4") as r:
        for n in order:
            frame = r.frame(n)
            assert frame.pts == ref[n][0]
            assert np.array_equal(frame.to_ndarray(format="gray"), ref[n][1]), n
            # README: frame N (from 1) is shown at pts (N-1)/10 s.
            assert r.time_of(n).seconds == Fraction(n, 10)


@pytest.mark.parametrize("name", SHARED)
def test_random_seeks_match_sequential_decode(shared_media: Path, name: str) -> None:
    ref = sequential(shared_media / name)
    rng = random.Random(name)
    picks = [*rng.sample(range(len(ref)), min(40, len(ref))), 0, len(ref) - 1]
    with VideoReader(shared_media / name) as r:
        assert r.frame_count == len(ref)
        assert list(r.index.frames.pts) == [p for p, _ in ref]
        for n in picks:
            frame = r.frame(n)
            assert frame.pts == ref[n][0], (name, n)
            assert np.array_equal(frame.to_ndarray(format="gray"), ref[n][1]), (name, n)


def test_vfr_seek_by_time(shared_media: Path) -> None:
    """goldeneye-vfr-drop3: the frame on screen at a time is found through the pts table."""
    path = shared_media / "goldeneye-vfr-drop3.mp4"
    ref = sequential(path)
    with VideoReader(path) as r:
        tb = r.time_base
        for n in (0, 59, 60, 61, 139, 140, 159):
            t = Time(ref[n][0], tb)
            assert r.frame_at_time(t) == n
            # Just before the next frame is still this frame.
            if n + 1 < len(ref):
                assert r.frame_at_time(Time(ref[n + 1][0] - 1, tb)) == n
            assert r.frame_at(t).pts == ref[n][0]


@pytest.mark.parametrize(
    ("gop", "bframes"), [(1, 0), (12, 0), (12, 3), (50, 2)], ids=["intra", "p", "b3", "long"]
)
def test_barcode_clip_random_access(make_clip, gop: int, bframes: int) -> None:
    """Generated footage stamps each frame's number: every seek must read back its target."""
    clip = make_clip(f"seek_g{gop}_b{bframes}.mp4", frames=120, rate=25, gop=gop, bframes=bframes,
                     preset="veryfast")
    order = list(range(120))
    random.Random(gop * 10 + bframes).shuffle(order)
    with VideoReader(clip) as r:
        for n in order:
            assert read_frame_number(r.array(n)) == n


def test_forward_reads_continue_without_seeking(make_clip, monkeypatch) -> None:
    clip = make_clip("seek_fwd.mp4", frames=100, rate=25, gop=30, bframes=2)
    with VideoReader(clip) as r:
        r.frame(3)
        seeks: list[int] = []
        original = r._seek
        monkeypatch.setattr(r, "_seek", lambda pts: (seeks.append(pts), original(pts)))
        for n in range(4, 30):
            assert read_frame_number(r.array(n)) == n
        assert read_frame_number(r.array(40)) == 40  # the next GOP follows on: no seek either
        assert seeks == []
        assert read_frame_number(r.array(75)) == 75  # two GOPs ahead: seek to keyframe 60
        assert len(seeks) == 1


def test_vfr_generated(make_clip) -> None:
    pts = [0, 1000, 2000, 3500, 4000, 6000, 7001, 8000, 9000, 12000]
    clip = make_clip("seek_vfr.mp4", frames=len(pts), rate=30, pts=pts,
                     time_base=Fraction(1, 30000), gop=4)
    with VideoReader(clip) as r:
        for n in reversed(range(len(pts))):
            frame = r.frame(n)
            assert frame.pts == pts[n]
            assert read_frame_number(frame.to_ndarray(format="rgb24")) == n
        assert r.frame_at_time(Time(5999, Fraction(1, 30000))) == 4


def test_out_of_range(small_clip: Path) -> None:
    with VideoReader(small_clip) as r, pytest.raises(SeekError, match="outside"):
        r.frame(r.frame_count)
    with VideoReader(small_clip) as r, pytest.raises(SeekError):
        r.frame(-1)
