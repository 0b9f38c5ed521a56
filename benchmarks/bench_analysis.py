"""Shots + speech on long footage: speed against raw decode, and memory against duration.

1. Throughput of ``analyze --shots --speech`` on a 2-minute 1080p H.264 clip with speech,
   as a ratio of a raw PyAV decode of the same file's video (target ≥ 0.8×), measured in
   one run.
2. Peak RSS of the same analysis on a 2-minute and a 10-minute clip (360p, same content
   looped): it must stay flat with duration, since frames are streamed and never held.

Each analysis runs in a fresh subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"

_CHILD = r"""
import json, resource, sys, time
from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import analyze_file
from vidi_desktop.core.progress import JobContext
from vidi_desktop.media.probe import probe
probe(sys.argv[1])  # frame table built before timing (cached per file, as in real use)
t = time.perf_counter()
result = analyze_file(sys.argv[1], AnalyzeOptions(shots=True, speech=True), JobContext())
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "shots": len(result.shots or []), "speech": len(result.speech or [])}))
"""


def speech_track(shared: Path):  # type: ignore[no-untyped-def]
    """Mono 48 kHz speech to loop under the picture: example.mp4's voice, else a tone."""
    import numpy as np

    example = shared / "example.mp4"
    if example.exists():
        from vidi_desktop.media.audio import read_audio

        return read_audio(example, rate=48000, layout="mono").samples[0]
    t = np.arange(48000 * 4) / 48000
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (t % 2 < 1)).astype(np.float32)


def make_clip(seconds: int, size: tuple[int, int], shared: Path) -> Path:
    import numpy as np

    from vidi_desktop.media.synth import moving_pattern, write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench_analysis_{size[1]}p_{seconds}s.mp4"
    if path.exists():
        return path
    print(f"generating {path.name} (once)…", flush=True)
    voice = speech_track(shared)
    pattern = moving_pattern(*size)
    # A hard cut every 10 s: alternate the pattern with a shifted, recoloured copy.
    def picture(n: int):  # type: ignore[no-untyped-def]
        img = pattern(n)
        return img if (n // 300) % 2 == 0 else np.ascontiguousarray(img[:, ::-1, ::-1])

    tmp = path.with_suffix(".part.mp4")
    write_clip(tmp, frames=seconds * 30, rate=30, size=size, picture=picture, preset="veryfast",
               audio=lambda t: voice[(t * 48000).astype(np.int64) % len(voice)])
    tmp.rename(path)
    return path


def raw_decode_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        t = time.perf_counter()
        for _ in c.decode(s):
            pass
        return time.perf_counter() - t


def analyse(path: Path) -> dict[str, float]:
    env = {**os.environ}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--long-minutes", type=int, default=10)
    args = ap.parse_args()
    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", tempfile.mkdtemp(prefix="vidi-bench-"))

    hd = make_clip(120, (1920, 1080), args.shared)
    small2 = make_clip(120, (640, 360), args.shared)
    small10 = make_clip(args.long_minutes * 60, (640, 360), args.shared)

    results: dict[str, object] = {}
    raw = min(raw_decode_seconds(hd) for _ in range(2))
    runs = [analyse(hd) for _ in range(2)]
    best = min(runs, key=lambda r: r["seconds"])
    results["1080p_2min"] = {
        "raw_decode_s": round(raw, 2),
        "shots_speech_s": round(best["seconds"], 2),
        "ratio_vs_raw_decode": round(raw / best["seconds"], 3),
        "shots": best["shots"],
        "speech_segments": best["speech"],
        "peak_rss_mb": round(best["peak_rss_mb"]),
    }
    r2, r10 = analyse(small2), analyse(small10)
    results["memory_360p"] = {
        "2min_peak_rss_mb": round(r2["peak_rss_mb"]),
        f"{args.long_minutes}min_peak_rss_mb": round(r10["peak_rss_mb"]),
        "2min_s": round(r2["seconds"], 2),
        f"{args.long_minutes}min_s": round(r10["seconds"], 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_analysis.json").write_text(json.dumps(results, indent=2))
    for k, v in results.items():
        print(f"{k:14s} {v}")


if __name__ == "__main__":
    main()
