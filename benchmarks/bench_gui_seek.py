"""Seek-to-display latency of the viewer, with and without the scrub proxy.

A generated 1080p H.264 clip with a GOP of 250 (the worst case editors meet: camera and
delivery files) is opened in a real :class:`~vidi_desktop.qt.viewer.ViewerWidget`
(offscreen). For random frames, ``session.request_seek`` is timed until the viewer has
painted:

* **right frame** — the frame asked for is on screen (from the proxy, or exact);
* **exact** — the full-resolution exact frame is on screen;
* **first picture** — anything (a keyframe stand-in counts) is on screen.

Targets: right-frame p95 < 100 ms with the proxy; first-picture p95 <= 80 ms without. Each
seek waits for the exact frame before the next one (a click on the timeline, not a drag; a
drag is coalesced, see the tests). ``--cold`` stops the player from making keyframe
pictures ahead while idle (where the code has that), so every preview is decoded for its
seek. With the proxy, the time until the first part of it serves (``proxy_first_part_s``,
where the code builds it in parts) and until it is finished are reported too.
Results go to ``bench-results/bench_gui_seek.json`` (and ``--json PATH``).

    .venv/bin/python benchmarks/bench_gui_seek.py                 # 20 s clip, 40 seeks
    .venv/bin/python benchmarks/bench_gui_seek.py --seconds 10 --seeks 20
    .venv/bin/python benchmarks/bench_gui_seek.py --modes noproxy --cold
    .venv/bin/python benchmarks/ab.py --rounds 3 -- benchmarks/bench_gui_seek.py --modes noproxy
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
sys.path.insert(0, str(REPO / "benchmarks"))

# The same generated 1080p clip as bench_decode's exact-seek figures (and the same cache file).
from bench_decode import make_clip  # noqa: E402  (it puts this checkout first on the path)

# The code measured: this checkout, or another revision's export (benchmarks/ab.py).
sys.path.insert(0, os.environ.get("VIDI_BENCH_CODE") or str(REPO))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(path: Path, proxy: bool, seeks: int, seed: int, cold: bool) -> dict[str, object]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from vidi_desktop.core.project import ProjectDocument
    from vidi_desktop.media.probe import probe
    from vidi_desktop.qt.session import Session
    from vidi_desktop.qt.viewer import ViewerWidget
    from vidi_desktop.services.analyze import asset_from_probe

    app = QApplication.instance() or QApplication([])
    if cold:
        from vidi_desktop.qt.decode_worker import DecodeThread

        DecodeThread.prefetch_keyframes = 0  # an attribute older code does not read
    doc = ProjectDocument()
    doc.add_asset(asset_from_probe(probe(path)))
    session = Session()
    viewer = ViewerWidget(session, proxy="always" if proxy else "never")
    viewer.resize(1280, 760)
    viewer.show()
    state: dict[str, object] = {}

    def wait_until(cond, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                return False
            loop = QEventLoop()
            QTimer.singleShot(2, loop.quit)
            loop.exec()
        return True

    def on_frame(shown) -> None:  # after the viewer's own slot: the canvas has the picture
        viewer.canvas.repaint()  # paint now, so the time includes painting
        now = time.monotonic()
        target = state.get("target")
        if target is None:
            return
        state.setdefault("first", now)
        if shown.index == target and shown.source != "keyframe":
            state.setdefault("right", now)
        if shown.exact and shown.index == target:
            state["exact"] = now

    viewer.player.frame_shown.connect(on_frame)
    build = first_part = None
    t0 = time.monotonic()
    grew: list[float] = []
    if hasattr(viewer.player, "proxy_grew"):
        viewer.player.proxy_grew.connect(lambda _p: grew.append(time.monotonic()))
    session.set_document(doc)
    if proxy:
        ready: list[str] = []
        viewer.player.proxy_ready.connect(ready.append)
        if not wait_until(lambda: bool(ready), 900):
            raise SystemExit("proxy was not built")
        build = time.monotonic() - t0
        first_part = (grew[0] - t0) if grew else None
    wait_until(lambda: viewer.current_frame is not None, 60)
    facts = viewer.player.facts
    assert facts is not None
    rng = random.Random(seed)
    first, right, exact = [], [], []
    for _ in range(seeks):
        n = rng.randrange(facts.frame_count)
        state.clear()
        state["target"] = n
        start = time.monotonic()
        session.request_seek(facts.seconds_of(n))
        if not wait_until(lambda: "exact" in state, 30):
            raise SystemExit(f"frame {n} never arrived")
        first.append(state["first"] - start)
        right.append(state["right"] - start)
        exact.append(state["exact"] - start)
    viewer.close_media()
    viewer.deleteLater()
    app.processEvents()

    def stats(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * pct(values, 0.95), 1),
                "max_ms": round(1000 * max(values), 1)}

    return {
        "proxy": proxy,
        "proxy_build_s": round(build, 2) if build is not None else None,
        "proxy_first_part_s": round(first_part, 2) if first_part is not None else None,
        "right_frame": stats(right),
        "exact_frame": stats(exact),
        "first_picture": stats(first),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--gop", type=int, default=250)
    ap.add_argument("--seeks", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--modes", default="noproxy,proxy", help="noproxy, proxy or both")
    ap.add_argument("--cold", action="store_true", help="no keyframe pictures made ahead")
    ap.add_argument("--json", type=Path, help="also write the results here (benchmarks/ab.py)")
    args = ap.parse_args()
    path = make_clip(args.seconds, args.gop)
    modes = [m.strip() for m in args.modes.split(",")]
    with tempfile.TemporaryDirectory() as cache:
        # A fresh cache: the proxy is built (and timed) by this run, not found from an old one.
        os.environ["VIDI_DESKTOP_CACHE_DIR"] = cache
        runs = [measure(path, proxy, args.seeks, args.seed, args.cold)
                for proxy in (False, True) if ("proxy" if proxy else "noproxy") in modes]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    import vidi_desktop

    report = {"code": str(Path(vidi_desktop.__file__).parent), "clip": path.name,
              "seeks": args.seeks, "cold": args.cold, "load": load,
              "runs": {("proxy" if r["proxy"] else "noproxy"): r for r in runs}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_gui_seek.json").write_text(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(f"\n{path.name}: {args.seeks} random seeks, seek-to-display (painted), ms")
    print(f"{'':14}{'right frame':>22}{'exact frame':>22}{'first picture':>22}")
    for run in runs:
        name = "with proxy" if run["proxy"] else "no proxy"
        cells = "".join(
            f"{run[k]['p50_ms']:>10.1f} /{run[k]['p95_ms']:>9.1f}"  # type: ignore[index]
            for k in ("right_frame", "exact_frame", "first_picture")
        )
        print(f"{name:14}{cells}   (p50 / p95)")
        if run["proxy_build_s"] is not None:
            part = run["proxy_first_part_s"]
            print(f"{'':14}proxy built in {run['proxy_build_s']} s"
                  + (f", its first part serving after {part} s" if part is not None else ""))
    print(f"load average {load}")


if __name__ == "__main__":
    main()
