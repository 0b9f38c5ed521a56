"""Highlights: the N best short clips of a long recording, dense, cut at sentence boundaries.

What short-clip tools (TikTok Smart Split, Opus Clip) deliver, and editors expect:

- **the length asked**: each clip plays within ±15 % of it. Where the footage cannot give
  that (too little speech left), the clip is shorter — not below half the length unless
  the whole footage holds less speech — and says why in its details;
- **whole sentences**: a clip starts where a sentence starts and ends where one ends.
  Where no run of whole sentences reaches the length, it may start or end at a clause (after
  a comma), and a sentence longer than the clip is split at its widest pause; either says
  so (``bounded_by: clauses``). A "sentence" opening with until/unless/because… continues
  the one before (Whisper ends sentences at hesitations);
- **dense**: silences longer than :data:`MAX_PAUSE` inside a clip are removed, keeping
  :data:`PAD` of pause either side, so a clip is a few source ranges played back to back
  (``parts``) rather than one range with dead air in it;
- **as many as asked**: the clips are chosen together (dynamic programming over
  non-overlapping candidates): first as many clips of the right length as the footage
  holds, then as many bounded by whole sentences rather than clauses, then as many shorter
  ones, then the best total score; then a clip is swapped for one about something else
  where two share their words (one topic) more than the scores part them;
- **ranked** (those of the length asked first) by a score whose parts are kept: speech
  density, whole sentences, a topic of its own (its words shared inside, not across its
  edges), an opening that needs no context, loudness, motion, faces, shot rhythm and
  closeness to the length;
- **titled** with its key phrase (:mod:`vidi_desktop.analysis.keyphrase`).

Footage without speech is cut at shot boundaries instead, at the length asked. Every
feature is reduced to one value per second, so hours of footage cost a few kilobytes.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from vidi_desktop.analysis.keyphrase import Corpus, content_words, key_phrase
from vidi_desktop.core.time import Time, TimeRange

MAX_PAUSE = Fraction(7, 10)  # a longer silence inside a clip is cut out
PAD = Fraction(3, 20)  # pause kept on each side of a silence cut out
LEAD = Fraction(3, 20)  # before the first word of a clip
TAIL = Fraction(1, 4)  # after its last word, so the voice rings out
TOLERANCE = Fraction(15, 100)  # of the length asked
SHORTEST = Fraction(1, 2)  # of the length asked: nothing shorter is offered
REDUNDANCY = 0.5  # score lost by two clips per unit of shared words (about one topic)
_SHARED_BY_CHANCE = 0.03  # word overlap (Jaccard) two clips on different topics still have
_NEIGHBOURS = 0.1  # as much shared subject as that, for two clips close together

# Weights of the score components; they sum to 1 so a score reads as 0..1.
WEIGHTS = {
    "speech": 0.2,
    "completeness": 0.15,
    "coherence": 0.15,
    "energy": 0.15,
    "standalone": 0.08,
    "motion": 0.08,
    "faces": 0.07,
    "rhythm": 0.07,
    "length": 0.05,
}

# A clip opening with one of these leans on what came before ("And so…", "It was…").
_LEANING = frozenset(
    """and but so because or then also which who that it its they them he she his her
    there however therefore thus anyway plus yet nor until unless whereas
    than""".split()  # noqa: SIM905
)
# A "sentence" opening with one of these finishes the one before it: Whisper often ends a
# sentence at a hesitation ("…no smell. Until they are roasted."), so neither edge counts.
_CONTINUING = frozenset(["until", "unless", "because", "whereas", "than"])
# Selection weights, each outweighing any sum of those below it (a few hundred clips at
# most, each score at most 1): clips of the right length first, then clips bounded by
# whole sentences rather than clauses, then any clip, then the scores.
_RIGHT_LENGTH = 1e9
_WHOLE_SENTENCES = 1e6
_ONE_CLIP = 1e3


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
    """One clip: its span in the source, the ranges it plays, title, score and why.

    ``parts`` are the source ranges played back to back (silences cut out); ``range`` spans
    them all. ``explanation`` holds the score's parts; ``details`` the played length, the
    length asked, whether it is within tolerance, how the clip is bounded, the silence
    removed and, for a clip off the length asked, a ``note`` saying why.
    """

    range: TimeRange
    title: str
    score: float
    explanation: dict[str, float] = field(default_factory=dict)
    parts: tuple[TimeRange, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Unit:
    """A sentence (or a clause of a long one, or a stretch of voice without a transcript)."""

    start: Fraction
    end: Fraction
    text: str
    opens: bool  # starts at a sentence start
    closes: bool  # ends at a sentence end
    bound: str  # "sentence", "clause" or "pause": what its edges are
    pieces: list[tuple[Fraction, Fraction]] = field(default_factory=list)  # voiced stretches
    voiced: Fraction = Fraction(0)
    vocabulary: frozenset[str] = frozenset()
    # The same in floats, for weighing candidates fast.
    fstart: float = 0.0
    fend: float = 0.0
    fpieces: list[tuple[float, float]] = field(default_factory=list)
    fvoiced: float = 0.0


@dataclass
class _Candidate:
    """A possible clip, in float seconds (thousands are weighed; exact ones are kept only
    for those chosen)."""

    start: float  # the clip's span, lead and tail included
    end: float
    parts: list[tuple[float, float]]  # the ranges it plays
    played: float
    right_length: bool
    score: float = 0.0
    explanation: dict[str, float] = field(default_factory=dict)
    units: tuple[int, int] | None = None  # first and last unit (speech clips)
    exact: list[tuple[Fraction, Fraction]] | None = None  # exact parts (shot clips)
    whole: bool = True  # starts and ends with a sentence (not inside one, at a clause)


def find_highlights(
    inputs: HighlightInputs,
    count: int,
    target: Fraction = Fraction(30),
    min_length: Fraction | None = None,
    max_length: Fraction | None = None,
    time_base: Fraction = Fraction(1, 1000),
) -> list[Highlight]:
    """Up to ``count`` non-overlapping clips playing about ``target`` seconds, best first
    (those of the length asked before shorter ones, each by score).

    ``min_length``/``max_length`` replace the ±15 % band when given. A clip shorter than
    the band (never below half the length, unless the footage holds less speech than that)
    says why in its details. Empty when the footage cannot hold a clip at all.
    """
    if count < 1:
        return []
    lo = min_length if min_length is not None else target * (1 - TOLERANCE)
    hi = max_length if max_length is not None else target * (1 + TOLERANCE)
    floor = min(lo, target * SHORTEST)
    f = _features(inputs, max(1, math.ceil(inputs.duration)))
    units = _units(inputs, hi)
    voiced_total = sum((b - a for a, b in _voiced(inputs)), Fraction(0))
    how = "speech"
    candidates = _speech_candidates(units, inputs, lo, hi, floor) if units else []
    if units and not candidates:
        # Less speech than half a clip: the densest clip there is beats one of silence.
        floor = min(floor, voiced_total * (1 - TOLERANCE))
        candidates = _speech_candidates(units, inputs, lo, hi, floor)
    if not candidates:
        how = "shots"
        candidates = _cut_candidates(inputs, target, lo, hi, floor)
    means = _means(candidates, f, float(inputs.start)) if candidates else {}
    for k, c in enumerate(candidates):
        _score(c, k, units, means, f["cuts"], target)
    chosen = _diversify(_choose(candidates, count), candidates, units)
    # Best first: the clips of the length asked, then the shorter ones, each by score.
    chosen.sort(key=lambda c: (not c.right_length, -c.score, c.start))
    corpus = Corpus.of(u.text for u in units)
    return [
        _highlight(c, units, inputs, how, target, voiced_total, time_base, corpus)
        for c in chosen
    ]


# -- units: sentences, clauses, voiced stretches -------------------------------------------------
def _voiced(inputs: HighlightInputs) -> list[tuple[Fraction, Fraction]]:
    """Where there is voice: speech and words together (a word is never cut), merged."""
    spans = sorted((s.start, s.end) for s in [*inputs.speech, *inputs.words] if s.end > s.start)
    merged: list[tuple[Fraction, Fraction]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _units(inputs: HighlightInputs, longest: Fraction) -> list[_Unit]:
    """The footage's sentences in time order, each no longer than ``longest``, with voice."""
    voiced = _voiced(inputs)
    if not voiced:
        return []
    words = sorted(inputs.words, key=lambda w: w.start)
    units: list[_Unit] = []
    sentences = sorted(inputs.sentences, key=lambda s: s.start)
    if sentences:
        word_starts = [w.start for w in words]
        for s in sentences:
            a, b = bisect.bisect_left(word_starts, s.start), bisect.bisect_left(word_starts, s.end)
            for clause in _clauses(s, words[a:b]):
                units += _split(clause[0], clause[1], longest)
    elif words:  # words without punctuation: stretches between long pauses
        group: list[Span] = []
        for w in words:
            if group and w.start - group[-1].end > MAX_PAUSE:
                units += _split(_group_unit(group), group, longest)
                group = []
            group.append(w)
        units += _split(_group_unit(group), group, longest)
    else:  # voice without a transcript: the voiced stretches themselves
        for a, b in _bridge(voiced, MAX_PAUSE):
            units.append(_Unit(a, b, "", True, True, "pause"))
    for before, after in itertools.pairwise(units):
        first = re.findall(r"[a-z']+", after.text.lower())[:1]
        if first and first[0] in _CONTINUING:
            before.closes, after.opens = False, False
    starts = [a for a, _ in voiced]
    for u in units:
        lo = max(0, bisect.bisect_right(starts, u.start) - 1)
        hi = bisect.bisect_left(starts, u.end)
        clipped = [(max(a, u.start), min(b, u.end)) for a, b in voiced[lo:hi]]
        u.pieces = [(a, b) for a, b in clipped if b > a] or [(u.start, u.end)]
        u.voiced = sum((b - a for a, b in u.pieces), Fraction(0))
        u.vocabulary = frozenset(content_words(u.text))
        u.fstart, u.fend, u.fvoiced = float(u.start), float(u.end), float(u.voiced)
        u.fpieces = [(float(a), float(b)) for a, b in u.pieces]
    return units


