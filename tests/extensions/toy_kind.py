"""A toy suggestion kind, added the way a new kind is: this one file plus one registration.

Applause over a range of the footage: a marker on exported timelines (pink), its own lane
and filter entry in the window, ``--kind claps`` on the command line, its loudness in the
CSV. The tests register it with ``register_payload(Applause)`` and take it out afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from vidi_desktop.core.project import Fields, Payload
from vidi_desktop.core.project.kinds import KindInfo, Look
from vidi_desktop.core.time import TimeRange


@dataclass(frozen=True, slots=True)
class Applause(Payload):
    """The audience applauds over ``range``, ``loudness_db`` loud."""

    kind: ClassVar[str] = "applause"
    info: ClassVar[KindInfo] = KindInfo(
        "Applause moments",
        (Look("Applause", "applause", "#ff7eb6"),),
        aliases=("claps", "clapping"),
        role="marker",
        marker_color="PINK",
        marker_name="Applause",
    )
    range: TimeRange
    loudness_db: float = 0.0

    def extent(self) -> TimeRange:
        return self.range

    def detail(self) -> str:
        return f"{self.loudness_db:.1f} dB"

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "loudness_db": self.loudness_db}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.time_range("range"), f.number("loudness_db", 0.0))
