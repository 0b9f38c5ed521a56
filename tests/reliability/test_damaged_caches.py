"""Issue 16.13: a truncated thumbnail/waveform cache entry crashed every later run on that
clip (``BadZipFile``). Any unreadable cache entry is now a miss that is rebuilt, and cache
files are written like any other file (fsync before rename, ``0666 & ~umask``)."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.cli import main
from vidi_desktop.media.identity import FileIdentity, entry_dir
from vidi_desktop.media.thumbnails import thumbnails
from vidi_desktop.media.waveform import waveform_peaks


@pytest.fixture
def clip(make_clip, tmp_path: Path) -> Path:
    from vidi_desktop.media.synth import sine

    src = make_clip("rel_cache.mp4", frames=40, rate=Fraction(25), gop=10, audio=sine(300, .4))
    copy = tmp_path / "clip.mp4"  # its own identity: its own cache entries
    copy.write_bytes(src.read_bytes())
    return copy


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 3],
    "empty": lambda data: b"",
    "garbage": lambda data: os.urandom(len(data)),
    "zip-of-nothing": lambda data: data[:30] + b"\0" * 200,
}


def _entries(clip: Path, kind: str) -> list[Path]:
    folder = entry_dir(FileIdentity.of(clip), kind)
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_thumbnail_entry_is_rebuilt(clip, tmp_path, capsys, damage) -> None:
    first = [t.frame for t in thumbnails(clip, count=4, height=60)]
    (entry,) = _entries(clip, "thumbs")
    whole = entry.read_bytes()
    entry.write_bytes(DAMAGE[damage](whole))
    assert main(["thumbs", str(clip), "-n", "4", "--height", "60", "-o", str(tmp_path / "t"),
                 "--json"]) == 0
    assert [d["frame"] for d in json.loads(capsys.readouterr().out)] == first
    assert [t.frame for t in thumbnails(clip, count=4, height=60)] == first
    assert len(entry.read_bytes()) == len(whole)  # rebuilt whole


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_waveform_entry_is_rebuilt(clip, damage) -> None:
    first = waveform_peaks(clip)
    (entry,) = _entries(clip, "waveform")
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    again = waveform_peaks(clip)
    assert again.peaks.shape == first.peaks.shape and (again.peaks == first.peaks).all()


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_frame_table_entry_is_rebuilt(clip, capsys, damage) -> None:
    assert main(["probe", str(clip), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    (entry,) = _entries(clip, "index")
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    assert main(["probe", str(clip), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["video"] == before["video"]


def test_cache_files_have_ordinary_permissions(clip) -> None:
    thumbnails(clip, count=2, height=40)
    mask = os.umask(0o022)
    os.umask(mask)
    for entry in _entries(clip, "thumbs"):
        assert entry.stat().st_mode & 0o777 == 0o666 & ~mask
