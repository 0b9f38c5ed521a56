"""The analysis against raw decode: shots + speech on long footage, and the full default job.

1. Throughput of ``analyze --shots --speech`` on a 2-minute 1080p H.264 clip with speech,
   as a ratio of a raw PyAV decode of the same file's video (target ≥ 0.8×), measured in
   one run.
2. Peak RSS of the same analysis on a 2-minute and a 10-minute clip (360p, same content
   looped): it must stay flat with duration, since frames are streamed and never held.

3. ``--full``: ``vidi-desktop analyze FILE -o project.json`` — the default job, every
   analyser, thumbnails and waveform included, as a whole process with an empty cache — on a
   2-minute 1080p clip with espeak-ng speech (sentences and pauses over a moving picture with
   a cut every 10 s): wall time as a ratio of one raw decode of the same file measured in the
   same rounds (issue 17's target: ≤ 3×), peak RSS (target ≤ 600 MB), CPU seconds, and with
   ``--before DIR`` (repeatable) the same command run by other checkouts (e.g. an extracted
   ``git archive main``) in the same rounds, interleaved.

Each analysis runs in a fresh subprocess so its peak RSS is its own. The machine load
(``os.getloadavg``) is written next to the figures: ratios from one run stay comparable on a
shared machine, absolute seconds do not.
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


SENTENCES = (
    "Welcome back to the workshop, today we are cutting a short documentary together.",
    "The first thing to decide is where the story really starts.",
    "Most interviews open with a few minutes of small talk that nobody will miss.",
    "Listen for the moment the speaker leans in and says something only they could say.",
    "That is usually your opening line.",
    "Next, look at the pauses between answers.",
    "A long silence can be powerful, but three of them in a row will lose the audience.",
    "We keep the breath before an important sentence and remove the dead air after it.",
    "Subtitles should never run across a cut, because the eye resets at every new shot.",
    "Keep each line short enough to read twice in the time it stays on screen.",
    "Now for the highlights, the clips we will post before the film comes out.",
    "A good highlight has a beginning, a turn and an ending, even if it lasts twenty seconds.",
    "Faces matter more than landscapes when the picture is small on a phone.",
    "So when we reframe for a vertical screen, the crop follows the person talking.",
    "If two people talk, the crop moves only at a cut, never in the middle of a sentence.",
    "Let us render a first version and watch it without stopping.",
    "Write down every place where your attention drifts.",
    "Those are the places to tighten tomorrow morning.",
    "Thank you for watching, and see you in the next session.",
)


def talk_track(seconds: float, rate: int = 48000):  # type: ignore[no-untyped-def]
    """espeak-ng reading :data:`SENTENCES` in turn with pauses of 0.3-2.5 s, ``seconds`` long
    (mono float32 at ``rate``); None without espeak-ng."""
    import numpy as np

    from vidi_desktop.media.synth import speak

    rng = np.random.default_rng(17)
    track = np.zeros(int(seconds * rate), np.float32)
    at, k = int(0.8 * rate), 0
    try:
        while at < len(track):
            voice = speak(SENTENCES[k % len(SENTENCES)], rate=rate)
            end = min(len(track), at + len(voice))
            track[at:end] = voice[: end - at]
            at = end + int(rng.uniform(0.3, 2.5) * rate)
            k += 1
    except FileNotFoundError:
        return None
    return track


def speech_track(shared: Path):  # type: ignore[no-untyped-def]
    """Mono 48 kHz speech to loop under the picture: example.mp4's voice, else a tone."""
    import numpy as np

    example = shared / "example.mp4"
    if example.exists():
        from vidi_desktop.media.audio import read_audio

        return read_audio(example, rate=48000, layout="mono").samples[0]
    t = np.arange(48000 * 4) / 48000
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (t % 2 < 1)).astype(np.float32)