def _clauses(sentence: Span, words: list[Span]) -> list[tuple[_Unit, list[Span]]]:
    """A sentence as its clauses (cut after a comma, semicolon or colon), so a clip can
    reach the length asked inside a long sentence when no run of whole ones does; only the
    first clause opens the sentence and only the last closes it."""
    groups: list[list[Span]] = [[]]
    for w in words:
        groups[-1].append(w)
        if w.text.rstrip().endswith((",", ";", ":")):
            groups.append([])
    groups = [g for g in groups if g]
    if len(groups) < 2:
        return [(_Unit(sentence.start, sentence.end, sentence.text, True, True, "sentence"),
                 words)]
    out = []
    for k, g in enumerate(groups):
        start = sentence.start if k == 0 else g[0].start
        end = sentence.end if k == len(groups) - 1 else g[-1].end
        text = " ".join(w.text for w in g)
        out.append((_Unit(start, end, text, k == 0, k == len(groups) - 1, "sentence"), g))
    return out


def _group_unit(words: list[Span]) -> _Unit:
    return _Unit(words[0].start, words[-1].end, " ".join(w.text for w in words), True, True,
                 "pause")


def _split(unit: _Unit, words: list[Span], longest: Fraction) -> list[_Unit]:
    """A unit longer than ``longest`` cut at its best word gap (a clause end preferred)."""
    if unit.end - unit.start <= longest or len(words) < 2:
        return [unit]

    def gap_score(i: int) -> Fraction:
        gap = words[i].start - words[i - 1].end
        clause = words[i - 1].text.rstrip().endswith((",", ";", ":", "—", "-"))
        return gap + (Fraction(1, 2) if clause else 0)

    at = max(range(1, len(words)), key=gap_score)
    left, right = words[:at], words[at:]
    bound = "clause" if unit.bound == "sentence" else unit.bound
    a = _Unit(unit.start, left[-1].end, " ".join(w.text for w in left), unit.opens, False, bound)
    b = _Unit(right[0].start, unit.end, " ".join(w.text for w in right), False, unit.closes,
              bound)
    return _split(a, left, longest) + _split(b, right, longest)


