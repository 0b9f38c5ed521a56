"""Shared fixtures: isolated cache/data folders, the shared real footage, generated clips."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = Path(os.environ.get("VIDI_SHARED_MEDIA", REPO.parent / "shared" / "media"))


@pytest.fixture(scope="session", autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never touch the user's real cache or data folders from a test."""
    os.environ["VIDI_DESKTOP_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["VIDI_DESKTOP_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """``../shared/media`` with real footage; tests using it skip when it is absent."""
    if not (SHARED_MEDIA / "counter.mp4").is_file():
        pytest.skip(f"shared media not found at {SHARED_MEDIA}")
    return SHARED_MEDIA


@pytest.fixture(scope="session")
def make_clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Write a synthetic clip (``vidi_desktop.media.synth.write_clip``), cached per arguments."""
    from vidi_desktop.media.synth import write_clip

    folder = tmp_path_factory.mktemp("clips")
    made: dict[str, tuple[Path, dict[str, object]]] = {}

    def make(name: str, **kwargs: object) -> Path:
        # Clips are shared across the session by name: two tests asking for the same name
        # with different settings would silently get each other's clip, so refuse that.
        plain = {k: v for k, v in kwargs.items() if not callable(v)}
        if name in made:
            path, settings = made[name]
            if settings != plain:
                raise AssertionError(f"make_clip({name!r}) already made with {settings}")
            return path
        made[name] = (write_clip(folder / name, **kwargs), plain)  # type: ignore[arg-type]
        return made[name][0]

    return make


@pytest.fixture(scope="session")
def small_clip(make_clip: Callable[..., Path]) -> Path:
    """2 s at 29.97 with B-frames, a short GOP, a tone and a drop-frame start timecode."""
    from vidi_desktop.media.synth import sine

    return make_clip(
        "small.mp4",
        frames=60,
        rate=Fraction(30000, 1001),
        gop=12,
        bframes=2,
        audio=sine(440, 0.5),
        timecode="01:00:00;00",
    )


@pytest.fixture(scope="session")
def audio_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AAC-in-M4A file with a 1 s tone and no video."""
    import av
    import numpy as np

    path = tmp_path_factory.mktemp("audio") / "tone.m4a"
    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=48000)
        s.layout = "mono"
        t = np.arange(48000) / 48000
        for start in range(0, 48000, 1024):
            chunk = (0.5 * np.sin(2 * np.pi * 440 * t[start : start + 1024])).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate = 48000
            frame.pts = start
            for pkt in s.encode(frame):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    return path


@pytest.fixture
def umask_027() -> Iterator[None]:
    """Run the test under umask 027 (group may read, others nothing): new files are 0640."""
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)
