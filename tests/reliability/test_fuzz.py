"""Issue 16 (done-when): 200+ generated and mutated inputs through probe, analyze --shots,
thumbs and render — no crash, no hang.

Seeded, so a failure names an input that fails again. Every command must end with status 0
or 2 (a one-line error), never 1 ("internal error") nor an exception; a case that runs past
``CASE_LIMIT_S`` is a hang. The limit only catches hangs (a case takes about a second);
it measures nothing.

Inputs: small clips of every container the machine can make (PyAV always; MPEG-TS, WebM,
AVI, raw H.264, WAV, MP3, FLAC, GIF with Debian's ffmpeg), unusual but valid ones (one
frame, 2×2 pixels, variable rate, 120 fps, odd sizes), non-media, and seeded mutations of
the clips: bit flips, truncations, zeroed and duplicated blocks, block swaps, header noise.
"""

from __future__ import annotations

import json
import os
import queue
import random
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import FFMPEG, ffmpeg

SEED = 1616
MUTANTS = 190
CASE_LIMIT_S = 120.0
WORKER = Path(__file__).with_name("fuzz_worker.py")


def _bases(folder: Path) -> list[Path]:
    from vidi_desktop.media.synth import sine, write_clip

    small = {"frames": 12, "rate": Fraction(25), "size": (96, 64), "gop": 4}
    bases = [
        write_clip(folder / "b.mp4", bframes=2, audio=sine(440, .3), **small),
        write_clip(folder / "b.mkv", **small),
        write_clip(folder / "b.mov", audio=sine(220, .3), timecode="01:00:00:00", **small),
    ]
    if FFMPEG is not None:
        mp4 = bases[0]
        for name, args in (
            ("b.ts", ("-c", "copy", "-f", "mpegts")),
            ("b.webm", ("-c:v", "libvpx", "-b:v", "200k", "-c:a", "libvorbis")),
            ("b.avi", ("-c:v", "mpeg4", "-c:a", "libmp3lame")),
            ("b.h264", ("-an", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264")),
            ("b.wav", ("-vn",)),
            ("b.mp3", ("-vn", "-c:a", "libmp3lame")),
            ("b.flac", ("-vn", "-c:a", "flac")),
            ("b.gif", ("-an", "-c:v", "gif")),
        ):
            ffmpeg("-i", mp4, *args, folder / name)
            bases.append(folder / name)
    return bases


def _generated(folder: Path) -> list[Path]:
    """Valid but unusual inputs, and things that are not media at all."""
    from vidi_desktop.media.synth import sine, write_clip

    out = [
        write_clip(folder / "g_one_frame.mp4", frames=1, size=(64, 48)),
        write_clip(folder / "g_2x2.mp4", frames=6, size=(2, 2)),
        write_clip(folder / "g_odd.mkv", frames=6, size=(66, 50)),
        write_clip(folder / "g_120fps.mp4", frames=24, rate=Fraction(120), size=(64, 48)),
        write_clip(folder / "g_ntsc.mov", frames=10, rate=Fraction(30000, 1001),
                   size=(64, 48), timecode="00:59:59;28", audio=sine(1000, .2)),
        write_clip(folder / "g_vfr.mp4", frames=10, size=(64, 48),
                   pts=[0, 1, 2, 4, 8, 9, 15, 16, 30, 31], time_base=Fraction(1, 30)),
        write_clip(folder / "g_silence.mp4", frames=8, size=(64, 48), audio=lambda t: t * 0),
    ]
    rng = random.Random(SEED)
    for name, data in (
        ("g_empty.mp4", b""),
        ("g_one_byte.mp4", b"\0"),
        ("g_text.mp4", b"this is not a video\n" * 20),
        ("g_zeros.mkv", bytes(4096)),
        ("g_random.mov", rng.randbytes(8192)),
        ("g_ftyp_only.mp4", b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2"),
        ("g_ebml_only.mkv", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"),
        ("g_ts_sync.ts", b"\x47" + rng.randbytes(187) + b"\x47" + bytes(187)),
        ("g_riff.wav", b"RIFF\xff\xff\xff\x7fWAVEfmt " + rng.randbytes(64)),
    ):
        (folder / name).write_bytes(data)
        out.append(folder / name)
    return out


def _mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    b = bytearray(data)
    op = rng.choice(["flip", "flip", "truncate", "zero", "duplicate", "swap", "header"])
    if op == "flip":
        for _ in range(rng.randint(1, 40)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op == "truncate":
        b = b[: rng.randrange(1, len(b))]
    elif op == "zero":
        i = rng.randrange(len(b))
        n = min(len(b) - i, rng.randint(1, 4096))
        b[i : i + n] = bytes(n)
    elif op == "duplicate":
        i, j = rng.randrange(len(b)), rng.randrange(len(b))
        b[i:i] = b[j : j + rng.randint(1, 8192)]
    elif op == "swap" and len(b) >= 3 * 1024:
        k = len(b) // 1024
        blocks = [b[n * 1024 : (n + 1) * 1024] for n in range(k)]
        x, y = rng.randrange(1, k), rng.randrange(1, k)
        blocks[x], blocks[y] = blocks[y], blocks[x]
        b = bytearray(b"".join(blocks)) + b[k * 1024 :]
    else:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(min(len(b), 512))] = rng.randrange(256)
    return op, bytes(b)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    bases = _bases(folder)
    inputs = _generated(folder)
    rng = random.Random(SEED)
    for i in range(MUTANTS):
        base = bases[i % len(bases)]
        op, data = _mutate(base.read_bytes(), rng)
        path = folder / f"m{i:03d}_{op}{base.suffix}"
        path.write_bytes(data)
        inputs.append(path)
    return inputs


class _Worker:
    """One worker process and a thread that queues its output lines."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def test_fuzzed_inputs_never_crash_nor_hang(corpus, tmp_path) -> None:
    assert len(corpus) >= 200
    failures: list[str] = []
    outcomes: dict[str, int] = {}
    worker = _Worker()
    try:
        for index, path in enumerate(corpus):
            work = tmp_path / f"w{index:03d}"
            worker.send(f"{index}\t{path}\t{work}")
            while True:
                try:
                    line = worker.lines.get(timeout=CASE_LIMIT_S)
                except queue.Empty:
                    failures.append(f"{path.name}: hang (no result in {CASE_LIMIT_S:g} s)")
                    worker.close()
                    worker = _Worker()
                    break
                if line is None:
                    failures.append(f"{path.name}: the worker process died")
                    worker = _Worker()
                    break
                if line.startswith("RESULT "):
                    result = json.loads(line[7:])
                    key = f"{result['argv']}:{result['rc']}"
                    outcomes[key] = outcomes.get(key, 0) + 1
                    err = str(result["err"])
                    if result["rc"] not in (0, 2) or "internal error" in err:
                        failures.append(f"{path.name}: {result['argv']} → {result['rc']}: {err}")
                elif line == f"END {index}":
                    break
    finally:
        worker.close()
    assert not failures, "\n".join(failures[:20])
    # The corpus reaches every command, and some inputs make it through all of them.
    assert outcomes.get("probe:0", 0) > 10 and outcomes.get("probe:2", 0) > 10
    assert any(k.startswith("render-") and k.endswith(":0") for k in outcomes)
