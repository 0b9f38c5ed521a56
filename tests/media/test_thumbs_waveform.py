"""Thumbnails and waveform peaks: right content, cached by file identity, rebuilt on change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.media import thumbnails as thumbs_module
from vidi_desktop.media.identity import CACHE_VERSION, FileIdentity, entry_dir
from vidi_desktop.media.synth import flat_color, read_frame_number, write_clip
from vidi_desktop.media.thumbnails import thumbnails
from vidi_desktop.media.waveform import waveform_peaks


def test_thumbnails_spread_over_the_clip(small_clip: Path) -> None:
    thumbs = thumbnails(small_clip, count=4, height=60)
    assert len(thumbs) == 4
    assert all(t.image.shape == (60, 80, 3) for t in thumbs)
    frames = [t.frame for t in thumbs]
    assert frames == sorted(frames) and frames[0] < 15 and frames[-1] >= 45
    # Each thumbnail reports the frame it really shows (the barcode is scaled down, so
    # check on a full-size decode of the same frame number instead).
    for t in thumbs:
        assert t.time.seconds * 30000 == t.frame * 1001


def test_thumbnail_shows_its_frame(tmp_path: Path) -> None:
    """Big barcode blocks survive a 4x downscale: read the number off the thumbnail."""
    clip = write_clip(tmp_path / "big.mp4", frames=40, rate=25, size=(1280, 720), gop=40)
    for t in thumbnails(clip, count=5, height=720):
        assert read_frame_number(t.image) == t.frame


def test_rotated_and_anamorphic_thumbnails(shared_media: Path) -> None:
    (rot,) = thumbnails(shared_media / "issue-134-rotate.mp4", count=1, height=100)
    assert rot.image.shape[0] == 100 and rot.image.shape[1] < 100  # portrait when displayed
    (sar,) = thumbnails(shared_media / "issue-195-aspect-ratio.mp4", count=1, height=90)
    assert sar.image.shape == (90, 160, 3)  # 16:9 on screen, not 704:576


def test_second_call_is_served_from_cache(small_clip: Path, monkeypatch) -> None:
    first = thumbnails(small_clip, count=3, height=40)
    key = FileIdentity.of(small_clip)
    assert (entry_dir(key, "thumbs") / "n3_h40.npz").is_file()
    assert f"v{CACHE_VERSION}" in str(entry_dir(key, "thumbs"))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(thumbs_module, "VideoReader", no_decoding)
    second = thumbnails(small_clip, count=3, height=40)
    assert [t.frame for t in second] == [t.frame for t in first]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(first, second, strict=True))


def test_cache_follows_file_identity(tmp_path: Path) -> None:
    """A file replaced in place (new mtime/size) gets fresh thumbnails, not stale ones."""
    red = write_clip(tmp_path / "red.mp4", frames=10, rate=25, picture=flat_color((220, 20, 20),
                     320, 240), stamp=False)
    blue = write_clip(tmp_path / "blue.mp4", frames=12, rate=25, picture=flat_color((20, 20, 220),
                      320, 240), stamp=False)
    target = tmp_path / "clip.mp4"
    shutil.copy(red, target)
    (t1,) = thumbnails(target, count=1, height=40)
    assert t1.image[20, 20, 0] > 150
    shutil.copy(blue, target)
    os.utime(target, ns=(1, target.stat().st_mtime_ns + 10**9))
    (t2,) = thumbnails(target, count=1, height=40)
    assert t2.image[20, 20, 2] > 150 and t2.image[20, 20, 0] < 100


def test_corrupt_cache_entry_is_rebuilt(small_clip: Path) -> None:
    thumbnails(small_clip, count=2, height=30)
    entry = entry_dir(FileIdentity.of(small_clip), "thumbs") / "n2_h30.npz"
    entry.write_bytes(b"garbage")
    assert len(thumbnails(small_clip, count=2, height=30)) == 2


def test_count_must_be_positive(small_clip: Path) -> None:
    with pytest.raises(ValueError):
        thumbnails(small_clip, count=0)


def test_waveform_follows_the_sound(tmp_path: Path) -> None:
    """Tone for the first second, silence for the second: peaks show exactly that."""
    clip = write_clip(
        tmp_path / "tone_then_silence.mp4",
        frames=50,
        rate=25,
        audio=lambda t: np.where(t < 1.0, 0.5 * np.sin(2 * np.pi * 300 * t), 0.0),
    )
    wf = waveform_peaks(clip, peaks_per_second=100)
    assert wf.peaks.shape[1] == 2 and abs(wf.peaks.shape[0] - 200) <= 3
    loud = wf.peaks[10:90]
    quiet = wf.peaks[115:190]
    assert (loud[:, 1] > 0.3).all() and (loud[:, 0] < -0.3).all()
    assert np.abs(quiet).max() < 0.02
    coarse = wf.reduce(10)
    assert coarse.peaks_per_second == 10 and coarse.peaks.shape[0] == wf.peaks.shape[0] // 10
    assert coarse.peaks[2, 1] == loud[10:20, 1].max()


def test_waveform_cached(small_clip: Path, monkeypatch) -> None:
    first = waveform_peaks(small_clip)
    from vidi_desktop.media import waveform as waveform_module

    monkeypatch.setattr(waveform_module, "read_audio", lambda *a, **k: 1 / 0)
    second = waveform_peaks(small_clip)
    assert np.array_equal(first.peaks, second.peaks) and first.start == second.start
