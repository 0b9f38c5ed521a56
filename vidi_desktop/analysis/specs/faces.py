"""Face tubes: faces found twice a second on a 512-px picture, linked over time (see
specs.tubes and analysis.faces for how that was chosen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.specs.tubes import tube_spec

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions


def _detector(options: AnalyzeOptions) -> Any:
    from vidi_desktop.analysis.faces import FaceDetector

    return FaceDetector()


SPEC = tube_spec("faces", "face", "face tubes", _detector)
