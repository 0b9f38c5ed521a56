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
    """A time an edge may snap to, and what is there (``"shot"``, ``"word"``, ``"silence"``)."""

    seconds: Fraction
    what: str


def snap_targets(
    project: Project, asset_id: str, exclude: Iterable[str] = ()
) -> list[SnapTarget]:
    """Every snap target of ``asset_id`` in time order (one per time and kind), leaving
    out the suggestions named in ``exclude`` (the one being trimmed)."""
    skip = set(exclude)
    found: set[tuple[Fraction, str]] = set()

    def add(r: TimeRange, what: str) -> None:
        found.add((r.start.seconds, what))
        found.add((r.end_exclusive.seconds, what))

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
    return [SnapTarget(t, what) for t, what in sorted(found)]


class SnapIndex:
    """Snap targets in time order, searched by bisection (a drag asks on every move)."""

    def __init__(self, targets: Iterable[SnapTarget]) -> None:
        self.targets = sorted(targets, key=lambda x: (x.seconds, x.what))
        self._times = [float(x.seconds) for x in self.targets]

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
