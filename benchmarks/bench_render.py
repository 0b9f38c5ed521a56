"""Exact-mode render speed as a ratio of a plain PyAV decode + encode of the same frames.

A generated 1080p H.264 clip (30 fps, GOP 60, B-frames, AAC) is cut into five ranges that
start mid-GOP. The baseline seeks to each range's keyframe with PyAV, decodes up to the
range's end and encodes the range's frames with the same x264 settings (no exactness
bookkeeping, no audio). ``render`` (exact mode) is timed on the same ranges without audio,
then with audio, then fast mode; all in one run, best of ``--repeat``. Results go to
``bench-results/bench_render.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"
RATE = 30


def make_clip(seconds: int) -> Path:
    import numpy as np

    from vidi_desktop.media.synth import moving_pattern, write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench_render_1080p_{seconds}s.mp4"
    if not path.exists():
        print(f"generating {path.name} (once; reused afterwards)…", flush=True)
        tmp = path.with_suffix(".part.mp4")
        write_clip(tmp, frames=seconds * RATE, rate=RATE, size=(1920, 1080), gop=60, bframes=2,
                   preset="veryfast", crf=23, picture=moving_pattern(1920, 1080),
                   audio=lambda t: 0.3 * np.sin(2 * np.pi * 440 * t))
        tmp.rename(path)
    return path


def ranges_for(frames: int) -> list[tuple[int, int]]:
    """Five ranges of a tenth of the clip each, starting 17 frames into a GOP."""
    step = frames // 5
    return [(i * step + 17, i * step + 17 + frames // 10) for i in range(5)]


def baseline(path: Path, ranges: list[tuple[int, int]], out: Path) -> int:
    """Plain PyAV: seek, decode, encode the frames in range (video only)."""
    import av

    written = 0
    with av.open(str(path)) as inp, av.open(str(out), "w") as o:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        vs = o.add_stream("libx264", rate=RATE)
        vs.width, vs.height, vs.pix_fmt = vin.width, vin.height, "yuv420p"
        vs.options = {"crf": "18", "preset": "veryfast"}
        tb = Fraction(vin.time_base)
        for first, end in ranges:
            start_pts = int(Fraction(first, RATE) / tb)
            end_pts = int(Fraction(end, RATE) / tb)
            inp.seek(start_pts, stream=vin, backward=True)
            for frame in inp.decode(vin):
                if frame.pts is None or frame.pts < start_pts:
                    continue
                if frame.pts >= end_pts:
                    break
                frame.pts = written
                for p in vs.encode(frame):
                    o.mux(p)
                written += 1
        for p in vs.encode():
            o.mux(p)
    return written


def ours(path: Path, ranges: list[tuple[int, int]], out: Path, **options: object) -> int:
    from vidi_desktop.core.project import EditClip, Project
    from vidi_desktop.core.time import TimeRange
    from vidi_desktop.interchange.render import RenderOptions, render
    from vidi_desktop.interchange.timeline import build_timeline
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    asset = asset_from_probe(probe(path))
    edit = tuple(EditClip.new(asset.id, TimeRange.from_frames(f, e, RATE)) for f, e in ranges)
    timeline = build_timeline(Project(assets=(asset,), edit=edit))
    return render(timeline, out, RenderOptions(**options)).frames  # type: ignore[arg-type]


def best(fn, repeat: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t)
    return min(times), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    clip = make_clip(args.seconds)
    ranges = ranges_for(args.seconds * RATE)
    from vidi_desktop.media.probe import probe

    probe(clip)  # frame table cached outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows = {
            "baseline (PyAV decode+encode, video)": best(
                lambda: baseline(clip, ranges, out / "b.mp4"), args.repeat),
            "render exact, video only": best(
                lambda: ours(clip, ranges, out / "v.mp4", audio=False), args.repeat),
            "render exact, video + audio": best(
                lambda: ours(clip, ranges, out / "a.mp4"), args.repeat),
            "render fast (stream copy)": best(
                lambda: ours(clip, ranges, out / "f.mp4", mode="fast"), args.repeat),
        }
    base = rows["baseline (PyAV decode+encode, video)"][0]
    print(f"{len(ranges)} ranges, {sum(e - f for f, e in ranges)} frames of 1080p30; "
          f"best of {args.repeat}")
    print(f"{'':40} {'seconds':>8} {'frames':>7} {'fps':>7} {'vs baseline':>12}")
    out_rows = []
    for name, (secs, n) in rows.items():
        ratio = base / secs
        print(f"{name:40} {secs:8.2f} {n:7d} {n / secs:7.1f} {ratio:11.2f}x")
        out_rows.append({"name": name, "seconds": round(secs, 3), "frames": n,
                         "speed_vs_baseline": round(ratio, 3)})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_render.json").write_text(json.dumps(out_rows, indent=2))


if __name__ == "__main__":
    main()