def _bridge(pieces: Sequence[tuple[Fraction, Fraction]], pause: Fraction
            ) -> list[tuple[Fraction, Fraction]]:
    """Pieces joined across gaps of at most ``pause``."""
    out: list[tuple[Fraction, Fraction]] = []
    for a, b in pieces:
        if out and a - out[-1][1] <= pause:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# -- candidates ----------------------------------------------------------------------------------
def _speech_candidates(
    units: list[_Unit], inputs: HighlightInputs, lo: Fraction, hi: Fraction, floor: Fraction
) -> list[_Candidate]:
    """Every run of whole units playing between ``floor`` and ``hi`` seconds (in floats:
    an hour of talk gives tens of thousands of runs)."""
    media_start = float(inputs.start)
    media_end = float(inputs.start + inputs.duration)
    pause, pad, lead_max, tail_max = float(MAX_PAUSE), float(PAD), float(LEAD), float(TAIL)
    lo_f, hi_f, floor_f = float(lo), float(hi), float(floor)
    out: list[_Candidate] = []
    for i, first in enumerate(units):
        before = units[i - 1].fend if i else media_start - 2 * lead_max
        lead = max(0.0, min(lead_max, (first.fstart - before) / 2, first.fstart - media_start))
        pieces: list[tuple[float, float]] = []
        covered = 0.0  # length of the pieces, small pauses bridged
        for j in range(i, len(units)):
            for a, b in units[j].fpieces:
                if pieces and a - pieces[-1][1] <= pause:
                    end = max(pieces[-1][1], b)
                    covered += end - pieces[-1][1]
                    pieces[-1] = (pieces[-1][0], end)
                else:
                    pieces.append((a, b))
                    covered += b - a
            last = units[j]
            after = units[j + 1].fstart if j + 1 < len(units) else media_end + 2 * tail_max
            tail = max(0.0, min(tail_max, (after - last.fend) / 2, media_end - last.fend))
            # Every silence cut out keeps PAD either side (its gap exceeds 2 * PAD).
            played = covered + lead + tail + 2 * pad * (len(pieces) - 1)
            if played > hi_f:
                break
            if played >= floor_f:
                parts = _padded(pieces, lead, tail, pad)
                out.append(_Candidate(parts[0][0], parts[-1][1], parts, played,
                                      played >= lo_f, units=(i, j),
                                      whole=first.opens and last.closes))
    return out


