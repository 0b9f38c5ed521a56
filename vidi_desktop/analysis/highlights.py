"""Highlights: the N best short clips of a long recording, cut at natural points.

What makes a moment worth a 30-second clip, in the order editors weigh it (Smart Split,
Opus Clip, editors' own habits): people talking in whole sentences, energy in the sound,
something moving, a face on screen, and a lively but not frantic shot rhythm. Each feature
is reduced to one value per second (so hours of footage cost a few kilobytes), a window's
score is a weighted mean, and windows start and end only at natural points — a shot
boundary, a pause in speech, a sentence end — never inside a word.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from vidi_desktop.core.time import Time, TimeRange

# Weights of the score components; they sum to 1 so a score reads as 0..1.
WEIGHTS = {
    "speech": 0.35,
    "completeness": 0.15,
    "energy": 0.2,
    "motion": 0.1,
    "faces": 0.1,
    "rhythm": 0.1,
}

_STOPWORDS = set(
    """a an the and or but if then so of to in on at by for with from as is are was were be
    been being it its this that these those i you he she we they me him her us them my your
    his our their what which who whom how why when where not no yes do does did have has had
    just like um uh oh okay ok well really very can could would should will shall may might
    there here about into over out up down than too also all any some more most such only own
    same s t don now get got go going gonna know think say said one two""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time in exact seconds, ``[start, end)``, optionally with text."""

    start: Fraction
    end: Fraction
    text: str = ""


@dataclass
class HighlightInputs:
    """Everything the scorer reads, reduced to plain numbers (seconds are exact)."""

    start: Fraction
    duration: Fraction
    cuts: Sequence[Fraction] = ()  # shot boundaries
    speech: Sequence[Span] = ()  # voice activity
    sentences: Sequence[Span] = ()  # transcript sentences with text
    words: Sequence[Span] = ()  # transcript words (never cut inside one)
    energy: np.ndarray | None = None  # loudness per second, 0..1
    motion: np.ndarray | None = None  # picture change per second, 0..1
    faces: np.ndarray | None = None  # face presence per second, 0..1


@dataclass(frozen=True)
class Highlight:
    range: TimeRange
    title: str
    score: float
    explanation: dict[str, float] = field(default_factory=dict)


def find_highlights(
    inputs: HighlightInputs,
    count: int,
    target: Fraction = Fraction(30),
    min_length: Fraction | None = None,
    max_length: Fraction | None = None,
    time_base: Fraction = Fraction(1, 1000),
) -> list[Highlight]:
    """The ``count`` best non-overlapping clips of about ``target`` seconds, best first."""
    if count < 1:
        return []
    min_length = min_length if min_length is not None else max(Fraction(1), target / 2)
    max_length = max_length if max_length is not None else target * 2
    end_of_media = inputs.start + inputs.duration
    seconds = max(1, math.ceil(inputs.duration))
    features = _features(inputs, seconds)
    starts, ends = _natural_points(inputs, end_of_media)
    candidates: list[tuple[float, Fraction, Fraction, dict[str, float]]] = []
    for s in starts:
        e = _best_end(s, ends, target, min_length, max_length)
        if e is None:
            continue
        score, parts = _score(s, e, inputs, features)
        candidates.append((score, s, e, parts))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[tuple[float, Fraction, Fraction, dict[str, float]]] = []
    for cand in candidates:
        if all(cand[2] <= c[1] or cand[1] >= c[2] for c in chosen):
            chosen.append(cand)
            if len(chosen) == count:
                break
    return [
        Highlight(
            range=TimeRange.from_start_end(
                Time.from_seconds(s, time_base, "ceil"), Time.from_seconds(e, time_base, "floor")
            ),
            title=_title(s, e, inputs),
            score=round(score, 4),
            explanation=parts,
        )
        for score, s, e, parts in chosen
    ]


# -- features ---------------------------------------------------------------------------------
def _coverage(spans: Sequence[Span], start: Fraction, seconds: int) -> np.ndarray:
    """Fraction of each second covered by ``spans``."""
    cov = np.zeros(seconds, np.float64)
    for sp in spans:
        a = float(sp.start - start)
        b = float(sp.end - start)
        for i in range(max(0, int(a)), min(seconds, math.ceil(b))):
            cov[i] += max(0.0, min(b, i + 1) - max(a, i))
    return np.clip(cov, 0, 1)


def _fit(values: np.ndarray | None, seconds: int) -> np.ndarray:
    if values is None or len(values) == 0:
        return np.zeros(seconds)
    v = np.asarray(values, np.float64)[:seconds]
    if len(v) < seconds:
        v = np.pad(v, (0, seconds - len(v)), mode="edge")
    peak = float(v.max())
    return v / peak if peak > 0 else v


def _features(inputs: HighlightInputs, seconds: int) -> dict[str, np.ndarray]:
    cut_rate = np.zeros(seconds)
    for c in inputs.cuts:
        i = int(c - inputs.start)
        if 0 <= i < seconds:
            cut_rate[i] += 1
    return {
        "speech": _coverage(inputs.speech, inputs.start, seconds),
        "energy": _fit(inputs.energy, seconds),
        "motion": _fit(inputs.motion, seconds),
        "faces": np.clip(_fit(inputs.faces, seconds), 0, 1),
        "cuts": cut_rate,
    }


# -- natural points -----------------------------------------------------------------------------
def _natural_points(
    inputs: HighlightInputs, end_of_media: Fraction
) -> tuple[list[Fraction], list[Fraction]]:
    """Times a clip may start at, and times it may end at, none inside a word."""
    starts = {inputs.start, *inputs.cuts}
    ends = {end_of_media, *inputs.cuts}
    for sp in inputs.speech:
        starts.add(sp.start)
        ends.add(sp.end)
    for sp in inputs.sentences:
        starts.add(sp.start)
        ends.add(sp.end)
    words = sorted(inputs.words, key=lambda w: w.start)
    word_starts = [w.start for w in words]

    def inside_word(t: Fraction) -> bool:
        i = bisect.bisect_right(word_starts, t) - 1
        return i >= 0 and words[i].start < t < words[i].end

    def ok(t: Fraction) -> bool:
        return inputs.start <= t <= end_of_media and not inside_word(t)

    return sorted(t for t in starts if ok(t)), sorted(t for t in ends if ok(t))


def _best_end(
    start: Fraction,
    ends: Sequence[Fraction],
    target: Fraction,
    min_length: Fraction,
    max_length: Fraction,
) -> Fraction | None:
    lo = bisect.bisect_left(ends, start + min_length)
    hi = bisect.bisect_right(ends, start + max_length)
    if lo >= hi:
        return None
    return min(ends[lo:hi], key=lambda e: (abs(e - start - target), e))


# -- scoring ------------------------------------------------------------------------------------
def _score(
    s: Fraction, e: Fraction, inputs: HighlightInputs, f: dict[str, np.ndarray]
) -> tuple[float, dict[str, float]]:
    a = max(0, int(s - inputs.start))
    b = max(a + 1, math.ceil(e - inputs.start))
    length = float(e - s)
    parts = {
        "speech": float(f["speech"][a:b].mean()),
        "energy": float(f["energy"][a:b].mean()),
        "motion": float(f["motion"][a:b].mean()),
        "faces": float(f["faces"][a:b].mean()),
        # About one cut every 4-8 s reads as lively; none is static, many is frantic.
        "rhythm": _rhythm(float(f["cuts"][a:b].sum()) / max(length, 1.0)),
        "completeness": _completeness(s, e, inputs),
    }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return score, {k: round(v, 3) for k, v in parts.items()}


def _rhythm(cuts_per_second: float) -> float:
    ideal = 1 / 6
    return max(0.0, 1.0 - abs(cuts_per_second - ideal) / ideal) if cuts_per_second else 0.3


def _completeness(s: Fraction, e: Fraction, inputs: HighlightInputs) -> float:
    """1 when the clip starts at a sentence start and ends at a sentence end."""
    if not inputs.sentences:
        return 0.5
    starts = {sp.start for sp in inputs.sentences}
    ends = {sp.end for sp in inputs.sentences}
    inside = [sp for sp in inputs.sentences if sp.start < e and sp.end > s]
    cut_sentences = [sp for sp in inside if sp.start < s or sp.end > e]
    value = 0.5 * (s in starts or not inside) + 0.5 * (e in ends or not inside)
    return value * (1.0 if not cut_sentences else 0.5)


def _title(s: Fraction, e: Fraction, inputs: HighlightInputs) -> str:
    """The first whole sentence of the clip, or its keywords, or its time."""
    for sp in inputs.sentences:
        if sp.start >= s and sp.end <= e and len(sp.text.split()) >= 3:
            text = sp.text.strip()
            return text if len(text) <= 60 else text[:57].rsplit(" ", 1)[0] + "…"
    words = [w.text for w in inputs.words if s <= w.start < e]
    counts = Counter(
        w for w in (re.sub(r"[^\w']", "", x.lower()) for x in words)
        if len(w) > 2 and w not in _STOPWORDS
    )
    if counts:
        return " · ".join(w for w, _ in counts.most_common(3))
    m, sec = divmod(int(s), 60)
    return f"Highlight at {m}:{sec:02d}"
