"""Every media entry point refuses broken input with a typed, one-line, specific error,
never a traceback or a hang, and changes nothing on disk."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from vidi_desktop.core.errors import (
    CorruptMediaError,
    EmptyFileError,
    MediaError,
    MediaNotFoundError,
    MissingStreamError,
    NotAFileError,
    NotMediaError,
)
from vidi_desktop.media.audio import read_audio
from vidi_desktop.media.decode import iter_frames
from vidi_desktop.media.probe import probe
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import write_clip
from vidi_desktop.media.thumbnails import thumbnails
from vidi_desktop.media.waveform import waveform_peaks


def _read_one_frame(path: Path) -> None:
    with VideoReader(path) as r:
        r.frame(0)


ENTRY_POINTS: dict[str, Callable[[Path], object]] = {
    "probe": probe,
    "reader": _read_one_frame,
    "iter_frames": lambda p: next(iter_frames(p)),
    "read_audio": read_audio,
    "thumbnails": lambda p: thumbnails(p, 3),
    "waveform": waveform_peaks,
}
VIDEO_ONLY = {"reader", "iter_frames", "thumbnails"}
AUDIO_ONLY = {"read_audio", "waveform"}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    files: dict[str, Path] = {"missing": d / "missing.mp4"}
    (d / "folder.mp4").mkdir()
    files["directory"] = d / "folder.mp4"
    files["text"] = d / "notes.mp4"
    files["text"].write_text("these are my notes, not a video\n" * 20)
    files["empty"] = d / "empty.mp4"
    files["empty"].write_bytes(b"")
    files["garbage"] = d / "noise.mov"
    files["garbage"].write_bytes(os.urandom(50_000))
    # A real clip cut in half: the index (moov) is at the end, so nothing can be opened.
    whole = write_clip(d / "whole.mp4", frames=50, rate=25, audio=lambda t: 0 * t)
    files["truncated"] = d / "truncated.mp4"
    files["truncated"].write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    # Same with the index first (faststart): it opens, but half the frames are missing.
    fast = write_clip(d / "fast.mp4", frames=50, rate=25, faststart=True, audio=lambda t: 0 * t)
    files["truncated_faststart"] = d / "truncated_fast.mp4"
    files["truncated_faststart"].write_bytes(fast.read_bytes()[: fast.stat().st_size // 2])
    fifo = d / "pipe.mp4"
    os.mkfifo(fifo)
    files["fifo"] = fifo
    return files


EXPECTED: dict[str, tuple[type[MediaError], str]] = {
    "missing": (MediaNotFoundError, "no such file"),
    "directory": (NotAFileError, "is a folder"),
    "text": (NotMediaError, "not a video or audio file"),
    "empty": (EmptyFileError, "empty"),
    "garbage": (NotMediaError, "not a video or audio file"),
    "truncated": (CorruptMediaError, "damaged or truncated"),
    "fifo": (NotAFileError, "not a regular file"),
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_bad_file_gives_specific_one_line_error(
    bad_files: dict[str, Path], entry: str, kind: str
) -> None:
    path = bad_files[kind]
    before = _snapshot(path.parent)
    error_type, words = EXPECTED[kind]
    with pytest.raises(error_type) as info:
        ENTRY_POINTS[entry](path)
    message = str(info.value)
    assert "\n" not in message
    assert words in message
    assert path.name in message
    assert _snapshot(path.parent) == before


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", sorted(VIDEO_ONLY | {"probe"}))
def test_truncated_faststart_is_named_truncated(bad_files: dict[str, Path], entry: str) -> None:
    """A cut-off recording whose header survived: say how much is there."""
    with pytest.raises(CorruptMediaError, match=r"truncated.*frames present|damaged"):
        ENTRY_POINTS[entry](bad_files["truncated_faststart"])


@pytest.mark.parametrize("entry", sorted(VIDEO_ONLY))
def test_audio_only_file_has_no_video(audio_only: Path, entry: str) -> None:
    with pytest.raises(MissingStreamError, match="no video stream"):
        ENTRY_POINTS[entry](audio_only)


@pytest.mark.parametrize("entry", sorted(AUDIO_ONLY))
def test_video_only_file_has_no_audio(shared_media: Path, entry: str) -> None:
    with pytest.raises(MissingStreamError, match="no audio stream"):
        ENTRY_POINTS[entry](shared_media / "counter.mp4")


def test_truncated_file_can_be_salvaged_on_request(bad_files: dict[str, Path]) -> None:
    """Analysis may work on what a cut-off recording holds; probe says it is truncated."""
    info = probe(bad_files["truncated_faststart"], allow_truncated=True)
    assert info.truncated and info.to_json()["truncated"] is True
    assert info.video is not None and 0 < info.video.frames < 50