def _exact_parts(units: list[_Unit], inputs: HighlightInputs, i: int, j: int
                 ) -> list[tuple[Fraction, Fraction]]:
    """The ranges the clip of units ``i..j`` plays, in exact seconds."""
    media_start, media_end = inputs.start, inputs.start + inputs.duration
    first, last = units[i], units[j]
    before = units[i - 1].end if i else media_start - 2 * LEAD
    lead = max(Fraction(0), min(LEAD, (first.start - before) / 2, first.start - media_start))
    after = units[j + 1].start if j + 1 < len(units) else media_end + 2 * TAIL
    tail = max(Fraction(0), min(TAIL, (after - last.end) / 2, media_end - last.end))
    pieces = _bridge([p for u in units[i : j + 1] for p in u.pieces], MAX_PAUSE)
    return _padded(pieces, lead, tail, PAD)


def _padded(pieces: list[tuple[Any, Any]], lead: Any, tail: Any, pad: Any
            ) -> list[tuple[Any, Any]]:
    """The ranges a clip plays: voiced pieces with a little pause kept around every cut
    (works on floats and on exact fractions alike)."""
    out = []
    for k, (a, b) in enumerate(pieces):
        a -= lead if k == 0 else min(pad, (a - pieces[k - 1][1]) / 2)
        b += tail if k == len(pieces) - 1 else min(pad, (pieces[k + 1][0] - b) / 2)
        out.append((a, b))
    return out


def _cut_candidates(
    inputs: HighlightInputs, target: Fraction, lo: Fraction, hi: Fraction, floor: Fraction
) -> list[_Candidate]:
    """For footage without speech: clips from a shot boundary (or the start), ending at the
    boundary nearest the length asked, else exactly at that length."""
    media_start, media_end = inputs.start, inputs.start + inputs.duration
    cuts = sorted({c for c in inputs.cuts if media_start < c < media_end})
    starts = [media_start, *cuts]
    ends = [*cuts, media_end]
    out = []
    for s in starts:
        fitting = [e for e in ends if lo <= e - s <= hi]
        if fitting:
            e = min(fitting, key=lambda e: (abs(e - s - target), e))
        elif s + target <= media_end:
            e = s + target
        else:
            e = media_end
        if e - s >= floor:
            out.append(_Candidate(float(s), float(e), [(float(s), float(e))], float(e - s),
                                  e - s >= lo, exact=[(s, e)]))
    return out


