"""A toy analyser, written the way a newcomer adds one: this one file plus one registration
line (``registry.register(SPEC)``, or its module's name in ``registry.BUILTIN``).

It finds the frames where the picture flips between dark and light (mean level crossing
``--flip-level``), from the shared decode pass. Each flip is a scene boundary suggestion
and an entry of the ``flips`` section of ``analyze --json``. ``CHUNK_SAFE_SPEC`` is the same
analyser declared chunk-safe: a flip depends on two neighbouring frames only.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.analysis.registry import AnalyserSpec, Param, count_items
from vidi_desktop.core import values
from vidi_desktop.core.time import Time


@dataclass(frozen=True)
class Flip:
    frame: int
    time: Time
    to_light: bool


class FlipDetector:
    """A frame analyser: the mean grey level of every frame, compared with the previous."""

    name = "flips"

    def __init__(self, level: float) -> None:
        self.level = level * 255

    def begin(self, info: Any) -> None:
        self.light: bool | None = None
        self.found: list[Flip] = []

    def wants(self, index: int) -> bool:
        return True

    def feed(self, frame: Any) -> None:
        light = bool(frame.image("gray", 64).mean() > self.level)
        if self.light is not None and light != self.light:
            self.found.append(Flip(frame.index, frame.time, light))
        self.light = light

    def finish(self) -> list[Flip]:
        return self.found


def _compute(run: Any) -> None:
    run.results["flips"] = list(run.pictures["flips"])


def _suggestions(analysis: Any, asset_id: str) -> list[Any]:
    from vidi_desktop.core.project import SceneBoundary, Suggestion

    return [
        Suggestion.new(asset_id, SceneBoundary(f.time, "cut", None), "toy.flips",
                       label="to light" if f.to_light else "to dark")
        for f in analysis.flips or []
    ]


def _json(analysis: Any, options: Any) -> dict[str, Any]:
    return {"flips": [{"frame": f.frame, "to_light": f.to_light} for f in analysis.flips or []]}


SPEC = AnalyserSpec(
    name="flips",
    help="frames where the picture flips between dark and light",
    stage="pictures",
    needs=("pictures",),
    products=("flips",),
    params=(Param("flip_level", 0.5, "--flip-level", values.fraction01, "L",
                  "mean grey level between dark and light, 0..1 (0.5)"),),
    frames=lambda options: FlipDetector(options.flip_level),
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=count_items(("flips", "flips", "flips")),
)

CHUNK_SAFE_SPEC = SPEC._replace(chunk_safe=True, context_seconds=lambda fps: Fraction(1))
