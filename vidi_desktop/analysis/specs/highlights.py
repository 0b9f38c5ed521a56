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
    from vidi_desktop.analysis.highlight_inputs import highlight_inputs
    from vidi_desktop.analysis.highlights import find_highlights

    info, a, options = run.info, run.analysis, run.options
    inputs = highlight_inputs(
        info, shots=a.shots, speech=a.speech, transcript=a.transcript, tubes=a.tubes,
        audio=a.audio, motion=run.pictures.get("highlights"),
    )
    tb = info.video.time_base if info.video is not None else Fraction(1, 1000)
    run.results["highlights"] = find_highlights(
        inputs, options.highlights, target=options.highlight_seconds, time_base=tb
    )


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    from vidi_desktop.analysis.highlights import highlight_suggestions

    return highlight_suggestions(asset_id, analysis.highlights or [])


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    from vidi_desktop.analysis.highlights import highlight_to_json

    return {"highlights": [highlight_to_json(h) for h in analysis.highlights or []]}


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