# -- choosing ------------------------------------------------------------------------------------
def _choose(candidates: list[_Candidate], count: int) -> list[_Candidate]:
    """The non-overlapping set of at most ``count`` clips with the most clips of the right
    length, then the most clips, then the best total score (weighted interval scheduling)."""
    if not candidates:
        return []
    order = sorted(candidates, key=lambda c: (c.end, c.start))
    ends = [c.end for c in order]
    # Clips ending by its start (a float's rounding must not make neighbours overlap).
    pred = [bisect.bisect_right(ends, c.start + 1e-9) for c in order]
    weight = [
        _RIGHT_LENGTH * c.right_length + _WHOLE_SENTENCES * c.whole + _ONE_CLIP + c.score
        for c in order
    ]
    n = len(order)
    k_max = min(count, n)
    # best[k][m]: the best total with at most k clips among the first m candidates.
    best = np.zeros((k_max + 1, n + 1))
    took = np.zeros((k_max + 1, n + 1), dtype=bool)
    pred_arr = np.asarray(pred)
    w = np.asarray(weight)
    for k in range(1, k_max + 1):
        with_it = best[k - 1][pred_arr] + w  # the m-th candidate after the best before it
        best[k, 1:] = np.maximum.accumulate(with_it)  # …or the best without it
        took[k, 1:] = with_it > best[k, :-1]
    chosen = []
    k, m = k_max, n
    while k > 0 and m > 0:
        if took[k, m]:
            chosen.append(order[m - 1])
            m = pred[m - 1]
            k -= 1
        else:
            m -= 1
    return chosen


def _diversify(chosen: list[_Candidate], candidates: list[_Candidate], units: list[_Unit]
               ) -> list[_Candidate]:
    """Swap a chosen clip for one about something else when that is worth more than the
    score it costs: two clips sharing their words (the same topic) lose :data:`REDUNDANCY`
    per unit of word overlap, and a little for being close neighbours. Swaps never trade a
    clip of the right length or of whole sentences for a lesser one, nor make clips overlap.
    A few rounds, for a dozen clips at most (the choice of hundreds is left to the
    scores)."""
    if len(chosen) < 2 or len(chosen) > 12 or not units:
        return chosen
    words: dict[int, frozenset[str]] = {}

    def vocabulary(c: _Candidate) -> frozenset[str]:
        key = id(c)
        if key not in words:
            i, j = c.units or (0, -1)
            words[key] = frozenset().union(*(u.vocabulary for u in units[i : j + 1]))
        return words[key]

    def redundancy(c: _Candidate, others: list[_Candidate]) -> float:
        mine = vocabulary(c)
        total = 0.0
        for o in others:
            theirs = vocabulary(o)
            if mine and theirs:
                total += max(0.0, len(mine & theirs) / len(mine | theirs) - _SHARED_BY_CHANCE)
            # Neighbours (less than a clip's length apart) are likely about one subject.
            if max(o.start - c.end, c.start - o.end) < min(c.played, o.played):
                total += _NEIGHBOURS
        return REDUNDANCY * total

    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen = list(chosen)
    for _ in range(3):
        changed = False
        for k in sorted(range(len(chosen)), key=lambda k: chosen[k].score):
            c = chosen[k]
            others = chosen[:k] + chosen[k + 1 :]
            best, value = c, c.score - redundancy(c, others)
            for r in ranked:
                if r.score <= value:
                    break  # sorted by score: no later one can do better
                if (r.right_length, r.whole) < (c.right_length, c.whole) or any(
                    r.start < o.end - 1e-9 and o.start < r.end - 1e-9 for o in others
                ):
                    continue
                v = r.score - redundancy(r, others)
                if v > value + 1e-9:
                    best, value = r, v
            if best is not c:
                chosen[k] = best
                changed = True
        if not changed:
            break
    return chosen


# -- features and scoring ------------------------------------------------------------------------
def _fit(values: np.ndarray | None, seconds: int) -> np.ndarray:
    if values is None or len(values) == 0:
        return np.zeros(seconds)
    v = np.asarray(values, np.float64)[:seconds]
    if len(v) < seconds:
        v = np.pad(v, (0, seconds - len(v)), mode="edge")
    peak = float(v.max())
    return v / peak if peak > 0 else v


def _features(inputs: HighlightInputs, seconds: int) -> dict[str, Any]:
    """Per-second curves as running sums (the mean over any span costs two look-ups), and
    the shot boundaries in float seconds, sorted."""
    curves = {
        "energy": _fit(inputs.energy, seconds),
        "motion": _fit(inputs.motion, seconds),
        "faces": np.clip(_fit(inputs.faces, seconds), 0, 1),
    }
    sums: dict[str, Any] = {k: np.concatenate([[0.0], np.cumsum(v)]) for k, v in curves.items()}
    sums["cuts"] = sorted(float(c) for c in inputs.cuts)  # counted by bisection
    return sums


