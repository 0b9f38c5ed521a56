"""Word error rate, the standard speech-recognition score, with the usual text normalization.

WER = (substitutions + deletions + insertions) / reference words, from the minimum edit
distance between the word sequences. Both texts are normalized first — lowercase,
punctuation dropped (apostrophes inside words too: "don't" = "dont"), hyphens and dashes as
spaces — and, optionally, numbers spelled out ("40" = "forty"), so a score counts
recognition errors rather than style.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_APOSTROPHES = str.maketrans("", "", "'’ʼ`")
_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits, any script

# fmt: off
_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# fmt: on
_LARGE = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))


@dataclass(frozen=True, slots=True)
class WerResult:
    """The score and its parts (counts are in normalized words)."""

    wer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int
    hypothesis_words: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions


def normalize_words(text: str, *, numbers_as_words: bool = False) -> list[str]:
    """``text`` as lowercase words without punctuation (NFKC first, so ligatures match)."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    words = _TOKEN.findall(folded)
    if not numbers_as_words:
        return words
    out: list[str] = []
    for w in words:
        out.extend(number_words(int(w)) if w.isdigit() and len(w) <= 12 else [w])
    return out


def number_words(n: int) -> list[str]:
    """A non-negative integer in English words: 40 → ["forty"], 2024 → ["two", "thousand",
    "twenty", "four"] (no "and", as ASR systems usually spell it)."""
    if n < 0:
        raise ValueError("only non-negative numbers are spelled out")
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    for size, name in _LARGE:
        if n >= size:
            high, rest = divmod(n, size)
            return [*number_words(high), name] + (number_words(rest) if rest else [])
    raise AssertionError("unreachable")


def word_error_rate(
    reference: str | Sequence[str],
    hypothesis: str | Sequence[str],
    *,
    numbers_as_words: bool = False,
) -> WerResult:
    """WER of ``hypothesis`` against ``reference`` (texts are normalized; word lists are
    taken as they are). An empty reference scores 0 against an empty hypothesis, else 1 per
    inserted word."""
    ref = _words(reference, numbers_as_words)
    hyp = _words(hypothesis, numbers_as_words)
    subs, dels, ins = _alignment_counts(ref, hyp)
    errors = subs + dels + ins
    rate = errors / len(ref) if ref else float(len(hyp))
    return WerResult(rate, subs, dels, ins, len(ref), len(hyp))


def wer(reference: str, hypothesis: str, *, numbers_as_words: bool = False) -> float:
    """Just the rate (see :func:`word_error_rate`)."""
    return word_error_rate(reference, hypothesis, numbers_as_words=numbers_as_words).wer


def _words(text: str | Sequence[str], numbers_as_words: bool) -> list[str]:
    if isinstance(text, str):
        return normalize_words(text, numbers_as_words=numbers_as_words)
    return list(text)


def _alignment_counts(ref: list[str], hyp: list[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of a minimum-cost alignment.

    Dynamic programming over (cost, subs, dels, ins) tuples, one row at a time: O(n·m) time,
    O(m) memory. Ties go to fewer substitutions; the rate is the same for any tie.
    """
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i, r in enumerate(ref, 1):
        row = [(i, 0, i, 0)]
        for j, h in enumerate(hyp, 1):
            diag = prev[j - 1]
            best = diag if r == h else (diag[0] + 1, diag[1] + 1, diag[2], diag[3])
            up = prev[j]  # reference word unmatched: a deletion
            best = min(best, (up[0] + 1, up[1], up[2] + 1, up[3]))
            left = row[j - 1]  # hypothesis word unmatched: an insertion
            best = min(best, (left[0] + 1, left[1], left[2], left[3] + 1))
            row.append(best)
        prev = row
    _, subs, dels, ins = prev[-1]
    return subs, dels, ins
