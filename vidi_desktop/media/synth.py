"""Synthetic footage with known content, written with PyAV (libx264 / AAC).

Tests, benchmarks and evaluation sets need clips whose truth is known by construction. Each
frame carries its own number as a barcode (``FRAME_BITS`` large black/white blocks along the
top edge) that survives compression, so a decoded picture tells which frame it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

FRAME_BITS = 20
_BLOCK = 16  # pixel size of one barcode block; large enough to survive H.264 at any CRF


def stamp_frame_number(img: np.ndarray, n: int) -> None:
    """Draw ``n`` as a barcode across the top-left of an RGB image (in place)."""
    for bit in range(FRAME_BITS):
        value = 235 if (n >> bit) & 1 else 16
        x = bit * _BLOCK
        img[0:_BLOCK, x : x + _BLOCK] = value


def read_frame_number(img: np.ndarray) -> int:
    """Decode the barcode drawn by :func:`stamp_frame_number` (RGB or gray image)."""
    gray = img if img.ndim == 2 else img[..., 1]
    n = 0
    for bit in range(FRAME_BITS):
        x = bit * _BLOCK
        block = gray[4 : _BLOCK - 4, x + 4 : x + _BLOCK - 4]
        if block.mean() > 128:
            n |= 1 << bit
    return n


def moving_pattern(width: int, height: int, seed: int = 0) -> Callable[[int], np.ndarray]:
    """A textured picture that pans and changes slowly, costing a realistic decode."""
    rng = np.random.default_rng(seed)
    tex = rng.integers(0, 96, size=(height // 16 + 2, width // 16 + 2, 3), dtype=np.uint8)
    tex = np.repeat(np.repeat(tex, 16, axis=0), 16, axis=1)
    xs = np.arange(width)
    ys = np.arange(height)

    def make(n: int) -> np.ndarray:
        dx = (n * 3) % 8
        wave_x = (np.sin((xs + n * 5) / 40.0) * 40 + 64).astype(np.uint8)
        wave_y = (np.cos((ys - n * 3) / 30.0) * 40 + 40).astype(np.uint8)
        img = tex[:height, dx : dx + width] + wave_x[None, :, None]
        img += wave_y[:, None, None]
        return img

    return make


def flat_color(rgb: tuple[int, int, int], width: int, height: int) -> Callable[[int], np.ndarray]:
    """Every frame one colour (plus the barcode when stamped)."""

    def make(n: int) -> np.ndarray:
        img = np.empty((height, width, 3), np.uint8)
        img[...] = rgb
        return img

    return make


def write_clip(
    path: str | os.PathLike[str],
    *,
    frames: int,
    rate: Fraction | int = 25,
    size: tuple[int, int] = (320, 240),
    picture: Callable[[int], np.ndarray] | None = None,
    stamp: bool = True,
    gop: int | None = None,
    bframes: int | None = None,
    crf: int = 23,
    preset: str = "ultrafast",
    timecode: str | None = None,
    audio: Callable[[np.ndarray], np.ndarray] | None = None,
    sample_rate: int = 48000,
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
    faststart: bool = False,
) -> Path:
    """Encode a clip of ``frames`` pictures made by ``picture(n)``.

    ``audio(t)`` maps sample times in seconds to mono samples in [-1, 1] (AAC, stereo out).
    ``pts`` (in ``time_base``) makes a variable-frame-rate clip with exactly those stamps.
    """
    import av

    p = Path(path)
    w, h = size
    picture = picture or moving_pattern(w, h)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(p), mode="w", options=options) as out:
        vs = out.add_stream("libx264", rate=Fraction(rate))
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        opts = {"crf": str(crf), "preset": preset}
        if gop is not None:
            opts["g"] = str(gop)
            opts["keyint_min"] = str(gop)
            opts["sc_threshold"] = "0"
        if bframes is not None:
            opts["bf"] = str(bframes)
        vs.options = opts
        if time_base is not None:
            vs.codec_context.time_base = time_base
            vs.time_base = time_base
        if timecode:
            vs.metadata["timecode"] = timecode
        as_ = None
        if audio is not None:
            as_ = out.add_stream("aac", rate=sample_rate)
            as_.layout = "stereo"
        for n in range(frames):
            img = picture(n)
            if stamp:
                stamp_frame_number(img, n)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            if pts is not None:
                vf.pts = pts[n]
                vf.time_base = time_base
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        if as_ is not None and audio is not None:
            duration = Fraction(frames) / Fraction(rate)
            total = int(duration * sample_rate)
            chunk = 1024
            for start in range(0, total, chunk):
                t = (np.arange(start, min(total, start + chunk)) / sample_rate).astype(np.float64)
                mono = np.asarray(audio(t), dtype=np.float32)
                stereo = np.ascontiguousarray(np.stack([mono, mono]))
                af = av.AudioFrame.from_ndarray(stereo, format="fltp", layout="stereo")
                af.sample_rate = sample_rate
                af.pts = start
                for pkt in as_.encode(af):
                    out.mux(pkt)
            for pkt in as_.encode():
                out.mux(pkt)
    return p


def sine(freq: float = 440.0, level: float = 0.5) -> Callable[[np.ndarray], np.ndarray]:
    """A tone for audio tests."""
    return lambda t: level * np.sin(2 * np.pi * freq * t)


def speak(text: str, voice: str = "en-us", wpm: int = 150, rate: int = 16000) -> np.ndarray:
    """``text`` spoken by espeak-ng (Debian's ``espeak-ng``) at ``rate`` Hz, mono float32.

    Leading and trailing silence is trimmed and the peak set to 0.7, so the speech starts
    at sample 0 and can be placed at a known time. Raises FileNotFoundError without
    espeak-ng: callers (tests, evaluations) skip then.
    """
    import io
    import subprocess
    import wave

    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        src_rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
    t = np.arange(int(len(x) * rate / src_rate)) / rate
    y = np.interp(t, np.arange(len(x)) / src_rate, x)
    loud = np.flatnonzero(np.abs(y) > 0.002)
    if loud.size == 0:
        return np.zeros(0, np.float32)
    return (0.7 * y[loud[0] : loud[-1] + 1] / np.abs(y).max()).astype(np.float32)
