"""Export speed: a 2,000-event timeline written to every format (target: < 1 s each).

The project has one 29.97 DF asset (two hours, start timecode 00:59:59;28), an edit of 2,000
clips and 2,000 accepted scene boundaries (markers) and 2,000 subtitle cues. Each format is
timed from the project value to the finished text (timeline building included), best of
``--repeat`` runs, in one process. Results go to ``bench-results/bench_export.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"
RATE = Fraction(30000, 1001)


def make_project(events: int):
    from vidi_desktop.core.project import (
        Asset,
        EditClip,
        Project,
        ReviewState,
        SceneBoundary,
        SubtitleCue,
        Suggestion,
    )
    from vidi_desktop.core.time import Time, TimeRange

    frames = events * 70 + 100
    duration = Fraction(frames) / RATE
    info = {
        "duration_exact": f"{duration.numerator}/{duration.denominator}",
        "start_time_exact": "0/1",
        "start_timecode": "00:59:59;28",
        "video": {"rate": "30000/1001", "frames": frames, "width": 1920, "height": 1080,
                  "sar": "1:1", "rotation": 0},
        "audio": [{"codec": "aac", "sample_rate": 48000, "channels": 2}],
    }
    asset = Asset.new("/Volumes/Media/A001C003_230101_R1AB.mov", 1, 0, info=info)
    edit = tuple(
        EditClip.new(asset.id, TimeRange.from_frames(i * 70, i * 70 + 45, RATE))
        for i in range(events)
    )
    accepted = ReviewState.ACCEPTED
    tb = Fraction(1001, 30000)
    suggestions = [
        Suggestion.new(asset.id, SceneBoundary(Time(i * 70 + 20, tb)), "bench").replace(
            state=accepted)
        for i in range(events)
    ] + [
        Suggestion.new(asset.id, SubtitleCue(TimeRange.from_frames(i * 70 + 5, i * 70 + 40, RATE),
                                             f"line {i}"), "bench").replace(state=accepted)
        for i in range(events)
    ]
    return Project(assets=(asset,), edit=edit, suggestions=tuple(suggestions), name="bench")


def main() -> None:
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = make_project(args.events)
    export_texts(project, "otio")  # import OpenTimelineIO once, outside the timings
    rows = []
    for fmt in ("edl", "fcp7", "fcpxml", "otio", "srt", "vtt", "csv"):
        best = float("inf")
        size = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = export_texts(project, fmt, ExportOptions())
            best = min(best, time.perf_counter() - t)
            size = sum(len(text) for _, text in result.files)
        rows.append({"format": fmt, "seconds": round(best, 4), "bytes": size,
                     "target_met": best < 1.0})
    print(f"{args.events} events (+{args.events} markers, {args.events} cues), best of "
          f"{args.repeat}")
    print(f"{'format':8} {'seconds':>8} {'KB':>8}  < 1 s")
    for r in rows:
        print(f"{r['format']:8} {r['seconds']:8.3f} {r['bytes'] / 1024:8.0f}  "
              f"{'yes' if r['target_met'] else 'NO'}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_export.json").write_text(
        json.dumps({"events": args.events, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