def make_clip(seconds: int, size: tuple[int, int], shared: Path, talk: bool = False,
              preset: str = "veryfast") -> Path:
    import numpy as np

    from vidi_desktop.media.synth import moving_pattern, write_clip

    RESULTS.mkdir(exist_ok=True)
    extra = ("_talk" if talk else "") + ("" if preset == "veryfast" else f"_{preset}")
    path = RESULTS / f"bench_analysis_{size[1]}p_{seconds}s{extra}.mp4"
    if path.exists():
        return path
    print(f"generating {path.name} (once)…", flush=True)
    voice = talk_track(seconds) if talk else speech_track(shared)
    if voice is None:
        raise SystemExit("espeak-ng is needed for the talk clip (apt-get install espeak-ng)")
    pattern = moving_pattern(*size)
    # A hard cut every 10 s: alternate the pattern with a shifted, recoloured copy.
    def picture(n: int):  # type: ignore[no-untyped-def]
        img = pattern(n)
        return img if (n // 300) % 2 == 0 else np.ascontiguousarray(img[:, ::-1, ::-1])

    tmp = path.with_suffix(".part.mp4")
    write_clip(tmp, frames=seconds * 30, rate=30, size=size, picture=picture, preset=preset,
               audio=lambda t: voice[(t * 48000).astype(np.int64) % len(voice)])
    tmp.rename(path)
    return path


def raw_decode_seconds(path: Path, cpu: list[float] | None = None) -> float:
    """Wall seconds of one PyAV decode of the video (frame threads); its CPU seconds are
    appended to ``cpu`` when given."""
    import resource

    import av

    def used() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        t, u = time.perf_counter(), used()
        for _ in c.decode(s):
            pass
        if cpu is not None:
            cpu.append(used() - u)
        return time.perf_counter() - t


def analyse(path: Path, child: str = _CHILD, checkout: Path = REPO) -> dict[str, float]:
    """Run ``child`` on ``path`` in a fresh interpreter with ``checkout``'s code."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True,
                         text=True, env=env, cwd=checkout)
    if out.returncode != 0:
        raise SystemExit(f"analysis failed in {checkout}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_analyze(path: Path, checkout: Path) -> dict[str, float]:
    """``vidi-desktop analyze FILE -o project.json`` (the default job) as a whole process of
    ``checkout``'s code with an empty cache: wall seconds, peak RSS, suggestions by source."""
    with tempfile.TemporaryDirectory(prefix="vidi-full-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(checkout), "VIDI_DESKTOP_CACHE_DIR": tmp}
        project = Path(tmp) / "project.json"
        cmd = [sys.executable, "-m", "vidi_desktop", "analyze", str(path), "-o", str(project)]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        err = proc.stderr.read() if proc.stderr else ""
        if status != 0:
            raise SystemExit(f"analyze failed in {checkout}:\n{err[-3000:]}")
        doc = json.loads(project.read_text())
    sources: dict[str, int] = {}
    for s in doc.get("suggestions", []):
        sources[s["source"]] = sources.get(s["source"], 0) + 1
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime, **sources}


def full_job(path: Path, rounds: int, before: list[Path]) -> dict[str, object]:
    """The default job beside raw decode (and other checkouts), interleaved, best of each."""
    raws: list[float] = []
    raw_cpu: list[float] = []
    checkouts = {"after": REPO}
    for other in before:  # "before", or "before <folder name>" for several
        checkouts["before" if len(before) == 1 else f"before {other.name}"] = other
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    loads = [os.getloadavg()[0]]
    for _ in range(rounds):
        raws.append(raw_decode_seconds(path, raw_cpu))
        for name, checkout in checkouts.items():
            runs[name].append(cli_analyze(path, checkout))
            loads.append(os.getloadavg()[0])
    raw = min(raws)
    out: dict[str, object] = {
        "clip": path.name, "raw_decode_s": round(raw, 2), "raw_decode_cpu_s": round(min(raw_cpu), 1)
    }
    for name, results in runs.items():
        best = min(results, key=lambda r: r["seconds"])
        out[name] = {
            "seconds": round(best["seconds"], 2),
            "ratio_to_raw_decode": round(best["seconds"] / raw, 2),
            "cpu_s": round(best["cpu_s"], 1),
            "cpu_ratio_to_raw_decode": round(best["cpu_s"] / min(raw_cpu), 2),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results)),
            **{k: v for k, v in best.items() if k.startswith("builtin.")},
        }
    out["load_avg_1min"] = [round(x, 1) for x in loads]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--long-minutes", type=int, default=10)
    ap.add_argument("--full", action="store_true", help="the default job only (see above)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds for --full (2)")
    ap.add_argument("--before", type=Path, action="append", default=[],
                    help="another checkout run in the same rounds (repeat for several)")
    ap.add_argument("--preset", default="veryfast",
                    help="x264 preset of the --full clip: veryfast (CABAC, deblocking, B-frames"
                         " like camera footage) or ultrafast (cheap to decode)")
    args = ap.parse_args()
    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", tempfile.mkdtemp(prefix="vidi-bench-"))
    if args.full:
        talk = make_clip(120, (1920, 1080), args.shared, talk=True, preset=args.preset)
        full = full_job(talk, args.rounds, args.before)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "bench_analysis_full.json").write_text(json.dumps(full, indent=2))
        for k, v in full.items():
            print(f"{k:14s} {v}")
        return

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
