"""Cuts made from transcript words: filler words, stutters, and a span the editor selected.

Text-based editing (Descript's model): deleting words in the transcript cuts their time out
of the video. This module is the pure part, tested without Qt:

- :func:`find_fillers` finds hesitation sounds ("um", "uh", "er", "ah"…), "like" only where
  commas set it apart ("it was, like, huge"), and a word said twice in a row ("the the").
  A filler's cut is the word itself (runs of fillers merge); a repeat's cut is the first
  saying plus the pause before the second, so what remains reads as one clean word.
- :func:`span_cut` is the cut for words ``first``…``last``: from the first word's start to
  the last word's end, optionally moved onto the video's frame grid — but only into the
  pauses beside the span (never into a kept word), to the boundary nearest the word edge.

Words are anything with a ``range`` (:class:`~vidi_desktop.core.time.TimeRange`) and a
``text``: :class:`~vidi_desktop.core.project.model.Word` or a transcript word.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol

from vidi_desktop.core.project.model import CutRange, Suggestion
from vidi_desktop.core.time import Time, TimeRange

FILLER_WORDS: frozenset[str] = frozenset(
    {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "eh", "hmm", "mm", "mmm"}
)
"""Hesitation sounds that are never words in their own right."""

_PUNCTUATION = ".,;:!?…\"'“”‘’()[]«»—–-"


class TimedWord(Protocol):
    @property
    def range(self) -> TimeRange: ...

    @property
    def text(self) -> str: ...


CutKind = Literal["filler", "repeat", "selection"]


@dataclass(frozen=True, slots=True)
class WordCut:
    """A cut over words ``first``…``last`` (indices into the word list)."""

    range: TimeRange
    kind: CutKind
    text: str
    first: int
    last: int


def bare(text: str) -> str:
    """A word without surrounding punctuation, lowercased ("Um," → "um")."""
    return text.strip().strip(_PUNCTUATION).lower()


def _is_filler(words: Sequence[TimedWord], i: int) -> bool:
    word = bare(words[i].text)
    if word in FILLER_WORDS:
        return True
    if word != "like":
        return False
    # "like" is a filler when commas set it apart: "it was, like, huge" / "like, whatever".
    after_comma = i > 0 and words[i - 1].text.rstrip().endswith(",")
    before_comma = words[i].text.rstrip().endswith(",")
    return after_comma or before_comma


def _is_repeat(words: Sequence[TimedWord], i: int) -> bool:
    """True when word ``i`` is said again at once as word ``i + 1`` ("the the")."""
    if i + 1 >= len(words):
        return False
    a, b = bare(words[i].text), bare(words[i + 1].text)
    if not a or a != b or not any(c.isalnum() for c in a):
        return False
    # Punctuation after the first ("very, very"; "no. No.") means it was meant.
    return words[i].text.rstrip()[-1] not in _PUNCTUATION


def find_fillers(words: Sequence[TimedWord], *, like: bool = True) -> list[WordCut]:
    """Filler words and immediate repeats as cuts, in time order, none overlapping.

    ``like=False`` leaves "like" alone everywhere.
    """
    cuts: list[WordCut] = []
    i = 0
    n = len(words)
    while i < n:
        if _is_filler(words, i) and (like or bare(words[i].text) != "like"):
            j = i
            while j + 1 < n and _is_filler(words, j + 1) and (
                like or bare(words[j + 1].text) != "like"
            ):
                j += 1
            span = TimeRange.from_start_end(words[i].range.start, words[j].range.end_exclusive)
            text = " ".join(w.text for w in words[i : j + 1])
            cuts.append(WordCut(span, "filler", text, i, j))
            i = j + 1
            continue
        if _is_repeat(words, i):
            j = i
            while _is_repeat(words, j + 1):
                j += 1
            # Cut every saying but the last, with the pauses between them.
            span = TimeRange.from_start_end(words[i].range.start, words[j + 1].range.start)
            text = " ".join(w.text for w in words[i : j + 2])
            cuts.append(WordCut(span, "repeat", text, i, j))
            i = j + 1
            continue
        i += 1
    return cuts


def span_cut(
    words: Sequence[TimedWord],
    first: int,
    last: int,
    *,
    frame_origin: Fraction | None = None,
    frame_duration: Fraction | None = None,
) -> WordCut:
    """The cut removing words ``first``…``last``: their exact edges, or frame boundaries.

    With ``frame_duration`` (and ``frame_origin``, the time of frame 0), the start moves to
    the latest frame boundary at or before the first word's start that is not before the
    previous word's end, and the end to the earliest boundary at or after the last word's
    end not past the next word's start — a cut on the frame grid that clips no kept word.
    Without a neighbour the pause counts as one frame long. An edge with no boundary in its
    pause stays on the word edge.
    """
    if not 0 <= first <= last < len(words):
        raise IndexError(f"word span {first}..{last} is outside 0..{len(words) - 1}")
    start = words[first].range.start
    end = words[last].range.end_exclusive
    if frame_duration is not None and frame_duration > 0:
        origin = frame_origin or Fraction(0)
        s, e = start.seconds, end.seconds
        lo = words[first - 1].range.end_exclusive.seconds if first > 0 else s - frame_duration
        hi = words[last + 1].range.start.seconds if last + 1 < len(words) else e + frame_duration
        k = math.floor((s - origin) / frame_duration)
        snapped_start = origin + k * frame_duration
        if lo <= snapped_start <= s:
            start = Time.exact(snapped_start)
        k = math.ceil((e - origin) / frame_duration)
        snapped_end = origin + k * frame_duration
        if e <= snapped_end <= hi:
            end = Time.exact(snapped_end)
    text = " ".join(w.text for w in words[first : last + 1])
    return WordCut(TimeRange.from_start_end(start, end), "selection", text, first, last)


def word_cut_suggestions(
    asset_id: str, cuts: Sequence[WordCut], source: str, *, request: str | None = None
) -> list[Suggestion]:
    """One pending "cut" suggestion per word cut, labelled with the words it removes."""
    out = []
    for cut in cuts:
        text = cut.text if len(cut.text) <= 40 else cut.text[:39] + "…"
        label = f"{cut.kind} “{text}”" if cut.kind != "selection" else f"cut “{text}”"
        out.append(
            Suggestion.new(
                asset_id,
                CutRange(cut.range, "cut"),
                source,
                label=label,
                metadata={"vidi": {"analyser": "transcript", "cut": cut.kind, "words": cut.text}},
                request=request,
            )
        )
    return out
