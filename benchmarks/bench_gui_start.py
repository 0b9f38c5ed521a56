"""GUI cold start: a fresh process until the main window is shown (target < 2 s).

Each run is a new Python process (offscreen Qt, the built-in backend chosen, isolated
settings and data folders). Two figures per run, both from the moment the parent starts
the child:

* ``shown``: the empty window is on screen (``show()`` returned and events were processed);
* ``frame`` (with ``--clip``, default the bundled example.mp4): the window opened on a clip
  shows its first decoded frame.

It also checks, and fails if not, that neither torch nor transformers was imported by the
time the window shows: those load only when a VLM or the speech analysers actually run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"

_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from vidi_desktop.qt.app import ensure_app, install_message_handler
from vidi_desktop.qt.main_window import MainWindow
install_message_handler()
app = ensure_app()
window = MainWindow(restore_layout=False)
window.show()
app.processEvents()
shown = time.time()
heavy = sorted(m for m in ("torch", "transformers", "faster_whisper", "ctranslate2")
               if m in sys.modules)
frame = None
if len(sys.argv) > 1:
    window.open_paths([sys.argv[1]])
    deadline = time.time() + 60
    while time.time() < deadline:
        app.processEvents()
        if getattr(window.viewer, "current_frame", None) is not None:
            frame = time.time()
            break
        time.sleep(0.002)
print(json.dumps({"shown": shown, "frame": frame, "heavy": heavy,
                  "backend": window.bridge.backend, "modules": len(sys.modules)}))
window._closing = True
window.shutdown()
"""


def run_once(clip: Path | None, env: dict[str, str]) -> dict[str, object]:
    """One cold start; times are seconds since the parent started the child."""
    args = [sys.executable, "-c", _CHILD, *([str(clip)] if clip else [])]
    start = time.time()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["shown_s"] = out["shown"] - start
    out["frame_s"] = out["frame"] - start if out["frame"] else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--clip", type=Path, default=REPO / "resources" / "samples" / "example.mp4",
                    help="clip for the first-frame figure ('' to skip)")
    args = ap.parse_args()
    clip = args.clip if args.clip and str(args.clip) else None
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("DISPLAY", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["VIDI_DESKTOP_DATA_DIR"] = str(Path(tmp) / "data")
        env["VIDI_DESKTOP_CACHE_DIR"] = str(Path(tmp) / "cache")
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # fresh QSettings: builtin chosen
        run_once(None, env)  # warm the OS file cache: "cold" means a new process, not a new disk
        empty = [run_once(None, env) for _ in range(args.runs)]
        with_clip = [run_once(clip, env) for _ in range(args.runs)] if clip else []
    heavy = sorted({m for r in empty + with_clip for m in r["heavy"]})  # type: ignore[union-attr]
    results = {
        "runs": args.runs,
        "backend": empty[0]["backend"],
        "shown_s_median": statistics.median(r["shown_s"] for r in empty),
        "shown_s_max": max(r["shown_s"] for r in empty),
        "first_frame_s_median": (
            statistics.median(r["frame_s"] for r in with_clip if r["frame_s"] is not None)
            if with_clip and all(r["frame_s"] is not None for r in with_clip) else None
        ),
        "heavy_modules_at_show": heavy,
        "modules_at_show": empty[0]["modules"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_gui_start.json").write_text(json.dumps(results, indent=2))
    print(f"backend                      {results['backend']}")
    print(f"window shown (median of {args.runs})   {results['shown_s_median']:.2f} s "
          f"(max {results['shown_s_max']:.2f} s, target < 2 s)")
    if results["first_frame_s_median"] is not None:
        print(f"first frame of {clip.name if clip else ''}   "
              f"{results['first_frame_s_median']:.2f} s")
    print(f"modules loaded at show       {results['modules_at_show']}")
    print(f"torch/transformers at show   {heavy or 'none'}")
    if heavy:
        raise SystemExit(f"FAIL: {heavy} imported before any model ran")
    if results["shown_s_median"] >= 2.0:
        raise SystemExit("FAIL: the window took 2 s or more to show")


if __name__ == "__main__":
    main()
