"""Transcription cost and peak memory against footage length (10, 30, 60 minutes of talk).

Each length is a fresh process that transcribes a generated talk (``talk_media.py``: AAC,
espeak-ng sentences with pauses) the way the built-in backend does — audio decoded with voice
activity alongside, Whisper tiny.en over the speech in bounded windows — and reports wall
seconds, seconds per minute of footage and peak RSS (``wait4``). ``--repo`` runs another
checkout's code (e.g. the commit before this change) with the same script, for a
before/after on one machine; it calls ``transcribe(path)``, the API both share.

Run: ``.venv/bin/python benchmarks/bench_transcribe_memory.py [--minutes 10,30,60]
[--repo ../old-checkout]``; figures go to ``bench-results/bench_transcribe_memory.json``.
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "bench-results"

_CHILD = r"""
import json, sys, time
from vidi_desktop.analysis.transcript import transcribe
started = time.perf_counter()
transcript = transcribe(sys.argv[1])
print(json.dumps({"s": time.perf_counter() - started, "words": len(transcript.words)}))
"""


def measure(path: Path, repo: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo)
    env["VIDI_DESKTOP_CACHE_DIR"] = tempfile.mkdtemp(prefix="vidi-mem-")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # In the checkout itself: ``python -c`` puts the working folder first on sys.path.
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], stdout=out,
                                stderr=err, env=env, cwd=repo)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(err.read().decode(errors="replace")[-1500:])
        doc = json.loads(out.read().decode().strip().splitlines()[-1])
    return {"process_s": round(wall, 2), "transcribe_s": round(doc["s"], 2),
            "words": doc["words"], "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="10,30,60")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose code to run")
    args = parser.parse_args(argv)
    from talk_media import talk_audio

    doc: dict[str, Any] = {"repo": str(args.repo), "load_before": os.getloadavg(), "runs": {}}
    for minutes in (float(m) for m in args.minutes.split(",")):
        path = talk_audio(minutes)
        run = measure(path, args.repo.resolve())
        run["s_per_footage_minute"] = round(run["transcribe_s"] / minutes, 2)
        doc["runs"][f"{minutes:g}"] = run
        print(f"{minutes:g} min: {json.dumps(run)}", flush=True)
    doc["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    name = "bench_transcribe_memory.json" if args.repo.resolve() == REPO else (
        f"bench_transcribe_memory-{args.repo.resolve().name}.json")
    (RESULTS / name).write_text(json.dumps(doc, indent=2))
    print("load:", doc["load_before"], "→", doc["load_after"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
