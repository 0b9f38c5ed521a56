"""A crop path to another aspect ratio that follows the faces (else the motion) and jumps
only at shot cuts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, Choice, Count
from vidi_desktop.analysis.specs.shots import cut_times
from vidi_desktop.core import values

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion


def _saliency(options: AnalyzeOptions) -> Any:
    from vidi_desktop.analysis.reframe import MotionSaliencyAnalyser

    return MotionSaliencyAnalyser()


def _compute(run: AnalysisRun) -> None:
    if run.info.video is None:
        return
    from vidi_desktop.analysis.reframe import crop_path

    tubes = run.analysis.tubes or []
    faces = [t for t in tubes if t.label == "face"] or tubes
    run.results["reframe"] = crop_path(
        faces,
        run.info,
        run.options.reframe,
        saliency=run.pictures.get("reframe"),
        shot_cuts=cut_times(run.analysis),
    )


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    if analysis.reframe is None:
        return []
    from vidi_desktop.analysis.reframe import reframe_suggestion

    return [reframe_suggestion(asset_id, analysis.reframe, "builtin.reframe")]


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    r = analysis.reframe
    if r is None:
        return {"reframe": None}
    return {
        "reframe": {
            "aspect": r.aspect,
            "keyframes": [
                {"t": k[0] / 1000, "x0": k[1], "y0": k[2], "x1": k[3], "y1": k[4]}
                for k in r.keyframes
            ],
            "subjects": list(r.subjects),
        }
    }


def _counts(analysis: FileAnalysis) -> list[Count]:
    r = analysis.reframe
    if r is None:
        return []
    n = len(r.keyframes)
    frames = "keyframe" if n == 1 else "keyframes"
    return [Count("reframe_keyframes", n, f"reframe {r.aspect} ({n} {frames})")]


SPEC = AnalyserSpec(
    name="reframe",
    help="crop path, e.g. 9:16",
    stage="derived",
    needs=("pictures", "shots", "faces"),
    products=("reframe",),
    asked=Choice(off=None, on="9:16", parse=values.aspect, metavar="W:H"),
    frames=_saliency,
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=_counts,
)
