"""Scrub proxies: proxy frame n is original frame n, pictures upright, cached, cancellable,
built in chunks — those in view first, then outwards from the playhead — and usable chunk by
chunk while the rest is built."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.proxy import (
    ProxyReader,
    build_order,
    build_proxy,
    built_chunks,
    chunk_file,
    find_proxy,
    partial_proxy,
    plan_chunks,
    proxy_dir,
    wants_proxy,
)
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number


def upscale(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize to (width, height): enough to read the barcode back."""
    h, w = img.shape[:2]
    ys = np.arange(size[1]) * h // size[1]
    xs = np.arange(size[0]) * w // size[0]
    return img[ys][:, xs]


def shown(proxy: ProxyReader, n: int) -> int | None:
    """The frame number written in the proxy's picture for frame ``n``."""
    img = proxy.frame(n).to_ndarray(format="rgb24")
    return read_frame_number(upscale(img, (320, 240)))


@pytest.fixture(scope="module")
def six_gops(make_clip: Callable[..., Path]) -> Path:
    """150 barcode frames in GOPs of 25 (with B-frames): six 25-frame chunks. Proxies are
    cached per file and side, so each test below builds at a side of its own."""
    return make_clip("proxy_six_gops.mp4", frames=150, rate=25, gop=25, bframes=2)


def test_proxy_frames_are_the_original_frames(make_clip: Callable[..., Path]) -> None:
    clip = make_clip("proxy_src.mp4", frames=50, rate=25, gop=25, bframes=2)
    assert find_proxy(clip, 160) is None
    out = build_proxy(clip, side=160, chunk_frames=20)
    assert find_proxy(clip, 160) == out
    assert built_chunks(out) == [(0, 25), (25, 50)]
    proxy = ProxyReader(out, 50)
    try:
        assert proxy.complete
        for n in (0, 1, 2, 24, 25, 37, 49):
            assert max(proxy.frame(n).width, proxy.frame(n).height) <= 160
            assert shown(proxy, n) == n
    finally:
        proxy.close()
    # A second request finds the cached proxy instead of building again.
    first = chunk_file(out, (0, 25))
    mtime = first.stat().st_mtime_ns
    assert build_proxy(clip, side=160, chunk_frames=20) == out
    assert first.stat().st_mtime_ns == mtime


def test_cancelled_build_leaves_nothing(make_clip: Callable[..., Path]) -> None:
    clip = make_clip("proxy_cancel.mp4", frames=30, rate=25)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        build_proxy(clip, side=160, cancel=cancel)
    folder = proxy_dir(FileIdentity.of(clip), 160)
    assert not folder.exists() or not any(folder.iterdir())
    assert find_proxy(clip, 160) is None and partial_proxy(clip, 160) is None


def test_chunks_start_on_keyframes_and_cover_every_frame() -> None:
    keys = [0, 30, 60, 90, 95, 200, 260]
    chunks = plan_chunks(keys, 300, target=50)
    assert chunks == [(0, 60), (60, 200), (200, 260), (260, 300)]
    assert plan_chunks([0], 300, target=50) == [(0, 300)]  # one GOP: one chunk
    assert plan_chunks([], 10, target=50) == [(0, 10)]


def test_order_is_view_first_then_outwards_from_the_playhead() -> None:
    chunks = [(0, 25), (25, 50), (50, 75), (75, 100), (100, 125), (125, 150)]
    # In view: frames 75-99; playhead at 80. Behind it by 6 beats ahead by 20.
    assert build_order(chunks, (75, 99, 80)) == [
        (75, 100), (50, 75), (100, 125), (25, 50), (125, 150), (0, 25)
    ]
    # The whole clip in view (fit): nearest the playhead first, ahead before behind.
    assert build_order(chunks, (0, 149, 62))[:3] == [(50, 75), (75, 100), (25, 50)]
    assert build_order(chunks, None) == chunks


