"""Boundary detection scores: precision, recall and F1 with a frame tolerance.

A true boundary is a span of frames (a cut: one frame; a gradual transition: its frames). A
detected boundary — a frame number — matches a true one when it lies within the span
widened by ``tolerance`` frames on each side. Matching is one-to-one (a detection counts
for at most one truth and the other way round) and maximal: intervals are taken by their
end, each given the earliest free detection it can take, which for points and intervals on
a line gives the largest possible number of matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and the scores they give (1.0 where nothing was there to find or to report)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class Matching:
    """Which detection matched which truth (indices into the inputs), and what is left."""

    pairs: tuple[tuple[int, int], ...]  # (truth index, detection index)
    missed: tuple[int, ...]  # truth indices without a detection
    spurious: tuple[int, ...]  # detection indices without a truth
    score: Score = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "score", Score(len(self.pairs), len(self.spurious), len(self.missed))
        )


def match_boundaries(
    truth: Sequence[tuple[int, int]], detected: Sequence[int], tolerance: int = 1
) -> Matching:
    """Match detected frames to true spans ``(first, last)`` within ``tolerance`` frames.

    A cut at frame ``n`` is the span ``(n, n)``. Raises ``ValueError`` for a span whose end
    comes before its start or a negative tolerance.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance}")
    for first, last in truth:
        if last < first:
            raise ValueError(f"span ({first}, {last}) ends before it starts")
    order_truth = sorted(range(len(truth)), key=lambda i: (truth[i][1], truth[i][0]))
    order_det = sorted(range(len(detected)), key=lambda j: detected[j])
    free = list(order_det)  # detection indices by frame, still unmatched
    pairs: list[tuple[int, int]] = []
    missed: list[int] = []
    for i in order_truth:
        lo, hi = truth[i][0] - tolerance, truth[i][1] + tolerance
        pick = None
        for k, j in enumerate(free):
            if detected[j] > hi:
                break
            if detected[j] >= lo:
                pick = k
                break
        if pick is None:
            missed.append(i)
        else:
            pairs.append((i, free.pop(pick)))
    return Matching(tuple(sorted(pairs)), tuple(sorted(missed)), tuple(sorted(free)))


def score_boundaries(
    truth: Sequence[tuple[int, int]], detected: Sequence[int], tolerance: int = 1
) -> Score:
    """Precision/recall/F1 counts of :func:`match_boundaries`."""
    return match_boundaries(truth, detected, tolerance).score


def hits_in(spans: Iterable[tuple[int, int]], detected: Sequence[int], tolerance: int = 1) -> int:
    """How many detections fall in any of ``spans`` (widened by ``tolerance``): false alarms
    on flashes or pans, for instance."""
    widened = [(a - tolerance, b + tolerance) for a, b in spans]
    return sum(1 for d in detected if any(a <= d <= b for a, b in widened))


def total(scores: Iterable[Score]) -> Score:
    """The sum of several clips' counts (micro-averaged scores)."""
    out = Score(0, 0, 0)
    for s in scores:
        out = out + s
    return out
