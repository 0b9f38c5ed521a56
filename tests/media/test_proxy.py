"""Scrub proxies: proxy frame n is original frame n, pictures upright, cached, cancellable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.proxy import build_proxy, find_proxy, proxy_file, wants_proxy
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number


def upscale(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize to (width, height): enough to read the barcode back."""
    h, w = img.shape[:2]
    ys = np.arange(size[1]) * h // size[1]
    xs = np.arange(size[0]) * w // size[0]
    return img[ys][:, xs]


def test_proxy_frames_are_the_original_frames(make_clip: Callable[..., Path]) -> None:
    clip = make_clip("proxy_src.mp4", frames=50, rate=25, gop=25, bframes=2)
    assert find_proxy(clip, 160) is None
    out = build_proxy(clip, side=160)
    assert find_proxy(clip, 160) == out
    with VideoReader(out) as proxy:
        assert proxy.frame_count == 50
        for n in (0, 1, 2, 24, 25, 37, 49):
            img = proxy.array(n)
            assert max(img.shape[:2]) <= 160
            assert read_frame_number(upscale(img, (320, 240))) == n
    # A second request finds the cached proxy instead of building again.
    mtime = out.stat().st_mtime_ns
    assert build_proxy(clip, side=160) == out and out.stat().st_mtime_ns == mtime


def test_cancelled_build_leaves_nothing(make_clip: Callable[..., Path]) -> None:
    clip = make_clip("proxy_cancel.mp4", frames=30, rate=25)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        build_proxy(clip, side=160, cancel=cancel)
    folder = proxy_file(FileIdentity.of(clip), 160).parent
    assert not folder.exists() or not any(folder.iterdir())
    assert find_proxy(clip, 160) is None


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
    with VideoReader(proxy) as r:
        h, w = r.array(0).shape[:2]
    assert (w, h) == (160, 60)  # 640x240 as displayed, scaled to fit 160


def test_only_large_footage_wants_a_proxy() -> None:
    assert wants_proxy(1920, 1080)
    assert wants_proxy(1080, 1920)
    assert wants_proxy(1280, 720)
    assert not wants_proxy(720, 576)
    assert not wants_proxy(640, 360)
