"""Decode and seek speed of the media layer, as ratios measured in one run.

1. Analysis decode (``iter_frames``: small gray / RGB frames) against raw PyAV decode of the
   same file (frames decoded, nothing converted). Target: ≥ 0.8×.
2. Exact seek latency p50/p95 over random frame seeks on a generated 1080p H.264 clip with a
   GOP of 250 (and, for context, a GOP of 30), with and without skipping non-reference
   frames during the catch-up decode; plus the latency of showing the nearest keyframe.
3. ``vidi-desktop --help`` cold start (wall time, and ``-X importtime`` cumulative).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"


def make_clip(seconds: int, gop: int) -> Path:
    from vidi_desktop.media.synth import moving_pattern, write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench_1080p_{seconds}s_gop{gop}.mp4"
    if not path.exists():
        print(f"generating {path.name} (once; reused afterwards)…", flush=True)
        tmp = path.with_suffix(".part.mp4")
        write_clip(tmp, frames=seconds * 30, rate=30, size=(1920, 1080), gop=gop,
                   preset="veryfast", crf=23, picture=moving_pattern(1920, 1080))
        tmp.rename(path)
    return path


def raw_decode_fps(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        t = time.perf_counter()
        n = sum(1 for _ in c.decode(s))
        return n / (time.perf_counter() - t)


def analysis_decode_fps(path: Path, fmt: str, max_side: int = 320) -> float:
    from vidi_desktop.media.decode import iter_frames

    list(iter_frames(path, end_frame=1))  # frame table built (and cached) outside the timing
    t = time.perf_counter()
    n = sum(1 for _ in iter_frames(path, fmt=fmt, max_side=max_side))  # type: ignore[arg-type]
    return n / (time.perf_counter() - t)


def decode_ratios(path: Path, rounds: int = 2) -> dict[str, float]:
    """Interleave raw and analysis runs; keep the best of each to damp machine noise."""
    raw, gray, rgb = [], [], []
    for _ in range(rounds):
        raw.append(raw_decode_fps(path))
        gray.append(analysis_decode_fps(path, "gray"))
        rgb.append(analysis_decode_fps(path, "rgb24"))
    best_raw = max(raw)
    return {
        "raw_fps": round(best_raw, 1),
        "gray320_fps": round(max(gray), 1),
        "rgb320_fps": round(max(rgb), 1),
        "gray320_ratio": round(max(gray) / best_raw, 3),
        "rgb320_ratio": round(max(rgb) / best_raw, 3),
    }


def seek_latencies(path: Path, seeks: int, skip_nonref: bool, seed: int = 1) -> dict[str, float]:
    from vidi_desktop.media.reader import VideoReader

    with VideoReader(path, skip_nonref_while_seeking=skip_nonref) as r:
        rng = random.Random(seed)
        targets = [rng.randrange(r.frame_count) for _ in range(seeks)]
        times = []
        for n in targets:
            t = time.perf_counter()
            r.frame(n)
            times.append((time.perf_counter() - t) * 1000)
    return _percentiles(times)


def keyframe_preview_latencies(path: Path, seeks: int, seed: int = 1) -> dict[str, float]:
    """Time to show the keyframe at or before a random target (what a scrub shows first)."""
    from vidi_desktop.media.reader import VideoReader

    with VideoReader(path) as r:
        rng = random.Random(seed)
        frames = r.index.frames
        times = []
        for _ in range(seeks):
            n = frames.keyframe_at_or_before(rng.randrange(r.frame_count))
            r._frames_iter = None  # force a real seek, as a far jump would
            t = time.perf_counter()
            r.frame(n)
            times.append((time.perf_counter() - t) * 1000)
    return _percentiles(times)


def _percentiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(max(ms), 1)}


def cli_start() -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    cmd = [sys.executable, "-m", "vidi_desktop", "--help"]
    subprocess.run(cmd, capture_output=True, check=True, env=env)  # warm the .pyc files
    walls = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        walls.append(time.perf_counter() - t)
    bare = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        bare.append(time.perf_counter() - t)
    it = subprocess.run([sys.executable, "-X", "importtime", "-m", "vidi_desktop", "--help"],
                        capture_output=True, text=True, check=True, env=env)
    cumulative = 0
    for line in it.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and m.group(3) in ("vidi_desktop.cli", "vidi_desktop.__main__"):
            cumulative = max(cumulative, int(m.group(1)))
    return {
        "help_wall_s": round(statistics.median(walls), 3),
        "python_bare_wall_s": round(statistics.median(bare), 3),
        "vidi_imports_ms": round(cumulative / 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=120, help="length of the 1080p clip (120)")
    ap.add_argument("--seeks", type=int, default=200, help="random seeks per measurement (200)")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "media")
    args = ap.parse_args()
    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", tempfile.mkdtemp(prefix="vidi-bench-"))

    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": sys.version}}
    gop250 = make_clip(args.seconds, 250)
    gop30 = make_clip(min(args.seconds, 30), 30)
    results["decode_1080p_gop250"] = decode_ratios(gop250)
    example = args.shared / "example.mp4"
    if example.exists():
        results["decode_example_720p"] = decode_ratios(example)
    results["seek_1080p_gop250"] = seek_latencies(gop250, args.seeks, skip_nonref=True)
    results["seek_1080p_gop250_no_skip"] = seek_latencies(gop250, args.seeks, skip_nonref=False)
    results["keyframe_preview_1080p_gop250"] = keyframe_preview_latencies(gop250, args.seeks)
    results["seek_1080p_gop30"] = seek_latencies(gop30, args.seeks, skip_nonref=True)
    results["cli_start"] = cli_start()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_decode.json"
    out.write_text(json.dumps(results, indent=2))
    for key, value in results.items():
        if key != "machine":
            print(f"{key:34s} {value}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
