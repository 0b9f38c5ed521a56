"""Quitting while work runs (target < 1 s): close the window during an analysis and a proxy
build, until the process has ended.

Each run is a fresh process (offscreen Qt, the built-in backend, isolated settings, data
and cache folders, so the scrub proxy is built from scratch). It opens a generated clip
(``--seconds`` of 1280x720 at 25 fps, cached in ``bench-results/``) with the scrub proxy
forced on, sends ``--request`` (default "split into scenes": a decode pass over the whole
clip), and once the analysis reports progress and the proxy build runs, closes the window
the way the editor does (``close()`` from inside the event loop: the close event, saving the
layout, stopping the workers; the last window closed ends the loop, ``aboutToQuit`` runs),
then ends the way ``vidi-desktop`` ends after its event loop (``qt.quitting.leave``).
Three figures per run, from the moment ``close()`` is called:

* ``close``: until ``close()`` returns (the window is gone from the screen);
* ``loop``: until the event loop has returned;
* ``exit``: until the process has ended (measured by the parent).

``--repo PATH`` runs another checkout (e.g. the branch before this change) for comparison;
a checkout without ``qt.quitting`` simply returns from the script after closing.

    .venv/bin/python benchmarks/bench_quit.py                 # 3 runs, scenes
    .venv/bin/python benchmarks/bench_quit.py --request "where does the picture change?" \
        --when started     # a typed request, closed while the router loads
    .venv/bin/python benchmarks/bench_quit.py --repo ../other-checkout
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
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"

_CHILD = r"""
import json, os, sys, threading, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from vidi_desktop.qt.app import ensure_app, install_message_handler
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
install_message_handler()
mw.ask_save_changes = lambda *a: "discard"  # the editor answers "Don't save" at once
app = ensure_app()
clip, request, when = sys.argv[1], sys.argv[2], sys.argv[3]
window = MainWindow(restore_layout=False)
window.interactive = False
window.viewer.player._proxy_mode = "always"  # the proxy build is part of the test
window.show()
progress = []
window.bridge.progress.connect(lambda rid, f, m: progress.append(f))
window.open_paths([clip])
deadline = time.time() + 300
asked = False
def proxy_running():
    return any(t.name == "vidi-proxy" and t.is_alive() for t in threading.enumerate())
while time.time() < deadline:
    app.processEvents()
    if not asked and window.session.asset_id:
        window.request_box.ask(request)
        asked = True
    started = bool(progress) if when == "started" else any(
        isinstance(f, float) and f > 0 for f in progress)
    if asked and started and proxy_running():
        break
    time.sleep(0.005)
else:
    print(json.dumps({"error": "the analysis or the proxy build did not start"}))
    sys.exit(2)
time.sleep(0.5 if when != "started" else 0.05)  # under way
app.processEvents()
busy = {"model": window.bridge.thread is not None and window.bridge.thread.isRunning(),
        "proxy": proxy_running()}
times = {}

def close():
    times["t0"] = time.time()
    window.close()  # the last window: the event loop ends after it, as when the editor quits
    times["close"] = time.time() - times["t0"]

from PySide6.QtCore import QTimer
QTimer.singleShot(0, close)
code = app.exec()
times["loop"] = time.time() - times["t0"]
import vidi_desktop
print(json.dumps({**times, "busy": busy, "checkout": vidi_desktop.__file__}), flush=True)
try:
    from vidi_desktop.qt.quitting import leave
except ImportError:  # a checkout from before: the script's own end is the process's
    leave = int
sys.exit(leave(code))
"""


def make_clip(seconds: int) -> Path:
    """The test clip (generated once): moving pictures with a hard cut every 4 s."""
    from vidi_desktop.media.synth import moving_pattern, write_clip

    path = RESULTS / f"bench_quit_720p_{seconds}s.mp4"
    if path.is_file():
        return path
    RESULTS.mkdir(parents=True, exist_ok=True)
    shots = [moving_pattern(1280, 720, seed=k) for k in range(8)]
    write_clip(path.with_suffix(".part.mp4"), frames=seconds * 25, rate=Fraction(25),
               size=(1280, 720), picture=lambda n: shots[(n // 100) % len(shots)](n),
               preset="veryfast")
    path.with_suffix(".part.mp4").replace(path)
    return path


def run_once(repo: Path, clip: Path, request: str, when: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update({
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(repo),
            "XDG_CONFIG_HOME": f"{tmp}/config",
            "VIDI_DESKTOP_DATA_DIR": f"{tmp}/data",
            "VIDI_DESKTOP_CACHE_DIR": f"{tmp}/cache",
        })
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(clip), request, when],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=tmp,  # "-c" puts the working folder first on sys.path: not a checkout
        )
        out, err = child.communicate(timeout=900)
        ended = time.time()
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"the child printed nothing usable:\n{out}\n{err[-2000:]}")
    data = json.loads(lines[-1])
    if "error" in data:
        raise SystemExit(data["error"])
    data["exit"] = ended - float(data["t0"])
    data["returncode"] = child.returncode
    data["aborted"] = "Destroyed while thread" in err
    data["checkout"] = data.get("checkout", "")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=120, help="length of the clip")
    parser.add_argument("--request", default="split into scenes")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to run")
    parser.add_argument("--when", choices=("analysing", "started"), default="analysing",
                        help="close once the analysis reports progress (default), or as "
                        "soon as the request starts (a typed request: while the router "
                        "loads)")
    args = parser.parse_args(argv)
    clip = make_clip(args.seconds)
    runs = [run_once(args.repo.resolve(), clip, args.request, args.when)
            for _ in range(args.runs)]
    closes = [float(r["close"]) for r in runs]
    exits = [float(r["exit"]) for r in runs]
    load = os.getloadavg()
    print(f"checkout: {args.repo.resolve()} (imported: {runs[0]['checkout']})")
    print(f"request: {args.request!r} on {clip.name}, closed once {args.when}; "
          f"load average {load[0]:.2f}")
    print(f"{'run':>4} {'close s':>9} {'loop s':>9} {'exit s':>9}  busy when closed  status")
    for k, r in enumerate(runs, 1):
        busy = ", ".join(name for name, on in dict(r["busy"]).items() if on) or "nothing"
        status = "ABORTED" if r["aborted"] else f"rc {r['returncode']}"
        print(f"{k:>4} {float(r['close']):>9.3f} {float(r['loop']):>9.3f} "
              f"{float(r['exit']):>9.3f}  {busy:<16} {status}")
    print(f"median close {statistics.median(closes):.3f} s, exit {statistics.median(exits):.3f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quit.json").write_text(json.dumps(
        {"repo": str(args.repo.resolve()), "request": args.request, "when": args.when,
         "runs": runs,
         "load": load[0]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
