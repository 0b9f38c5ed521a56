"""Keyframes decoded on their own (the player's quick stand-in): each is the picture of its
own frame number, in any order; what cannot be had on its own is refused, never guessed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest

from vidi_desktop.media.keyframes import KeyframeDecoder, KeyframeUnavailable
from vidi_desktop.media.synth import read_frame_number


@pytest.fixture(scope="module")
def three_gops(make_clip: Callable[..., Path]) -> Path:
    """90 barcode frames in GOPs of 30, with B-frames (reordered decoding)."""
    return make_clip("keyframes_three_gops.mp4", frames=90, rate=25, gop=30, bframes=2)


def number(frame: av.VideoFrame) -> int:
    return read_frame_number(frame.to_ndarray(format="rgb24"))


def test_each_keyframe_decodes_on_its_own_as_itself(three_gops: Path) -> None:
    with KeyframeDecoder(three_gops) as keyframes:
        assert keyframes.index.frames.keyframes == (0, 30, 60)
        for key in (60, 0, 30, 30, 60, 0):  # any order, again and again: one decoder
            picture = keyframes.frame(key)
            assert picture.pts == keyframes.index.frames.pts[key]
            assert number(picture) == key


def test_a_frame_that_is_not_a_keyframe_is_refused(three_gops: Path) -> None:
    with KeyframeDecoder(three_gops) as keyframes, pytest.raises(KeyframeUnavailable):
        keyframes.frame(45)


def test_a_stream_without_timestamps_is_left_to_the_exact_reader(
    three_gops: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw.h264"  # an elementary stream: no timestamps to seek by
    with av.open(str(three_gops)) as src, av.open(str(raw), "w", format="h264") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with KeyframeDecoder(raw) as keyframes, pytest.raises(KeyframeUnavailable):
        keyframes.frame(30)
