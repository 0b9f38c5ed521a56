"""Shot boundaries — cuts, fades, dissolves — from the one decode pass (chunk-safe)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, Param, count_items
from vidi_desktop.core import values

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion
    from vidi_desktop.core.time import Time


def cut_times(analysis: FileAnalysis) -> list[Time]:
    """The shot boundaries' times when shots ran (what subtitles, tubes and crops respect)."""
    return [b.time for b in analysis.shots or []]


def context_seconds(fps: float) -> Fraction:
    """Seconds of pictures the shot detector keeps in view at ``fps`` (its ring)."""
    from vidi_desktop.analysis.shots import ShotDetector

    detector = ShotDetector()
    # begin() only reads the rate from the probe facts.
    rate = Fraction(fps).limit_denominator(1001) if fps > 0 else None
    detector.begin(SimpleNamespace(video=SimpleNamespace(rate=None, average_rate=rate)))  # type: ignore[arg-type]
    return Fraction(detector.memory_frames) / (rate or Fraction(30))


def _detector(options: AnalyzeOptions) -> Any:
    from vidi_desktop.analysis.shots import ShotDetector

    return ShotDetector(options.sensitivity)


def _compute(run: AnalysisRun) -> None:
    run.results["shots"] = list(run.pictures["shots"])


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    if not analysis.shots:
        return []
    from vidi_desktop.analysis.shots import shot_suggestions

    return shot_suggestions(asset_id, analysis.shots)


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    return {"shots": [b.to_json() for b in analysis.shots or []]}


SPEC = AnalyserSpec(
    name="shots",
    help="shot boundaries: cuts, fades, dissolves",
    stage="pictures",
    needs=("pictures",),
    products=("shots",),
    params=(
        Param("sensitivity", 0.5, "--sensitivity", values.fraction01,
              help="shot detection sensitivity 0..1 (0.5)"),
    ),
    frames=_detector,
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=count_items(("shots", "shots", ("scene boundary", "scene boundaries"))),
    chunk_safe=True,
    context_seconds=context_seconds,
)