def _means(candidates: list[_Candidate], f: dict[str, Any], origin: float
           ) -> dict[str, np.ndarray]:
    """Each candidate's mean loudness, motion and faces over the ranges it plays, all at
    once (a step curve's integral is its running sum, interpolated at the edges)."""
    owner = np.array([k for k, c in enumerate(candidates) for _ in c.parts], dtype=np.intp)
    a = np.array([p[0] for c in candidates for p in c.parts]) - origin
    b = np.array([p[1] for c in candidates for p in c.parts]) - origin
    played = np.maximum(np.array([c.played for c in candidates]), 1e-9)
    out = {}
    for name in ("energy", "motion", "faces"):
        cum = f[name]
        grid = np.arange(len(cum), dtype=np.float64)
        pieces = np.interp(b, grid, cum) - np.interp(a, grid, cum)
        out[name] = np.bincount(owner, weights=pieces, minlength=len(candidates)) / played
    return out


def _score(c: _Candidate, k: int, units: list[_Unit], means: dict[str, np.ndarray],
           cut_times: list[float], target: Fraction) -> None:
    played = c.played
    cuts = sum(bisect.bisect_left(cut_times, b) - bisect.bisect_right(cut_times, a)
               for a, b in c.parts)
    parts = {
        "energy": float(means["energy"][k]),
        "motion": float(means["motion"][k]),
        "faces": float(means["faces"][k]),
        # About one cut every 4-8 s reads as lively; none is static, many is frantic.
        "rhythm": _rhythm(cuts / max(played, 1.0)),
        # 0.85 or more within the tolerance, falling to 0 at twice or nothing of the length.
        "length": max(0.0, 1.0 - abs(played - float(target)) / float(target)),
    }
    if c.units is None:
        parts.update(speech=0.0, completeness=0.5, coherence=0.5, standalone=0.5)
    else:
        i, j = c.units
        run = units[i : j + 1]
        parts["speech"] = min(1.0, sum(u.fvoiced for u in run) / played)
        parts["completeness"] = (
            0.5 if run[0].bound == "pause" else 0.5 * run[0].opens + 0.5 * run[-1].closes
        )
        parts["coherence"] = _coherence(units, i, j)
        parts["standalone"] = _standalone(run[0].text)
    c.score = round(sum(WEIGHTS[k] * v for k, v in parts.items()), 4)
    c.explanation = {k: round(v, 3) for k, v in sorted(parts.items())}


def _rhythm(cuts_per_second: float) -> float:
    ideal = 1 / 6
    return max(0.0, 1.0 - abs(cuts_per_second - ideal) / ideal) if cuts_per_second else 0.3


def _coherence(units: list[_Unit], i: int, j: int) -> float:
    """How much the clip is about one thing: its sentences share words with each other more
    than with the sentences just outside it (0.5 when there is nothing to compare)."""
    run = units[i : j + 1]
    if not any(u.vocabulary for u in run):
        return 0.5
    spread = Counter(w for u in run for w in u.vocabulary)  # how many sentences say it
    inside = [
        sum(spread[w] > 1 for w in u.vocabulary) / len(u.vocabulary)
        for u in run
        if u.vocabulary and len(run) > 1
    ]
    outside = [
        sum(w in spread for w in u.vocabulary) / len(u.vocabulary)
        for u in units[max(0, i - 2) : i] + units[j + 1 : j + 3]
        if u.vocabulary
    ]
    mean_in = sum(inside) / len(inside) if inside else 0.5
    mean_out = sum(outside) / len(outside) if outside else 0.0
    return max(0.0, min(1.0, 0.5 + mean_in - mean_out - _shift_inside(run)))


def _shift_inside(run: list[_Unit]) -> float:
    """0.3 when the clip holds a topic shift: somewhere inside it, two sentences or more
    either side share none of their words (both sides about something, not the same)."""
    for k in range(2, len(run) - 1):
        left = frozenset().union(*(u.vocabulary for u in run[:k]))
        right = frozenset().union(*(u.vocabulary for u in run[k:]))
        if len(left) >= 3 and len(right) >= 3 and not left & right:
            return 0.3
    return 0.0