def test_build_does_the_visible_chunks_first(six_gops: Path) -> None:
    built: list[tuple[int, int]] = []
    build_proxy(six_gops, side=96, chunk_frames=25, focus=lambda: (100, 140, 110),
                on_chunk=built.append)
    assert built == [(100, 125), (125, 150), (75, 100), (50, 75), (25, 50), (0, 25)]


def test_a_seek_elsewhere_mid_build_moves_the_work_there(six_gops: Path) -> None:
    built: list[tuple[int, int]] = []
    focus = [(0, 10, 5)]

    def on_chunk(chunk: tuple[int, int]) -> None:
        built.append(chunk)
        focus[0] = (130, 149, 140)  # the editor jumped to the end

    build_proxy(six_gops, side=112, chunk_frames=25, focus=lambda: focus[0],
                on_chunk=on_chunk)
    assert built[:3] == [(0, 25), (125, 150), (100, 125)]


def test_cancelled_build_keeps_its_chunks_and_the_next_one_goes_on(six_gops: Path) -> None:
    cancel = threading.Event()
    first: list[tuple[int, int]] = []

    def stop_after_two(chunk: tuple[int, int]) -> None:
        first.append(chunk)
        if len(first) == 2:
            cancel.set()

    with pytest.raises(CancelledError):
        build_proxy(six_gops, side=128, chunk_frames=25, cancel=cancel,
                    focus=lambda: (50, 60, 55), on_chunk=stop_after_two)
    folder = partial_proxy(six_gops, 128)
    assert folder is not None and find_proxy(six_gops, 128) is None
    assert built_chunks(folder) == sorted(first) == [(25, 50), (50, 75)]
    # What is built serves already; the rest is not pretended.
    proxy = ProxyReader(folder, 150)
    try:
        assert proxy.has(30) and shown(proxy, 30) == 30 and not proxy.has(80)
        assert not proxy.complete
        with pytest.raises(VidiError):
            proxy.frame(80)
    finally:
        proxy.close()
    rest: list[tuple[int, int]] = []
    assert build_proxy(six_gops, side=128, chunk_frames=25, on_chunk=rest.append) == folder
    assert sorted(rest) == [(0, 25), (75, 100), (100, 125), (125, 150)]


def test_a_chunk_with_the_wrong_frame_count_is_refused(six_gops: Path, tmp_path: Path) -> None:
    folder = build_proxy(six_gops, side=144, chunk_frames=25)
    fake = tmp_path / "proxy"
    fake.mkdir()
    # A 25-picture chunk claiming to hold 30 frames: numbering would shift, so never used.
    shutil.copy(chunk_file(folder, (0, 25)), chunk_file(fake, (0, 30)))
    shutil.copy(chunk_file(folder, (50, 75)), chunk_file(fake, (50, 75)))
    proxy = ProxyReader(fake, 150)
    try:
        assert proxy.has(10)
        with pytest.raises(VidiError):
            proxy.frame(10)
        assert not proxy.has(10)
        assert shown(proxy, 60) == 60
    finally:
        proxy.close()


def test_proxy_pictures_are_upright_and_square_pixel(tmp_path: Path) -> None:
    import av

    path = tmp_path / "anamorphic.mp4"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
        vs.codec_context.sample_aspect_ratio = Fraction(2)
        for _ in range(5):
            img = np.full((240, 320, 3), 100, np.uint8)
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    proxy = build_proxy(path, side=160)
    with VideoReader(chunk_file(proxy, (0, 5))) as r:
        h, w = r.array(0).shape[:2]
    assert (w, h) == (160, 60)  # 640x240 as displayed, scaled to fit 160


def test_only_large_footage_wants_a_proxy() -> None:
    assert wants_proxy(1920, 1080)
    assert wants_proxy(1080, 1920)
    assert wants_proxy(1280, 720)
    assert not wants_proxy(720, 576)
    assert not wants_proxy(640, 360)
