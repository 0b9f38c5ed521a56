"""The stall at joins when Edit mode plays the accepted edit, with and without the proxy.

A generated 1080p H.264 clip with a GOP of 250 (the worst case: every join lands deep in a
GOP, where an exact seek decodes up to ~250 frames) gets accepted cuts; a real
:class:`~vidi_desktop.qt.viewer.ViewerWidget` (offscreen) plays the edit at normal speed
from its first frame to its end. Every picture is painted when it arrives and timed.

* **interval at a join** — from painting the last frame before the join to painting the
  first frame at or after it; **stall** = that interval minus one frame interval (what the
  join adds); **frames skipped** at the join (the clock runs on while a frame decodes);
* the same **interval** between frames away from joins, as the baseline of this machine
  under its load in this run (the figures are only comparable within one run);
* **proxy pictures at joins** — frames shown from the scrub proxy because the exact one was
  not decoded ahead in time;
* **worst interval after joins** — the longest interval in the 2 s after each join (where
  a late exact reader catches up with the clock).

Four runs: with the proxy and the pre-roll (what the window does once the proxy exists),
pre-roll only (before the proxy is built), and both again with the pre-roll disabled (a
plain seek at each join, the behaviour without this work).

    .venv/bin/python benchmarks/bench_edit_joins.py              # 20 s 1080p clip, 6 cuts
    .venv/bin/python benchmarks/bench_edit_joins.py --height 540 # the same at 960×540

On a machine that cannot decode 1080p in real time (an overloaded shared box), playback
drops frames everywhere and the joins drown in that; the 540p run then shows what the
joins themselves add.

Results go to ``bench-results/bench_edit_joins_<height>p.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"

from bench_decode import make_clip  # noqa: E402  (the same cached 1080p GOP-250 clip)

RATE = 30


def cut_frames(frames: int) -> list[tuple[int, int]]:
    """Six cuts spread over the clip, each leaving a join inside a GOP."""
    spans = [(0.075, 0.125), (0.23, 0.27), (0.38, 0.48), (0.58, 0.61), (0.72, 0.78),
             (0.87, 0.90)]
    return [(round(a * frames), round(b * frames)) for a, b in spans]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def clip_at(seconds: int, gop: int, height: int) -> Path:
    """The 1080p clip of bench_decode, or a smaller one made the same way."""
    if height == 1080:
        return make_clip(seconds, gop)
    from vidi_desktop.media.synth import moving_pattern, write_clip

    width = height * 16 // 9 // 2 * 2
    path = RESULTS / f"bench_{height}p_{seconds}s_gop{gop}.mp4"
    if not path.exists():
        RESULTS.mkdir(exist_ok=True)
        tmp = path.with_suffix(".part.mp4")
        write_clip(tmp, frames=seconds * RATE, rate=RATE, size=(width, height), gop=gop,
                   preset="veryfast", crf=23, picture=moving_pattern(width, height))
        tmp.rename(path)
    return path


def measure(path: Path, proxy: bool, preroll: bool) -> dict[str, object]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from vidi_desktop.core.project import CutRange, ProjectDocument, Suggestion
    from vidi_desktop.core.time import TimeRange
    from vidi_desktop.media.probe import probe
    from vidi_desktop.qt import program as program_module
    from vidi_desktop.qt.session import Session
    from vidi_desktop.qt.viewer import ViewerWidget
    from vidi_desktop.services.analyze import asset_from_probe

    app = QApplication.instance() or QApplication([])
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(path)))
    frames = asset.facts.video.frames  # type: ignore[union-attr]
    cuts = [Suggestion.new(asset.id, CutRange(TimeRange.from_frames(a, b, RATE)), "bench")
            for a, b in cut_frames(frames)]
    doc.add_suggestions(cuts)
    doc.accept([c.id for c in cuts])
    session = Session()
    session.set_document(doc)
    viewer = ViewerWidget(session, proxy="always" if proxy else "never")
    viewer.resize(1280, 760)
    viewer.show()

    def wait_until(cond, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                return False
            loop = QEventLoop()
            QTimer.singleShot(2, loop.quit)
            loop.exec()
        return True

    original = program_module.SequenceReader.prefetch_after
    if not preroll:
        program_module.SequenceReader.prefetch_after = lambda self, n: None  # type: ignore[method-assign]
    try:
        viewer.set_mode("edit")
        player = viewer.program_player
        assert player is not None and viewer.program is not None
        program = viewer.program
        joins = [c.record_in for c in program.clips[1:]]
        if proxy:
            ready: list[str] = []
            player.proxy_ready.connect(ready.append)
            if not wait_until(lambda: bool(ready), 900):
                raise SystemExit("proxy was not built")
        wait_until(lambda: viewer.current_frame is not None and viewer.current_frame.exact, 60)
        shown: list[tuple[int, float, str]] = []

        def on_frame(f) -> None:
            if not f.from_playback:
                return
            viewer.canvas.repaint()  # painted now: the time includes painting
            shown.append((f.index, time.monotonic(), f.source))

        player.frame_shown.connect(on_frame)
        player.play(1.0)
        wait_until(lambda: player.speed == 0, program.duration / RATE * 4 + 60)
    finally:
        program_module.SequenceReader.prefetch_after = original  # type: ignore[method-assign]
        viewer.close_media()
        viewer.deleteLater()
        app.processEvents()

    frame_s = 1 / RATE
    at_joins, stalls, skipped, proxy_at_joins, worst_after = [], [], [], 0, []
    join_pairs = set()
    for j in joins:
        before = [k for k, (n, _, _) in enumerate(shown) if n < j]
        after = [k for k, (n, _, _) in enumerate(shown) if n >= j]
        if not before or not after:
            continue
        a, b = before[-1], after[0]
        join_pairs.add(b)
        interval = shown[b][1] - shown[a][1]
        at_joins.append(interval)
        stalls.append(max(0.0, interval - frame_s))
        skipped.append(shown[b][0] - j)
        proxy_at_joins += sum(1 for n, _, src in shown[b:] if src == "proxy" and n < j + 60)
        following = [k for k in range(b + 1, len(shown)) if shown[k][0] < j + 2 * RATE]
        if following:
            worst_after.append(max(shown[k][1] - shown[k - 1][1] for k in following))
    elsewhere = [shown[k][1] - shown[k - 1][1] for k in range(1, len(shown))
                 if k not in join_pairs]

    def ms(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * pct(values, 0.95), 1),
                "max_ms": round(1000 * max(values), 1)}

    return {
        "proxy": proxy,
        "preroll": preroll,
        "joins": len(at_joins),
        "frames_in_edit": program.duration,
        "frames_shown": len(shown),
        "interval_at_joins": ms(at_joins),
        "stall_at_joins": ms(stalls),
        "frames_skipped_at_joins": skipped,
        "proxy_pictures_after_joins": proxy_at_joins,
        "interval_elsewhere": ms(elsewhere),
        "worst_interval_after_joins": ms(worst_after) if worst_after else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--gop", type=int, default=250)
    ap.add_argument("--height", type=int, default=1080, choices=(1080, 720, 540))
    args = ap.parse_args()
    path = clip_at(args.seconds, args.gop, args.height)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache:
        os.environ["VIDI_DESKTOP_CACHE_DIR"] = cache  # the proxy built by this run
        runs = [measure(path, proxy, preroll)
                for proxy, preroll in ((True, True), (False, True), (True, False),
                                       (False, False))]
    report = {"clip": path.name, "frame_interval_ms": round(1000 / RATE, 1),
              "load_average_at_start": round(load, 2), "runs": runs}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bench_edit_joins_{args.height}p.json").write_text(json.dumps(report, indent=2))
    print(f"\n{path.name}, {runs[0]['joins']} joins, frame interval {1000 / RATE:.1f} ms, "
          f"load {load:.1f}")
    print(f"{'':24}{'stall at joins':>24}{'interval elsewhere':>24}  skipped  proxy pics"
          "  worst after")
    for run in runs:
        name = ("proxy" if run["proxy"] else "no proxy") + (
            " + pre-roll" if run["preroll"] else ", no pre-roll")
        stall, base = run["stall_at_joins"], run["interval_elsewhere"]
        skipped = sum(run["frames_skipped_at_joins"])  # type: ignore[arg-type]
        pics = run["proxy_pictures_after_joins"]
        print(f"{name:24}{stall['p50_ms']:>9.1f} /{stall['max_ms']:>8.1f} max"  # type: ignore[index]
              f"{base['p50_ms']:>11.1f} /{base['p95_ms']:>8.1f} p95"  # type: ignore[index]
              f"  {skipped:>7}  {pics!s:>9}"
              f"  {run['worst_interval_after_joins']['max_ms']:>8.1f}")  # type: ignore[index]


if __name__ == "__main__":
    main()
