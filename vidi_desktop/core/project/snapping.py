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
        """Exact seconds."""
        return self.ticks * self.time_base

    def __float__(self) -> float:
        return self.ticks * self.time_base.numerator / self.time_base.denominator


def snap_targets(
    project: Project, asset_id: str, exclude: Iterable[str] = ()
) -> list[SnapTarget]:
    """Every snap target of ``asset_id`` in time order (one per time and kind), leaving
    out the suggestions named in ``exclude`` (the one being trimmed)."""
    return SnapIndex.of(project, asset_id, exclude).targets


class SnapIndex:
    """Snap targets in time order, searched by bisection (a drag asks on every move).

    Kept as parallel lists of floats, kinds, ticks and time bases: a long interview has
    tens of thousands of word edges and the drag starts when they are in order, so building
    one makes no object per target that outlives the build (each would also wake the
    garbage collector, whose passes walk the whole project); :meth:`nearest` makes the one
    target it returns.
    """

    def __init__(self, targets: Iterable[SnapTarget] = ()) -> None:
        items = list(targets)
        self._load([float(x) for x in items], [x.what for x in items],
                   [x.ticks for x in items], [x.time_base for x in items])

    @classmethod
    def of(cls, project: Project, asset_id: str, exclude: Iterable[str] = ()) -> SnapIndex:
        """The targets of ``asset_id`` in ``project`` (see the module docstring), without
        those of the suggestions in ``exclude``."""
        skip = set(exclude)
        times: list[float] = []
        whats: list[str] = []
        ticks: list[int] = []
        bases: list[Fraction] = []

        def edges(r: TimeRange, what: str) -> None:
            tb = r.start.time_base
            num, den = tb.numerator, tb.denominator
            a = r.start.ticks
            b = a + r.duration.ticks
            times.extend((a * num / den, b * num / den))
            whats.extend((what, what))
            ticks.extend((a, b))
            bases.extend((tb, tb))

        for s in project.suggestions:
            if s.asset_id != asset_id or s.id in skip:
                continue
            p = s.payload
            if isinstance(p, SceneBoundary):
                if s.state is not ReviewState.REJECTED:
                    edges(p.extent(), SHOT)
            elif isinstance(p, SubtitleCue):
                for r in [w.range for w in p.words] or [p.range]:
                    edges(r, WORD)
            elif isinstance(p, SilenceCut | SpeechRange):
                edges(p.range, SILENCE)
        index = cls()
        index._load(times, whats, ticks, bases)
        return index

    def _load(
        self, times: list[float], whats: list[str], ticks: list[int], bases: list[Fraction]
    ) -> None:
        order = sorted(range(len(times)), key=lambda i: (times[i], whats[i]))
        # One target per time and kind: a word ending where the next begins is one edge.
        kept = [
            i for n, i in enumerate(order)
            if n == 0 or (times[order[n - 1]], whats[order[n - 1]]) != (times[i], whats[i])
        ]
        self._times = [times[i] for i in kept]
        self._whats = [whats[i] for i in kept]
        self._ticks = [ticks[i] for i in kept]
        self._bases = [bases[i] for i in kept]

    def __len__(self) -> int:
        return len(self._times)

    @property
    def targets(self) -> list[SnapTarget]:
        """Every target, in time order."""
        return [
            SnapTarget(t, tb, what)
            for t, tb, what in zip(self._ticks, self._bases, self._whats, strict=True)
        ]

    def nearest(self, seconds: Fraction | float, tolerance: float) -> SnapTarget | None:
        """The target nearest to ``seconds`` no further than ``tolerance`` seconds; None
        when there is none. Of two at the same distance the earlier wins."""
        times = self._times
        if not times or tolerance < 0:
            return None
        t = float(seconds)
        i = bisect.bisect_left(times, t)
        best: int | None = None
        best_d = tolerance
        for j in (i - 1, i):  # the neighbours either side (an equal time sits at i)
            if 0 <= j < len(times):
                d = abs(times[j] - t)
                if d < best_d or (d == best_d and best is None):
                    best, best_d = j, d
        if best is None:
            return None
        return SnapTarget(self._ticks[best], self._bases[best], self._whats[best])
