"""Person tubes (OpenCV's HOG people detector; weak on real footage, so not in the default
job), linked like face tubes (see specs.tubes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.specs.tubes import tube_spec

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions


def _detector(options: AnalyzeOptions) -> Any:
    from vidi_desktop.analysis.people import PersonDetector

    return PersonDetector()


SPEC = tube_spec(
    "people", "person", "person tubes (HOG; weak on real footage)", _detector, default_job=False
)
