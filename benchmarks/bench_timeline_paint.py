"""Timeline paint speed with 10,000 suggestions, offscreen (target: < 8 ms a frame).

A generated clip (2 minutes, small frames, a tone; cached in ``bench-results/``) carries
10,000 suggestions of every kind the timeline draws in lanes — scene boundaries, cuts,
keeps, highlights, chapters, subtitles, answers and 20 object tubes — a third of them
accepted, a tenth rejected. The widget is rendered N times into a QImage
(``QWidget.render``, the same paint path as the screen) in three situations:

- ``fit``: the whole clip, every lane dense (merged pixel runs), full repaint each frame
  (the view moves by a pixel each frame, as when scrolling);
- ``zoomed``: about 10 s on screen, items drawn one by one with labels, full repaint;
- ``playhead``: only the playhead moves (playback): the cached picture is blitted;
- ``select``: the selection moves to the next suggestion (review with N) at the zoomed
  view: everything but the lanes is painted again (the lanes' picture is cached when the
  code caches it).

Each render is timed as wall time and as the GUI thread's CPU time (steadier when other
work shares the cores). Also timed: the timeline's share of one accept (its lane-index
rebuild) beside the document's own cost. Prints p50/p95 in ms and the load average, and
writes ``bench-results/timeline_paint.json``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_timeline_paint.py
    .venv/bin/python benchmarks/bench_timeline_paint.py --frames 50      # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
# The code measured: this checkout, or another revision's export (benchmarks/ab.py).
sys.path.insert(0, os.environ.get("VIDI_BENCH_CODE") or str(REPO))
RESULTS = REPO / "bench-results"
MS = Fraction(1, 1000)


def make_clip(seconds: int) -> Path:
    from vidi_desktop.media.synth import sine, write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"timeline-{seconds}s.mp4"
    if not path.exists():
        write_clip(path, frames=seconds * 25, rate=25, size=(160, 90), audio=sine(220, 0.4))
    return path


def suggestions(asset_id: str, seconds: int, count: int) -> list:  # type: ignore[type-arg]
    """``count`` suggestions of every lane kind, spread over the clip, deterministic."""
    import random

    from vidi_desktop.core.project.model import (
        Answer,
        Box,
        Chapter,
        CutRange,
        HighlightClip,
        ObjectTube,
        SceneBoundary,
        SubtitleCue,
        Suggestion,
    )
    from vidi_desktop.core.time import Time, TimeRange

    rng = random.Random(7)
    total_ms = seconds * 1000

    def span(a: int, length: int) -> TimeRange:
        return TimeRange(Time(a, MS), Time(max(1, min(length, total_ms - a)), MS))

    out = []
    for k in range(20):  # object tubes: one lane each, with gaps
        start = rng.randrange(0, total_ms - 20000)
        times = [t for t in range(start, start + 20000, 200) if (t // 3000) % 3]
        boxes = tuple(Box(t, 0.1, 0.1, 0.4, 0.4) for t in times)
        out.append(Suggestion.new(asset_id, ObjectTube("face", boxes), "faces",
                                  label=f"Face {k + 1}"))
    makers = [
        lambda a: SceneBoundary(Time(a, MS)),
        lambda a: CutRange(span(a, rng.randrange(100, 1500))),
        lambda a: CutRange(span(a, rng.randrange(500, 4000)), "keep"),
        lambda a: HighlightClip(span(a, rng.randrange(2000, 8000)), "moment"),
        lambda a: Chapter(span(a, rng.randrange(10000, 30000)), "chapter"),
        lambda a: SubtitleCue(span(a, rng.randrange(800, 3000)), "words words words"),
        lambda a: Answer("here", (span(a, 500), span(min(total_ms - 1, a + 2000), 500))),
    ]
    while len(out) < count:
        a = rng.randrange(0, total_ms - 1)
        payload = makers[len(out) % len(makers)](a)
        out.append(Suggestion.new(asset_id, payload, "bench", label=f"s{len(out)}",
                                  confidence=round(rng.random(), 2)))
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered), "p95_ms": p95, "n": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--frames", type=int, default=200, help="renders per situation")
    parser.add_argument("--count", type=int, default=10_000, help="suggestions")
    parser.add_argument("--seconds", type=int, default=120, help="clip length")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=420)
    parser.add_argument("--json", type=Path, help="also write the results here (benchmarks/ab.py)")
    args = parser.parse_args(argv)

    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", str(RESULTS / "cache"))
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from vidi_desktop.core.project import ProjectDocument
    from vidi_desktop.media.probe import probe
    from vidi_desktop.qt.session import Session
    from vidi_desktop.qt.timeline import TimelineWidget
    from vidi_desktop.qt.timeline_media import media_store
    from vidi_desktop.services.analyze import asset_from_probe

    clip = make_clip(args.seconds)
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(clip)))
    added = doc.add_suggestions(suggestions(asset.id, args.seconds, args.count))
    doc.accept([s.id for s in added[::3] if s.kind not in ("cut_range", "highlight_clip")])
    doc.reject([s.id for s in added[1::10]])
    session = Session(doc)
    session.set_document(doc)
    widget = TimelineWidget(session)
    widget.resize(args.width, args.height)
    widget.show()
    app.processEvents()
    media_store().wait(120_000)
    app.processEvents()
    image = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)

    cpu: list[float] = []

    def render() -> float:
        # Wall time, and this thread's CPU time (steadier on a shared machine).
        c = time.thread_time()
        t = time.perf_counter()
        widget.render(image)
        wall = (time.perf_counter() - t) * 1000
        cpu.append((time.thread_time() - c) * 1000)
        return wall

    results: dict[str, dict[str, float]] = {}
    widget.zoom_fit()
    render()
    pps = widget.pixels_per_second
    def measure(name: str, step) -> None:  # type: ignore[no-untyped-def]
        cpu.clear()
        samples = []
        for i in range(args.frames):
            step(i)
            samples.append(render())
        results[name] = percentiles(samples)
        results[name + " (cpu)"] = percentiles(list(cpu))

    # Full repaints: the view moves by a pixel a frame (scrolling), nothing is cached.
    measure("fit", lambda i: widget.set_view(widget.view_start, pps * (1 + (i % 2) * 1e-6)))
    widget.set_view(args.seconds / 3, (args.width - 100) / 10)
    render()
    measure("zoomed", lambda i: widget.set_view(args.seconds / 3 + i * 0.01,
                                                widget.pixels_per_second))
    # Playback: only the playhead moves.
    measure("playhead", lambda i: session.set_position(Fraction(args.seconds, 3)
                                                       + Fraction(i, 25)))
    # Review: the selection walks through the items in view, one a frame.
    t0, t1 = widget.view_start, widget.time_at(args.width)
    in_view = [s.id for s in added if (e := s.extent()) is not None
               and t0 <= float(e.start.seconds) <= t1] or [s.id for s in added]
    measure("select", lambda i: session.select(in_view[i % len(in_view)]))

    # One review step: the timeline's share of a project change, timed between a slot
    # connected before the widget's and one connected after it.
    marks: list[float] = []
    spent: list[float] = []
    session.project_changed.disconnect(widget._on_project_changed)
    session.project_changed.connect(lambda _c: marks.append(time.perf_counter()))
    session.project_changed.connect(widget._on_project_changed)
    session.project_changed.connect(lambda _c: spent.append(time.perf_counter() - marks[-1]))
    pending = [s.id for s in added if doc.project.suggestion(s.id).state == "pending"]
    core: list[float] = []
    for sid in pending[: max(5, min(50, args.frames // 4))]:
        t = time.perf_counter()
        doc.accept([sid])
        core.append((time.perf_counter() - t - spent[-1]) * 1000)
    results["accept: timeline rebuild"] = percentiles([x * 1000 for x in spent])
    results["accept: document itself"] = percentiles(core)

    visible = sum(len(lane) for lane in widget.lanes)
    print(f"timeline paint: {args.count} suggestions ({visible} drawn pieces), "
          f"{args.width}x{args.height}, {args.frames} renders each, "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'situation':<28}{'p50 ms':>10}{'p95 ms':>10}")
    for name, r in results.items():
        print(f"{name:<28}{r['p50_ms']:>10.2f}{r['p95_ms']:>10.2f}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "timeline_paint.json"
    import vidi_desktop

    report = {"code": str(Path(vidi_desktop.__file__).parent),
              "args": {k: str(v) for k, v in vars(args).items()}, "load": load,
              "results": results}
    out.write_text(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")
    widget.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
