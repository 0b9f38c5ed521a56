"""Seeks without a finished proxy: the keyframe's picture first, then the exact frame; the
proxy is built where the editor looks first and serves as soon as a part of it is built.
Every picture is read back by the frame number the generated footage carries."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from player_media import shown_number

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.media import proxy as proxy_module
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.proxy import build_proxy, built_chunks, chunk_file, proxy_dir
from vidi_desktop.qt.decode_worker import DecodeThread
from vidi_desktop.qt.player import Player, ShownFrame

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def two_gops(make_clip: Callable[..., Path]) -> Path:
    """120 frames at 25 fps in two GOPs of 60, with B-frames."""
    return make_clip("seek_two_gops.mp4", frames=120, rate=25, gop=60, bframes=2)


@pytest.fixture(scope="module")
def four_gops(make_clip: Callable[..., Path]) -> Path:
    """120 frames at 25 fps in four GOPs of 30: four proxy chunks of 30 frames."""
    return make_clip("seek_four_gops.mp4", frames=120, rate=25, gop=30, bframes=2)


@pytest.fixture
def player(qtbot: object) -> Iterator[Player]:
    p = Player(proxy="never", audio=False)
    yield p
    p.close()


def shown_frames(player: Player) -> list[ShownFrame]:
    frames: list[ShownFrame] = []
    player.frame_shown.connect(frames.append)
    return frames


def wait_exact(qtbot, frames: list[ShownFrame], n: int) -> ShownFrame:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].exact and frames[-1].index == n,
                    timeout=15000)
    return frames[-1]


def test_cold_seek_shows_the_keyframe_then_the_exact_frame(qtbot, player, two_gops,
                                                             monkeypatch):
    # Nothing made ahead: the keyframe (60) is decoded for this seek, on its own.
    monkeypatch.setattr(DecodeThread, "prefetch_keyframes", 0)
    frames = shown_frames(player)
    player.open(two_gops)
    wait_exact(qtbot, frames, 0)
    frames.clear()
    player.seek(110)
    exact = wait_exact(qtbot, frames, 110)
    first = frames[0]
    assert (first.source, first.index, first.target) == ("keyframe", 60, 110)
    assert shown_number(first.image) == 60
    assert shown_number(exact.image) == 110
    assert [f.source for f in frames] == ["keyframe", "exact"]


def test_keyframe_pictures_are_made_ahead_while_paused(qtbot, player, two_gops):
    frames = shown_frames(player)
    player.open(two_gops)
    wait_exact(qtbot, frames, 0)
    thread = player._thread  # the worker's kept previews: what a seek will show at once
    assert thread is not None
    qtbot.waitUntil(lambda: {0, 60} <= set(thread._previews), timeout=15000)
    frames.clear()
    player.seek(100)
    exact = wait_exact(qtbot, frames, 100)
    assert frames[0].source == "keyframe" and shown_number(frames[0].image) == 60
    assert shown_number(exact.image) == 100


def test_a_partly_built_proxy_serves_its_frames_at_once(qtbot, four_gops, monkeypatch):
    monkeypatch.setattr(proxy_module, "CHUNK_FRAMES", 30)
    cancel = threading.Event()
    with pytest.raises(CancelledError):
        # One chunk, the last, built by an earlier session that was closed.
        build_proxy(four_gops, side=160, cancel=cancel, focus=lambda: (90, 119, 100),
                    on_chunk=lambda _c: cancel.set())
    folder = proxy_dir(FileIdentity.of(four_gops), 160)
    assert built_chunks(folder) == [(90, 120)]
    player = Player(proxy="always", proxy_side=160, audio=False)
    try:
        signals: list[str] = []
        player.proxy_grew.connect(lambda _p: signals.append("grew"))
        player.proxy_ready.connect(lambda _p: signals.append("ready"))
        frames = shown_frames(player)
        player.open(four_gops)
        wait_exact(qtbot, frames, 0)
        frames.clear()
        player.seek(100)
        exact = wait_exact(qtbot, frames, 100)
        first = frames[0]
        assert (first.source, first.index) == ("proxy", 100)
        assert shown_number(first.image, coded=(320, 240)) == 100
        assert shown_number(exact.image) == 100
        qtbot.waitUntil(lambda: "ready" in signals, timeout=30000)
        assert signals[0] == "grew"  # in use before the whole proxy was finished
    finally:
        player.close()


def test_the_player_builds_the_chunks_in_view_first(qtbot, four_gops, monkeypatch):
    monkeypatch.setattr(proxy_module, "CHUNK_FRAMES", 30)
    player = Player(proxy="always", proxy_side=144, audio=False)
    try:
        # The timeline shows frames 60-89 (2.4 s to 3.56 s); the playhead stays at 0.
        player.set_proxy_focus(Fraction(60, 25), Fraction(89, 25))
        with qtbot.waitSignal(player.proxy_ready, timeout=30000):
            player.open(four_gops)
        folder = proxy_dir(FileIdentity.of(four_gops), 144)
        order = sorted(built_chunks(folder),
                       key=lambda c: chunk_file(folder, c).stat().st_mtime_ns)
        # In view first, then outwards from the playhead.
        assert order == [(60, 90), (0, 30), (30, 60), (90, 120)]
    finally:
        player.close()


def test_without_timestamps_the_keyframe_comes_from_the_exact_reader(qtbot, player, two_gops,
                                                                     tmp_path, monkeypatch):
    import av

    monkeypatch.setattr(DecodeThread, "prefetch_keyframes", 0)
    raw = tmp_path / "raw.h264"  # an elementary stream: the keyframe decoder refuses it
    with av.open(str(two_gops)) as src, av.open(str(raw), "w", format="h264") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    frames = shown_frames(player)
    player.open(raw)
    wait_exact(qtbot, frames, 0)
    frames.clear()
    player.seek(100)
    exact = wait_exact(qtbot, frames, 100)
    assert frames[0].source == "keyframe" and shown_number(frames[0].image) == 60
    assert shown_number(exact.image) == 100
