"""Vidi's answers → ``(start, end)`` fractions of the video's duration.

What the released checkpoints write (from ByteDance's ``inference.py`` for Vidi-7B and
Vidi1.5-9B): comma-separated ranges of fractions of the duration, ``0.12-0.34, 0.56-0.61``
(the Vidi-7B prompt asks for "the time range in percentage", the model answers in
fractions, and the upstream code multiplies them by the length). Variants seen in other
video LLMs and worth accepting: percentages (``12%-34%``, ``12-34%``), ``to``/en-dash/tilde
separators, bracketed pairs (``[0.12, 0.34]``), and clock times (``00:01:05-00:01:09``)
when the duration is known.

The parser never raises: garbage gives an empty list. Numbers are read exactly as
:class:`~fractions.Fraction` (``"0.12"`` is 3/25), so converting to media time adds no float
error.
"""

from __future__ import annotations

import re
from fractions import Fraction

MAX_TEXT_CHARS = 100_000
"""Longer answers are cut: a runaway generation must not stall the parser."""

_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
_VALUE = rf"{_NUM}(?:\s*%)?(?![\w%]|\.\d)"
# A range starts at a number not glued to a word, a number or a dash: "Vidi1.5-9B" and
# "2025-08-29" hold no range.
_GUARD = r"(?<![\w.\-/:])"
_CLOCK = r"(?<![\w.:])(?:\d{1,3}:)?\d{1,2}:\d{2}(?:\.\d+)?(?![\w:]|\.\d)"
_SEP = r"\s*(?:-|–|—|~|to)\s*"
_PATTERN = re.compile(
    rf"(?P<c0>{_CLOCK}){_SEP}(?P<c1>{_CLOCK})"
    rf"|[\[(]\s*(?P<b0>{_VALUE})\s*,\s*(?P<b1>{_VALUE})\s*[\])]"
    rf"|{_GUARD}(?P<d0>{_VALUE}){_SEP}(?P<d1>{_VALUE})",
    re.IGNORECASE,
)

Span = tuple[Fraction, Fraction]


def parse_ranges(text: object, duration: Fraction | float | None = None) -> list[Span]:
    """The ranges in ``text`` as ``(start, end)`` fractions of the duration, in [0, 1].

    Order is the model's; exact duplicates are dropped; reversed ranges are put in order;
    ranges wholly outside the video are dropped, others are clamped. A pair of bare numbers
    is read as a percentage when both exceed 1 or one exceeds 2 (Vidi is never asked for
    seconds; ``0.9-1.2`` is a fraction that overshot); above 100 the pair is dropped.
    ``duration`` (seconds) is only needed to read clock times.
    """
    if not isinstance(text, str) or not text:
        return []
    total = _as_fraction(duration)
    spans: list[Span] = []
    for match in _PATTERN.finditer(text[:MAX_TEXT_CHARS]):
        try:
            span = _span(match, total)
        except (ValueError, ZeroDivisionError, ArithmeticError):
            span = None  # a number Fraction cannot read: skip it, never fail
        if span is not None and span not in spans:
            spans.append(span)
    return spans


def _span(match: re.Match[str], duration: Fraction | None) -> Span | None:
    if match.group("c0") is not None:
        if duration is None or duration <= 0:
            return None
        a = _clock_seconds(match.group("c0")) / duration
        b = _clock_seconds(match.group("c1")) / duration
        return _ordered_clamped(a, b)
    first, second = (
        (match.group("b0"), match.group("b1"))
        if match.group("b0") is not None
        else (match.group("d0"), match.group("d1"))
    )
    percent = "%" in first or "%" in second
    a = Fraction(first.rstrip("% \t"))
    b = Fraction(second.rstrip("% \t"))
    if not percent and (min(a, b) > 1 or max(a, b) > 2):
        # "12-34": a percentage without its sign. "0.9-1.2" stays a fraction that overshot.
        percent = True
    if percent:
        if max(a, b) > 100:
            return None  # neither fractions nor percentages: seconds, frames, a year…
        a, b = a / 100, b / 100
    return _ordered_clamped(a, b)


def _ordered_clamped(a: Fraction, b: Fraction) -> Span | None:
    start, end = min(a, b), max(a, b)
    if start >= 1 or end < 0 or (start == end == 1):
        return None
    return max(start, Fraction(0)), min(end, Fraction(1))


def _clock_seconds(text: str) -> Fraction:
    parts = text.split(":")
    seconds = Fraction(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def _as_fraction(value: Fraction | float | None) -> Fraction | None:
    if value is None:
        return None
    try:
        result = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None
    return result if result > 0 else None
