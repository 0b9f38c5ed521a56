"""Chapters from a transcript: where the talk pauses, the picture cuts or the topic shifts.

The transcript is cut into units (sentences; long sentences at their widest word gaps).
Every gap between two units is a candidate chapter start, scored by

- the topic shift: how unlike each other the text just before and just after is, as
  1 - cosine similarity of sentence embeddings of the two windows (MiniLM), scaled over all
  candidates of the footage so a monotonous talk still has its relative shifts;
- the pause: the silence between the units (2 s or more counts fully);
- a shot cut inside that silence.

The best-scoring candidates become chapter starts, never closer than a minimum chapter
length to each other or to the ends. A chapter is titled with its key phrase (the words most
its own against the rest of the footage, :mod:`vidi_desktop.analysis.keyphrase`), else with
its first words. Footage without speech is chaptered at the shot cuts nearest to even
divisions; without either there is nothing to go by.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vidi_desktop.analysis.keyphrase import key_phrase
from vidi_desktop.analysis.transcript import TranscriptWord, ends_sentence
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    import numpy as np

EmbedFn = Callable[[list[str]], "np.ndarray"]

WEIGHTS = {"topic": 0.5, "pause": 0.3, "cut": 0.2}
FULL_PAUSE = Fraction(2)  # a silence this long (or longer) scores the pause fully
MAX_UNIT = Fraction(20)  # longer sentences are split at their widest gaps
TITLE_WORDS = 8  # words of the first sentence kept when no key phrase is found


@dataclass(frozen=True)
class ChapterPlan:
    """One chapter: its span and its title."""

    range: TimeRange
    title: str


@dataclass(frozen=True)
class _Unit:
    words: tuple[TranscriptWord, ...]

    @property
    def start(self) -> Time:
        return self.words[0].range.start

    @property
    def end(self) -> Time:
        return self.words[-1].range.end_exclusive

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def auto_count(duration: Fraction) -> int:
    """How many chapters suit footage ``duration`` seconds long (about one per 2 minutes,
    at least 2, at most 12)."""
    return max(2, min(12, round(float(duration) / 120)))


def make_chapters(
    words: Sequence[TranscriptWord],
    extent: TimeRange,
    cuts: Sequence[Time] = (),
    embed: EmbedFn | None = None,
    count: int | None = None,
) -> list[ChapterPlan]:
    """Chapters covering ``extent`` (see the module docstring); ``count`` None picks it.

    ``words`` outside ``extent`` are ignored; ``embed`` (texts → unit vectors) scores topic
    shifts and may be None (pauses and cuts only). Empty when there is nothing to go by.
    """
    inside = [w for w in words if extent.contains(w.range.start)]
    cuts = sorted(c for c in cuts if extent.start < c < extent.end_exclusive)
    duration = extent.duration.seconds
    wanted = count if count is not None else auto_count(duration)
    if wanted < 1:
        raise ValueError("a chapter list needs at least one chapter")
    if not inside:
        starts = _starts_at_cuts(cuts, extent, wanted)
        if not starts and not cuts:
            return []
        return _plans(extent, starts, [], lambda _a, _b: "")
    units = _units(inside)
    candidates = _candidates(units, cuts, duration, embed)
    min_len = max(Fraction(1), duration / (2 * wanted))
    chosen: list[Time] = []
    for _score, t in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if len(chosen) >= wanted - 1:
            break
        if (t - extent.start).seconds < min_len or (extent.end_exclusive - t).seconds < min_len:
            continue
        if all(abs((t - c).seconds) >= min_len for c in chosen):
            chosen.append(t)
    chosen.sort()

    def title(a: Time, b: Time) -> str:
        return _title([u for u in units if a <= u.start < b], units)

    return _plans(extent, chosen, units, title)


# -- units and candidates -------------------------------------------------------------------------


def _units(words: Sequence[TranscriptWord]) -> list[_Unit]:
    units: list[_Unit] = []
    current: list[TranscriptWord] = []
    for w in words:
        current.append(w)
        if ends_sentence(w.text):
            units += _split_long(current)
            current = []
    if current:
        units += _split_long(current)
    return units


def _split_long(words: list[TranscriptWord]) -> list[_Unit]:
    """A sentence longer than :data:`MAX_UNIT` split at its widest word gap, recursively."""
    span = (words[-1].range.end_exclusive - words[0].range.start).seconds
    if span <= MAX_UNIT or len(words) < 2:
        return [_Unit(tuple(words))]
    gaps = [
        ((words[i].range.start - words[i - 1].range.end_exclusive).seconds, i)
        for i in range(1, len(words))
    ]
    _, at = max(gaps)
    return _split_long(words[:at]) + _split_long(words[at:])


def _candidates(
    units: list[_Unit], cuts: Sequence[Time], duration: Fraction, embed: EmbedFn | None
) -> list[tuple[float, Time]]:
    """``(score, time)`` for every gap between two units."""
    if len(units) < 2:
        return []
    reach = max(Fraction(10), min(Fraction(60), duration / 8))  # seconds of text each side
    shifts = _topic_shifts(units, reach, embed) if embed is not None else [0.0] * (len(units) - 1)
    out: list[tuple[float, Time]] = []
    for i in range(1, len(units)):
        before, after = units[i - 1].end, units[i].start
        gap = max(Fraction(0), (after - before).seconds)
        cut = next((c for c in cuts if before <= c <= after), None)
        pause = float(min(Fraction(1), gap / FULL_PAUSE))
        score = (
            WEIGHTS["topic"] * shifts[i - 1]
            + WEIGHTS["pause"] * pause
            + WEIGHTS["cut"] * (1.0 if cut is not None else 0.0)
        )
        # A chapter starts at the cut in the silence, else where the talk resumes.
        out.append((score, cut if cut is not None else after))
    return out


def _topic_shifts(units: list[_Unit], reach: Fraction, embed: EmbedFn) -> list[float]:
    """1 - cosine similarity of the text before and after each gap, scaled to 0..1."""
    lefts, rights = [], []
    for i in range(1, len(units)):
        at = units[i].start
        lefts.append(" ".join(u.text for u in units[:i] if (at - u.start).seconds <= reach))
        rights.append(" ".join(u.text for u in units[i:] if (u.start - at).seconds < reach))
    vectors = embed(lefts + rights)
    n = len(lefts)
    raw = [1.0 - float(vectors[k] @ vectors[n + k]) for k in range(n)]
    lo, hi = min(raw), max(raw)
    if hi - lo < 1e-6:
        return [0.0] * n
    return [(r - lo) / (hi - lo) for r in raw]


def _starts_at_cuts(cuts: Sequence[Time], extent: TimeRange, wanted: int) -> list[Time]:
    """For footage without speech: the cuts nearest to ``wanted`` even divisions."""
    chosen: list[Time] = []
    for k in range(1, wanted):
        target = extent.start.seconds + extent.duration.seconds * k / wanted
        free = [c for c in cuts if c not in chosen]
        if not free:
            break
        chosen.append(min(free, key=lambda c: abs(c.seconds - target)))
    return sorted(set(chosen))


# -- titles and plans -----------------------------------------------------------------------------


def _plans(
    extent: TimeRange, starts: list[Time], units: list[_Unit], title: Callable[[Time, Time], str]
) -> list[ChapterPlan]:
    edges = [extent.start, *starts, extent.end_exclusive]
    plans = []
    for n, (a, b) in enumerate(itertools.pairwise(edges), start=1):
        if b <= a:
            continue
        plans.append(ChapterPlan(TimeRange.from_start_end(a, b), title(a, b) or f"Chapter {n}"))
    return plans


def _title(chapter: list[_Unit], everything: list[_Unit]) -> str:
    """The chapter's key phrase (what its words are about, against the rest of the
    footage), else its first sentence, shortened."""
    if not chapter:
        return ""
    mine = {id(u) for u in chapter}
    phrase = key_phrase(
        " ".join(u.text for u in chapter), [u.text for u in everything if id(u) not in mine]
    )
    if phrase:
        return phrase
    words = chapter[0].text.split()
    return _clean(" ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else ""))


def _clean(text: str) -> str:
    text = text.strip().strip("\"'“”")
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1]
    return text[:1].upper() + text[1:]
