"""Batch costs per minute of footage, per analyser, and a paper estimate for 500 hours.

1. **Per analyser**: each analyser option alone (with what it needs underneath: highlights
   and reframe run shots and faces too, subtitles run voice activity), timed on real footage
   from ``../shared/media`` (720p/576p, with and without speech) and a generated 2-minute
   1080p H.264 clip with speech (``bench_analysis.py``'s), after a warm-up that loads every
   model once — as a batch worker does. Reported as wall seconds and CPU seconds (all
   threads) per minute of footage, and results bytes (project + JSON) per minute.
2. **Probe**: the frame-table scan every task does first, on a cold cache.
3. **Batch throughput**: ``run_batch`` over the same files (shots only), in this process
   and with two worker processes — minutes of footage per minute of wall time.
4. **500 hours on paper** from the measured CPU seconds per minute (see ``docs/batch.md``).

    .venv/bin/python benchmarks/bench_batch.py            # everything (~10 min on 2 cores)
    .venv/bin/python benchmarks/bench_batch.py --quick    # real clips only, fewer options
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "bench-results"

CONFIGS: dict[str, dict[str, Any]] = {
    "shots": {"shots": True},
    "speech": {"speech": True},
    "subtitles": {"subtitles": True},
    "faces": {"faces": True},
    "people": {"people": True},
    "highlights": {"highlights": 3},
    "reframe": {"reframe": "9:16"},
    "everything": {"shots": True, "speech": True, "subtitles": True, "faces": True,
                   "highlights": 3, "reframe": "9:16"},
}
QUICK = ("shots", "subtitles", "faces", "everything")
HOURS = 500


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def footage(shared: Path, quick: bool) -> list[Path]:
    files = [shared / n for n in ("example.mp4", "testvideo.mp4", "issue-195-aspect-ratio.mp4")]
    files = [f for f in files if f.exists()]
    if not quick:
        from bench_analysis import make_clip

        files.append(make_clip(120, (1920, 1080), shared))
    if not files:
        sys.exit("no footage: ../shared/media is missing and --quick was given")
    return files


def time_analysis(path: Path, name: str) -> dict[str, float]:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import analyze_file
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.core.project.schema import dumps
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.batch import build_project

    options = AnalyzeOptions(**CONFIGS[name], thumbnails=0, waveform=False)
    info = probe(path, allow_truncated=True)
    wall, cpu = time.perf_counter(), cpu_seconds()
    analysis = analyze_file(path, options, JobContext(), info)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    minutes = float(info.duration) / 60
    analysis.audio = None
    out_bytes = len(dumps(build_project(analysis, path.name, "2000-01-01T00:00:00+00:00")))
    out_bytes += len(json.dumps(analysis.to_json(options)))
    return {
        "minutes": round(minutes, 4),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "wall_s_per_min": round(wall / minutes, 2),
        "cpu_s_per_min": round(cpu / minutes, 2),
        "results_kb_per_min": round(out_bytes / 1024 / minutes, 1),
        "object_kb_per_min": round(len(pickle.dumps(analysis)) / 1024 / minutes, 1),
    }


def time_probe(files: list[Path]) -> dict[str, float]:
    from vidi_desktop.media.probe import probe

    cold = tempfile.mkdtemp(prefix="vidi-bench-probe-")
    old = os.environ.get("VIDI_DESKTOP_CACHE_DIR")
    os.environ["VIDI_DESKTOP_CACHE_DIR"] = cold
    try:
        wall = time.perf_counter()
        minutes = sum(float(probe(f).duration) / 60 for f in files)
        wall = time.perf_counter() - wall
    finally:
        if old is not None:
            os.environ["VIDI_DESKTOP_CACHE_DIR"] = old
        shutil.rmtree(cold, ignore_errors=True)
    return {"minutes": round(minutes, 3), "wall_s_per_min": round(wall / minutes, 3)}


def time_batch(files: list[Path], workers: int) -> dict[str, float]:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.services.batch import BatchSettings, run_batch

    src = Path(tempfile.mkdtemp(prefix="vidi-bench-batch-src-"))
    out = Path(tempfile.mkdtemp(prefix="vidi-bench-batch-out-"))
    try:
        for f in files:
            (src / f.name).symlink_to(f)
        settings = BatchSettings(AnalyzeOptions(shots=True), workers=workers,
                                 chunk_seconds=Fraction(600))
        wall = time.perf_counter()
        result = run_batch([src], out, settings)
        wall = time.perf_counter() - wall
        minutes = sum(e.duration or 0 for e in result.index.done()) / 60
    finally:
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return {"workers": workers, "minutes": round(minutes, 3), "wall_s": round(wall, 2),
            "footage_min_per_wall_min": round(minutes / (wall / 60), 2)}


def estimate(per_min: dict[str, dict[str, float]], hours: int = HOURS) -> dict[str, Any]:
    """Core-hours for ``hours`` of footage from CPU seconds per minute (the 1080p figure
    where measured, else the worst real clip), and wall time on a few cluster sizes."""
    minutes = hours * 60
    out: dict[str, Any] = {}
    for name, row in per_min.items():
        core_hours = row["cpu_s_per_min"] * minutes / 3600
        out[name] = {
            "cpu_s_per_min": row["cpu_s_per_min"],
            "core_hours": round(core_hours, 1),
            # 85 % of the cores kept busy (stragglers, start-up, the driver's writes).
            "wall_h_on_64_cores": round(core_hours / (64 * 0.85), 2),
            "wall_h_on_512_cores": round(core_hours / (512 * 0.85), 2),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--quick", action="store_true", help="real clips and four options only")
    ap.add_argument("--configs", help="comma-separated subset of: " + ",".join(CONFIGS))
    args = ap.parse_args()
    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", tempfile.mkdtemp(prefix="vidi-bench-"))
    files = footage(args.shared, args.quick)
    names = args.configs.split(",") if args.configs else list(QUICK if args.quick else CONFIGS)

    # Warm-up: every model loaded once (silero, Whisper, CenterFace), caches built.
    warm = args.shared / "example.mp4" if (args.shared / "example.mp4").exists() else files[0]
    time_analysis(warm, "everything")
    for f in files:
        time_analysis(f, "shots")

    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        rows[name] = {f.name: time_analysis(f, name) for f in files}
        line = "  ".join(f"{k}: {v['wall_s_per_min']:6.2f} s/min (cpu {v['cpu_s_per_min']:6.2f})"
                         for k, v in rows[name].items())
        print(f"{name:11s} {line}", flush=True)
    # Basis of the estimate: the 1080p clip where measured, else the slowest real clip.
    basis = {}
    for name, per_file in rows.items():
        hd = [v for k, v in per_file.items() if "1080p" in k]
        basis[name] = hd[0] if hd else max(per_file.values(), key=lambda v: v["cpu_s_per_min"])
    results = {
        "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()},
        "per_analyser": rows,
        "probe_cold": time_probe(files),
        "batch_shots": [time_batch(files, 1), time_batch(files, 2)],
        "estimate_500h": estimate(basis),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_batch.json").write_text(json.dumps(results, indent=2))
    print("probe (cold cache):", results["probe_cold"])
    for b in results["batch_shots"]:
        print("batch shots:", b)
    print(f"\n{HOURS} hours of footage (CPU seconds per minute → core-hours):")
    for name, e in results["estimate_500h"].items():
        print(f"  {name:11s} {e['cpu_s_per_min']:7.2f} cpu-s/min  {e['core_hours']:8.1f} "
              f"core-h  {e['wall_h_on_64_cores']:6.2f} h on 64 cores  "
              f"{e['wall_h_on_512_cores']:6.2f} h on 512")


if __name__ == "__main__":
    main()
