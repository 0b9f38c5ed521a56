"""Issue 16.6–16.8: valid camera and broadcast footage is read, frame-exactly.

* 6: MPEG-TS / M2TS (AVCHD, broadcast) were refused by analyze/thumbs ("frame 0 cannot be
  decoded"): their demuxer seeks by dts and lands past the first keyframe.
* 7: a stream-copy trim (an MP4 edit list, ``ffmpeg -ss 1 -c copy``) and Matroska whose
  first timestamp is ≥ 10 s were called "truncated or damaged".
* 8: timestamps that go backwards (concatenated TS) crashed face tubes ("samples must be in
  time order"): the file now plays in file order, each part after the one before.

The clips carry their frame number as a barcode (``media.synth``), so every check is on the
picture itself; Debian's ffmpeg makes the containers.
"""

from __future__ import annotations

import json
import random
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import ffmpeg, needs_ffmpeg

from vidi_desktop.cli import main
from vidi_desktop.media.decode import iter_decoded
from vidi_desktop.media.probe import probe
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number

pytestmark = needs_ffmpeg

FRAMES = 90


@pytest.fixture(scope="module")
def barcode(tmp_path_factory) -> Path:
    from vidi_desktop.media.synth import sine, write_clip

    folder = tmp_path_factory.mktemp("camera")
    return write_clip(folder / "bar.mp4", frames=FRAMES, rate=Fraction(25), gop=15,
                      bframes=2, size=(352, 288), audio=sine(440, 0.3))


def _made(barcode: Path, name: str, *args: str) -> Path:
    out = barcode.with_name(name)
    if not out.exists():
        ffmpeg("-i", barcode, *args, out)
    return out


def _numbers_by_ffmpeg(path: Path) -> list[int]:
    """Frame numbers of every picture ffmpeg itself decodes, in order (the reference)."""
    import numpy as np

    raw = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-vsync",
         "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True, timeout=120,
    ).stdout
    info = probe(path, allow_truncated=True)
    w, h = info.video.width, info.video.height
    pics = np.frombuffer(raw, np.uint8).reshape(-1, h, w)
    return [read_frame_number(p) for p in pics]


def _check_reader_and_pass(path: Path, want: list[int]) -> None:
    with VideoReader(path) as reader:
        assert reader.frame_count == len(want)
        order = list(range(len(want)))
        random.Random(5).shuffle(order)
        for n in order:
            assert read_frame_number(reader.array(n)) == want[n], n
    for start in (0, 20, len(want) - 3):
        got = [(f.index, read_frame_number(f.image("rgb24", 400)))
               for f in iter_decoded(path, start_frame=start, end_frame=start + 25)]
        assert [i for i, _ in got] == list(range(start, min(start + 25, len(want))))
        assert all(n == want[i] for i, n in got)


def _cli_ok(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


# -- 6: transport streams ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("copy.ts", ("-c", "copy", "-f", "mpegts")),
        ("avchd.m2ts", ("-c", "copy", "-f", "mpegts", "-mpegts_m2ts_mode", "1")),
        ("mpeg2.ts", ("-c:v", "mpeg2video", "-q:v", "3", "-g", "15", "-bf", "2", "-c:a",
                      "mp2", "-f", "mpegts")),
    ],
    ids=["h264-ts", "m2ts", "mpeg2-ts"],
)
def test_transport_streams_are_read_frame_exactly(barcode, capsys, tmp_path, name, args):
    ts = _made(barcode, name, *args)
    _check_reader_and_pass(ts, list(range(FRAMES)))
    doc = json.loads(_cli_ok(capsys, "analyze", str(ts), "--shots", "--json"))
    assert doc["frames"] == FRAMES and doc["shots"] == []
    listed = json.loads(_cli_ok(capsys, "thumbs", str(ts), "-n", "4", "-o",
                                str(tmp_path / "t"), "--json"))
    assert len(listed) == 4


# -- 7: edit lists and late Matroska ---------------------------------------------------------


def test_stream_copy_trim_with_an_edit_list_is_not_truncated(barcode, capsys):
    # GOPs of 25 with B-frames, cut mid-GOP: the copy starts at the keyframe before 1.3 s
    # and an edit list hides the frames before the cut.
    gop25 = _made(barcode, "gop25.mp4", "-c:v", "libx264", "-g", "25", "-bf", "2", "-c:a", "aac")
    trim = gop25.with_name("trim.mp4")
    ffmpeg("-ss", "1.3", "-i", gop25, "-c", "copy", trim)
    info = probe(trim)  # refused as "truncated or damaged" before
    assert not info.truncated and info.video.index.hidden_frames > 0
    want = _numbers_by_ffmpeg(trim)
    assert info.video.frames == len(want) and want[0] > 0
    _check_reader_and_pass(trim, want)
    _cli_ok(capsys, "-q", "analyze", str(trim), "--shots", "--json")


@pytest.mark.parametrize("offset", ["10", "12.5", "3600"])
def test_matroska_starting_late_is_not_truncated(barcode, capsys, offset):
    late = _made(barcode, f"late{offset}.mkv", "-c", "copy", "-output_ts_offset", offset)
    info = probe(late)
    assert not info.truncated and info.video.frames == FRAMES
    assert abs(float(info.start_time) - float(offset)) < 0.1
    _check_reader_and_pass(late, list(range(FRAMES)))
    _cli_ok(capsys, "-q", "analyze", str(late), "--shots", "--json")


def test_a_cut_off_late_matroska_is_still_called_truncated(barcode, tmp_path):
    from vidi_desktop.core.errors import CorruptMediaError

    late = _made(barcode, "late10.mkv", "-c", "copy", "-output_ts_offset", "10")
    cut = tmp_path / "cut.mkv"
    data = late.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(CorruptMediaError, match="truncated"):
        probe(cut)
    assert probe(cut, allow_truncated=True).truncated


# -- 8: timestamps that go backwards -----------------------------------------------------------


@pytest.mark.parametrize("shift", ["0", "2"], ids=["same-clock", "later-clock-first"])
def test_concatenated_transport_streams_play_in_file_order(barcode, capsys, tmp_path, shift):
    first = _made(barcode, f"seg{shift}.ts", "-c", "copy", "-output_ts_offset", shift,
                  "-f", "mpegts")
    second = _made(barcode, "copy.ts", "-c", "copy", "-f", "mpegts")
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first.read_bytes() + second.read_bytes())  # cat a.ts b.ts
    info = probe(joined)
    assert info.video.frames == 2 * FRAMES
    _check_reader_and_pass(joined, [n % FRAMES for n in range(2 * FRAMES)])
    doc = json.loads(_cli_ok(capsys, "analyze", str(joined), "--faces", "--shots", "--json"))
    times = [s["time"] for s in doc["shots"]]
    assert [s["frame"] for s in doc["shots"]] == [FRAMES] and times == sorted(times)
