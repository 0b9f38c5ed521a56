"""Issue 16.15 (window): a file name containing ``|`` broke the timeline's thumbnail and
waveform cache keys ("thumbs|path|count|height" split on every ``|``)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction
from pathlib import Path

from vidi_desktop.qt.timeline_media import MediaStore


def test_thumbnails_and_waveform_of_a_file_with_pipes(qtbot, make_clip, tmp_path) -> None:
    from vidi_desktop.media.synth import sine

    src = make_clip("rel_pipe.mp4", frames=30, rate=Fraction(25), gop=10, audio=sine(500, .4))
    clip = tmp_path / "take|1|final.mp4"
    clip.write_bytes(Path(src).read_bytes())
    path = str(clip)
    store = MediaStore()
    ready: list[tuple[str, int]] = []
    waves: list[str] = []
    store.thumbnails_ready.connect(lambda p, n: ready.append((p, n)))
    store.waveform_ready.connect(waves.append)
    assert store.thumbnails(path, 4, 40) is None and store.waveform(path) is None
    assert not store.is_done(path)
    assert store.wait(60000)
    qtbot.waitUntil(lambda: store.is_done(path), timeout=60_000)
    assert ready == [(path, 4)] and waves == [path]
    strip = store.thumbnails(path, 4, 40)
    assert strip is not None and len(strip.images) == 4
    assert store.best_thumbnails(path, 40) is strip
    assert store.best_thumbnails(path, 41) is None
    assert store.waveform(path) is not None
    store.shutdown()
