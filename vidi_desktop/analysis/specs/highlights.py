"""The N best clips, scored from everything else: cuts, speech, sentences, loudness, motion
and faces."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, Choice, Param, count_items
from vidi_desktop.core import values

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion


def _activity(options: AnalyzeOptions) -> Any:
    from vidi_desktop.analysis.activity import MotionActivity

    return MotionActivity()


def _compute(run: AnalysisRun) -> None:
    import math

    import numpy as np

    from vidi_desktop.analysis.activity import loudness_per_second
    from vidi_desktop.analysis.highlights import HighlightInputs, Span, find_highlights

    info, a, options = run.info, run.analysis, run.options
    seconds = max(1, math.ceil(info.duration))
    start = info.start_time
    words: list[Span] = []
    sentences: list[Span] = []
    if a.transcript is not None:
        words = [
            Span(w.range.start.seconds, w.range.end_exclusive.seconds, w.text)
            for w in a.transcript.words
        ]
        sentences = [
            Span(r.start.seconds, r.end_exclusive.seconds, text)
            for r, text in a.transcript.sentences()
        ]
    faces = np.zeros(seconds)
    for tube in a.tubes or []:
        for r in tube.visible_ranges():
            lo = max(0, int(r.start.seconds - start))
            hi = min(seconds, math.ceil(r.end_exclusive.seconds - start))
            faces[lo:hi] = 1.0
    clip = a.audio
    inputs = HighlightInputs(
        start=start,
        duration=info.duration,
        cuts=[b.time.seconds for b in a.shots or []],
        speech=[Span(s.range.start.seconds, s.range.end_exclusive.seconds)
                for s in a.speech or []],
        sentences=sentences,
        words=words,
        energy=loudness_per_second(clip, float(start), seconds) if clip is not None else None,
        motion=run.pictures.get("highlights"),
        faces=faces,
    )
    tb = info.video.time_base if info.video is not None else Fraction(1, 1000)
    run.results["highlights"] = find_highlights(
        inputs, options.highlights, target=options.highlight_seconds, time_base=tb
    )


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    from vidi_desktop.core.project import HighlightClip, Suggestion

    return [
        Suggestion.new(
            asset_id,
            HighlightClip(h.range, h.title, h.score),
            "builtin.highlights",
            confidence=h.score,
            label=h.title,
            metadata={"vidi": {"analyser": "highlights", "score_parts": h.explanation}},
        )
        for h in analysis.highlights or []
    ]


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    from vidi_desktop.analysis.speech import ranges_json

    found = analysis.highlights or []
    spans = ranges_json(h.range for h in found)
    return {
        "highlights": [
            span | {"title": h.title, "score": h.score, "why": h.explanation}
            for span, h in zip(spans, found, strict=True)
        ]
    }


SPEC = AnalyserSpec(
    name="highlights",
    help="the N best clips",
    stage="derived",
    needs=("pictures", "audio", "shots", "faces", "speech", "transcript"),
    products=("highlights",),
    asked=Choice(off=0, on=3, parse=values.positive_int, metavar="N"),
    params=(
        Param("highlight_seconds", Fraction(30), "--highlight-seconds", values.seconds, "S",
              "target highlight length (30)"),
    ),
    frames=_activity,
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=count_items(("highlights", "highlights", ("highlight", "highlights"))),
)
