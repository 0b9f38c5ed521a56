"""Where a trimmed edge may snap: shot boundaries, word edges and silence edges of an asset.

The targets come from the project's suggestions of one asset:

* shot boundaries — scene boundaries not rejected (a rejected one was judged no boundary);
  a gradual transition gives its start and its end;
* word edges — the words of every subtitle cue, whatever its review state (the words are
  what was said: rejecting a cue does not unsay them); a cue without word timings gives
  its own edges;
* silence edges — silence cuts and speech ranges, whatever their state (a silence the
  editor keeps is still silent).

:class:`SnapIndex` finds the closest one within a tolerance. Times are exact seconds;
the tolerance (pixels on screen divided by the zoom) is a float. Pure Python, no Qt.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project.model import (
    Project,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
)
from vidi_desktop.core.time import TimeRange

SHOT, WORD, SILENCE = "shot", "word", "silence"


@dataclass(frozen=True, slots=True)
class SnapTarget:
    """A time an edge may snap to (``ticks`` × ``time_base`` seconds, exact), and what is
    there (``"shot"``, ``"word"``, ``"silence"``)."""

    ticks: int
    time_base: Fraction
    what: str

    @classmethod
    def at(cls, seconds: Fraction | int, what: str) -> SnapTarget:
        """A target at exact ``seconds``."""
        t = Fraction(seconds)
        return cls(t.numerator, Fraction(1, t.denominator), what)

    @property
    def seconds(self) -> Fraction:
        """Exact seconds (made when asked: a project can hold tens of thousands)."""
        return self.ticks * self.time_base

    def __float__(self) -> float:
        return self.ticks * self.time_base.numerator / self.time_base.denominator


def snap_targets(
    project: Project, asset_id: str, exclude: Iterable[str] = ()
) -> list[SnapTarget]:
    """Every snap target of ``asset_id`` in time order (one per time and kind), leaving
    out the suggestions named in ``exclude`` (the one being trimmed)."""
    skip = set(exclude)
    found: dict[tuple[float, str], SnapTarget] = {}

    def add(r: TimeRange, what: str) -> None:
        # Integer ticks, no Fraction or Time arithmetic: a project can hold tens of
        # thousands of words, and the drag starts when they are in order.
        tb = r.start.time_base
        for ticks in (r.start.ticks, r.start.ticks + r.duration.ticks):
            target = SnapTarget(ticks, tb, what)
            found.setdefault((float(target), what), target)

    for s in project.suggestions:
        if s.asset_id != asset_id or s.id in skip:
            continue
        p = s.payload
        if isinstance(p, SceneBoundary):
            if s.state is not ReviewState.REJECTED:
                add(p.extent(), SHOT)
        elif isinstance(p, SubtitleCue):
            for r in [w.range for w in p.words] or [p.range]:
                add(r, WORD)
        elif isinstance(p, SilenceCut | SpeechRange):
            add(p.range, SILENCE)
    return [found[key] for key in sorted(found)]


class SnapIndex:
    """Snap targets in time order, searched by bisection (a drag asks on every move)."""

    def __init__(self, targets: Iterable[SnapTarget]) -> None:
        pairs = sorted(((float(x), x) for x in targets), key=lambda p: (p[0], p[1].what))
        self.targets = [x for _, x in pairs]
        self._times = [t for t, _ in pairs]

    def __len__(self) -> int:
        return len(self.targets)

    def nearest(self, seconds: Fraction | float, tolerance: float) -> SnapTarget | None:
        """The target nearest to ``seconds`` no further than ``tolerance`` seconds; None
        when there is none. Of two at the same distance the earlier wins."""
        times = self._times
        if not times or tolerance < 0:
            return None
        t = float(seconds)
        i = bisect.bisect_left(times, t)
        best: SnapTarget | None = None
        best_d = tolerance
        for j in (i - 1, i):  # the neighbours either side (an equal time sits at i)
            if 0 <= j < len(times):
                d = abs(times[j] - t)
                if d < best_d or (d == best_d and best is None):
                    best, best_d = self.targets[j], d
        return best
