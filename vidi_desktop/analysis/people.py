"""People on screen: OpenCV's HOG + linear SVM pedestrian detector (Dalal–Triggs).

It ships inside opencv-python-headless 4.x (5.x dropped it), needs no model file and runs on
the CPU. It finds standing or walking people whose body is at least ~128 px tall in the
analysed picture, seen from the side or front; it does not find seated people cut at the
waist or close-ups (faces cover those). No better person detector ships in a PyPI package
with a licence and dependencies we can take (MediaPipe pulls opencv-contrib beside our
headless OpenCV; YOLO packages download their weights), so this is the built-in one; a
user's vision-language model can do better.

Scores are the SVM margins squashed to (0, 1) by a logistic: ``margin 0`` → 0.5. Boxes are
shrunk from the detection window (which pads the body by 1/8 of its height above and
below, and 1/5 of its width on each side) to the body, and overlapping windows are merged
by non-maximum suppression.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.faces import PixelBox, SampledDetector, nms, run_detector
from vidi_desktop.analysis.tubes import DetectionRun

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.core.progress import JobContext

_NMS_IOU = 0.4


class HogPeople:
    """OpenCV's default people detector; ``min_margin`` is the SVM margin kept (0 = all)."""

    name = "hog"

    def __init__(self, min_margin: float = 0.3, scale: float = 1.05) -> None:
        import cv2

        self._hog: Any = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.min_margin = min_margin
        self.scale = scale

    def detect(self, rgb: np.ndarray) -> list[PixelBox]:
        import cv2

        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        rects, weights = self._hog.detectMultiScale(
            gray, winStride=(8, 8), padding=(8, 8), scale=self.scale, hitThreshold=0.0
        )
        out: list[PixelBox] = []
        for (x, y, w, h), margin in zip(rects, list(weights), strict=False):
            m = float(margin if not hasattr(margin, "__len__") else margin[0])
            if m < self.min_margin:
                continue
            # The 64×128 window holds a body ~96 px tall and ~38 px wide (INRIA's framing):
            # trim the margins to box the person.
            px, py = w * 0.2, h * 0.125
            box = (float(x + px), float(y + py), float(x + w - px), float(y + h - py))
            out.append((*box, 1.0 / (1.0 + math.exp(-m))))
        return nms(out, _NMS_IOU)


class PersonDetector(SampledDetector):
    """People at ~5 samples a second with HOG (see the module docstring)."""

    name = "people"
    label = "person"

    def __init__(
        self,
        *,
        per_second: float = 5.0,
        max_side: int = 640,
        min_margin: float = 0.3,
        model: Any = None,
    ) -> None:
        super().__init__(per_second=per_second, max_side=max_side, model=model)
        self.min_margin = min_margin

    def load_model(self) -> HogPeople:
        return HogPeople(self.min_margin)


def detect_people(
    path: str | os.PathLike[str], ctx: JobContext | None = None, **options: Any
) -> DetectionRun:
    """People in a file at ~5 samples a second (options: see :class:`PersonDetector`)."""
    return run_detector(path, PersonDetector(**options), ctx)