def _standalone(text: str) -> float:
    """1 when the opening words need no context, 0 when they lean on what came before."""
    first = re.findall(r"[a-z']+", text.lower())[:1]
    if not first:
        return 0.5
    return 0.0 if first[0] in _LEANING else 1.0


# -- the result ----------------------------------------------------------------------------------
def _highlight(
    c: _Candidate, units: list[_Unit], inputs: HighlightInputs, how: str, target: Fraction,
    voiced_total: Fraction, time_base: Fraction, corpus: Corpus,
) -> Highlight:
    exact = c.exact if c.exact is not None else _exact_parts(units, inputs, *c.units or (0, 0))
    parts = tuple(
        r for r in (
            TimeRange.from_start_end(Time.from_seconds(a, time_base, "ceil"),
                                     Time.from_seconds(b, time_base, "floor"))
            for a, b in exact
        ) if not r.is_empty()
    )
    whole = TimeRange.from_start_end(parts[0].start, parts[-1].end_exclusive)
    played = sum((r.duration.seconds for r in parts), Fraction(0))
    details: dict[str, Any] = {
        "length": round(float(played), 3),
        "target": float(target),
        "within_tolerance": c.right_length,
        "ranges": len(parts),
        "silence_removed": round(float(whole.duration.seconds - played), 3),
        "bounded_by": "shots" if c.units is None else _bounds(units, c.units),
    }
    if not c.right_length:
        details["note"] = _why_short(played, how, target, voiced_total)
    return Highlight(
        range=whole,
        title=_title(c, units, inputs, corpus),
        score=c.score,
        explanation=c.explanation,
        parts=parts if len(parts) > 1 else (),
        details=details,
    )


def _bounds(units: list[_Unit], span: tuple[int, int]) -> str:
    first, last = units[span[0]], units[span[1]]
    if first.bound == "pause":
        return "pauses"
    return "sentences" if first.opens and last.closes else "clauses"


def _why_short(length: Fraction, how: str, target: Fraction, voiced_total: Fraction) -> str:
    played = f"{float(length):.1f} s"
    asked = f"{float(target):g} s"
    if how == "shots":
        return f"{played}, not {asked}: the footage ends before a clip of that length"
    if voiced_total < target * (1 - TOLERANCE):
        return (f"{played}, not {asked}: the footage holds only {float(voiced_total):.1f} s "
                "of speech")
    return f"{played}, not {asked}: the speech left beside the other clips runs no longer"


def _title(c: _Candidate, units: list[_Unit], inputs: HighlightInputs, corpus: Corpus) -> str:
    """The clip's key phrase (against the rest of the footage), else its first words, else
    its time."""
    if c.units is not None:
        i, j = c.units
        text = " ".join(u.text for u in units[i : j + 1]).strip()
        phrase = key_phrase(text, corpus.without(u.text for u in units[i : j + 1]))
        if phrase:
            return phrase
        if text:
            words = text.split()
            return " ".join(words[:6]) + ("…" if len(words) > 6 else "")
    m, sec = divmod(int(c.start - float(inputs.start)), 60)
    return f"Highlight at {m}:{sec:02d}"


# -- as suggestions and JSON ---------------------------------------------------------------------
def highlight_suggestions(
    asset_id: str, highlights: Sequence[Highlight], source: str = "builtin.highlights"
) -> list[Any]:
    """The clips as pending ``highlight_clip`` suggestions: the ranges they play as the
    payload's parts, the score's parts and the clip's details (played length, length asked,
    ``note`` when off it) in ``metadata["vidi"]``."""
    from vidi_desktop.core.project import HighlightClip, Suggestion

    return [
        Suggestion.new(
            asset_id,
            HighlightClip(h.range, h.title, h.score, h.parts),
            source,
            confidence=h.score,
            label=h.title,
            metadata={"vidi": {"analyser": "highlights", "score_parts": h.explanation,
                               **h.details}},
        )
        for h in highlights
    ]


def highlight_to_json(h: Highlight) -> dict[str, Any]:
    """One clip in ``analyze --json``: start/end/title/score/why, plus the ranges it plays
    (``parts``) and its ``details``."""

    def span(r: TimeRange) -> dict[str, float]:
        return {"start": round(float(r.start.seconds), 6),
                "end": round(float(r.end_exclusive.seconds), 6)}

    return span(h.range) | {
        "title": h.title,
        "score": h.score,
        "why": h.explanation,
        "parts": [span(r) for r in h.parts or (h.range,)],
        "details": h.details,
    }
