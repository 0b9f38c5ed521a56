"""Issue 16.10: a stream that cannot seek, and FFmpeg's errors told apart from a model's.

* The first probe of some files raised ``av.error.PermissionError`` from ``seek(0)`` after
  the frame-table scan (``media/index.py``): FFmpeg answers EPERM for a seek on a stream
  that cannot seek — raw H.264/HEVC elementary streams (a Raspberry Pi camera's ``.h264``)
  and some damaged files. The scan now runs in a second opening, and every reader goes back
  to the start by opening the file again when a seek is refused.
* A damaged audio header makes FFmpeg say ENOMEM, which PyAV raises as a ``MemoryError``;
  it was reported as "the model ran out of memory — try 4-bit".
"""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import av
import pytest
from reliability_media import ffmpeg, needs_ffmpeg

from vidi_desktop.cli import main
from vidi_desktop.core.library_errors import ffmpeg_failure
from vidi_desktop.media.decode import iter_decoded
from vidi_desktop.media.probe import probe
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number
from vidi_desktop.models.runner import describe_failure
from vidi_desktop.services.batch_workers import describe_error


@pytest.fixture(scope="module")
def raw_h264(tmp_path_factory) -> Path:
    """A barcode clip as a raw H.264 elementary stream (no container, no timestamps)."""
    from vidi_desktop.media.synth import write_clip

    folder = tmp_path_factory.mktemp("raw")
    mp4 = write_clip(folder / "bar.mp4", frames=60, rate=Fraction(25), gop=15, bframes=2)
    out = folder / "camera.h264"
    ffmpeg("-i", mp4, "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", out)
    return out


@needs_ffmpeg
def test_the_stream_really_cannot_seek(raw_h264) -> None:
    """The premise: FFmpeg refuses ``seek(0)`` here with EPERM (PyAV's PermissionError)."""
    with av.open(str(raw_h264)) as c, pytest.raises(av.error.PermissionError):
        for _ in c.demux(c.streams.video[0]):
            pass
        c.seek(0)


@needs_ffmpeg
def test_probe_of_an_unseekable_stream(raw_h264) -> None:
    info = probe(raw_h264)  # raised av.error.PermissionError on the first probe
    assert info.video.frames == 60 and info.video.rate is not None
    assert info.video.rate.value == 25
    assert probe(raw_h264).video.frames == 60  # and from the cached frame table


@needs_ffmpeg
def test_unseekable_stream_is_read_frame_exactly(raw_h264) -> None:
    with VideoReader(raw_h264) as reader:
        order = list(range(60))
        random.Random(9).shuffle(order)
        for n in order[:25]:
            assert read_frame_number(reader.array(n)) == n
    got = [(f.index, read_frame_number(f.image("rgb24", 400)))
           for f in iter_decoded(raw_h264, start_frame=20, end_frame=30)]
    assert got == [(n, n) for n in range(20, 30)]


@needs_ffmpeg
def test_analyze_and_thumbs_of_an_unseekable_stream(raw_h264, capsys, tmp_path) -> None:
    assert main(["analyze", str(raw_h264), "--shots", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["frames"] == 60
    assert main(["thumbs", str(raw_h264), "-n", "3", "-o", str(tmp_path / "t"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_ffmpeg_out_of_memory_is_a_media_error_not_a_model_one() -> None:
    exc = av.error.MemoryError(12, "Cannot allocate memory")  # what PyAV raises for ENOMEM
    assert isinstance(exc, MemoryError)  # why it was taken for a model running out
    for text in (describe_failure(exc), describe_error(exc)):
        assert "4-bit" not in text and text != "out of memory"
        assert text.startswith("the media cannot be read") and "Cannot allocate memory" in text
    assert ffmpeg_failure(MemoryError()) is None
    assert "4-bit" in describe_failure(MemoryError())  # a real shortage keeps its advice
