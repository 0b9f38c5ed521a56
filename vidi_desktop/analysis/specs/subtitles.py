"""Subtitle cues from the transcript, never straddling a shot cut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, count_items
from vidi_desktop.analysis.specs.shots import cut_times

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion


def _compute(run: AnalysisRun) -> None:
    transcript = run.results.get("transcript")
    if transcript is None:
        return
    from vidi_desktop.analysis.subtitles import make_cues

    run.results["cues"] = make_cues(transcript, shot_cuts=cut_times(run.analysis))


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    if not analysis.cues:
        return []
    from vidi_desktop.analysis.subtitles import subtitle_suggestions

    return subtitle_suggestions(asset_id, analysis.cues, "builtin.transcript")


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    from vidi_desktop.analysis.speech import ranges_json

    cues = analysis.cues or []
    spans = ranges_json(c.range for c in cues)
    return {"subtitles": [span | {"text": c.text} for span, c in zip(spans, cues, strict=True)]}


SPEC = AnalyserSpec(
    name="subtitles",
    help="transcript and subtitle cues",
    stage="derived",
    needs=("shots", "transcript"),
    products=("cues",),
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=count_items(("cues", "subtitles", ("subtitle cue", "subtitle cues"))),
)
