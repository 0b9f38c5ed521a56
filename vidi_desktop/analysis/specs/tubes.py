"""What the face and person analysers share: tubes linked from their detections, never
across a shot cut, in one ``tubes`` list (faces first) and one ``tubes`` JSON section —
:func:`tube_spec` declares such an analyser."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, count_items
from vidi_desktop.analysis.specs.shots import cut_times

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.analysis.tubes import Tube
    from vidi_desktop.core.project import Suggestion


def _of(analysis: FileAnalysis, label: str) -> list[Tube]:
    return [t for t in analysis.tubes or [] if t.label == label]


def link(name: str) -> Callable[[AnalysisRun], None]:
    """``compute`` of the analyser ``name``: its detections linked into tubes."""

    def compute(run: AnalysisRun) -> None:
        from vidi_desktop.analysis.tubes import link_tubes

        linked = link_tubes(run.pictures[name], cuts_ms=cut_times(run.analysis))
        run.results.setdefault("tubes", []).extend(linked)

    return compute


def suggestions(label: str) -> Callable[[FileAnalysis, str], list[Suggestion]]:
    """``suggestions`` of the tubes labelled ``label`` ("Face 1", "Face 2"…)."""

    def build(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
        tubes = _of(analysis, label)
        if not tubes:
            return []
        from vidi_desktop.analysis.tubes import tube_suggestions

        return tube_suggestions(asset_id, tubes, "builtin.tubes")

    return build


def json(label: str) -> Callable[[FileAnalysis, AnalyzeOptions], dict[str, Any]]:
    """``json`` of the tubes labelled ``label``: its part of the ``tubes`` list."""

    def section(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
        from vidi_desktop.analysis.tubes import tubes_to_json

        return {"tubes": tubes_to_json(_of(analysis, label))}

    return section


counts = count_items(("tubes", "tubes", ("object tube", "object tubes")))
"""All tubes, whichever analyser found them (FileAnalysis.counts reports a key once)."""


def tube_spec(
    name: str, label: str, help: str, detector: Callable[[AnalyzeOptions], Any], **more: Any
) -> AnalyserSpec:
    """The spec of a pictures analyser whose ``detector`` finds boxes labelled ``label``,
    linked into tubes."""
    return AnalyserSpec(
        name=name,
        help=help,
        stage="pictures",
        needs=("pictures",),
        products=("tubes",),
        frames=detector,
        compute=link(name),
        suggestions=suggestions(label),
        json=json(label),
        counts=counts,
        **more,
    )
