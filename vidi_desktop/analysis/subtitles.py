"""Subtitle cues from a timed transcript, split the way subtitlers do.

The transcript's words are first broken into phrases at hard boundaries — a sentence end, a
pause, a shot cut (a cue never runs across a cut: the picture change would tear it in two).
A phrase that does not fit one cue (at most ``max_lines`` lines of ``max_chars_per_line``,
at most ``max_duration``) is split in two at the best point — balanced halves, preferably
after a comma or at a pause — and each half again until everything fits; a word is never
split. A cue starts with its first word and ends with its last; short cues are then held
longer, into the silence after them (never into the next cue or across a cut), until they
last ``min_duration`` and can be read at ``max_cps`` characters a second.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.analysis.transcript import Transcript, TranscriptWord, ends_sentence
from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project.model import SubtitleCue, Suggestion, Word
from vidi_desktop.core.rate import parse_fraction
from vidi_desktop.core.time import Time, TimeRange

Seconds = Fraction | int | str | Time

_CLAUSE_END = (",", ";", ":", "—", "–")
# Words a line or cue should not end on (they lean on what follows), as subtitling style
# guides ask: articles, prepositions, conjunctions, possessives.
_WEAK = (
    "a an the and or but nor so of to in on at by for with from into onto as if than that "
    "my your his her its our their this these those"
)
_WEAK_ENDINGS = frozenset(_WEAK.split())
_MAX_DEPTH = 64  # splitting halves a phrase each time: far more than any phrase needs


class SubtitleSettingsError(VidiError, ValueError):
    """Cue limits that contradict each other (e.g. a minimum above the maximum)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle: its range, its text with ``\\n`` between lines, and its words."""

    range: TimeRange
    text: str
    words: tuple[TranscriptWord, ...]

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def chars_per_second(self) -> float:
        seconds = self.range.duration.seconds
        chars = len(self.text.replace("\n", " "))
        return float(chars / seconds) if seconds else float("inf")


@dataclass(frozen=True, slots=True)
class _Limits:
    chars: int
    lines: int
    min_duration: Fraction
    max_duration: Fraction
    cps: Fraction
    pause: Fraction


def make_cues(
    transcript: Transcript | Sequence[TranscriptWord],
    shot_cuts: Sequence[Time] = (),
    max_chars_per_line: int = 42,
    max_lines: int = 2,
    min_duration: Seconds = 1,
    max_duration: Seconds = 7,
    max_cps: Seconds = 20,
    pause: Seconds = Fraction(7, 10),
) -> list[Cue]:
    """Cues for the transcript's words (see the module notes for the rules).

    ``shot_cuts`` are instants no cue may straddle; ``pause`` is the silence between two
    words that always ends a cue; ``max_cps`` the reading speed (characters a second,
    spaces included) a cue's display time is stretched to meet where silence allows.
    """
    limits = _Limits(
        chars=max_chars_per_line,
        lines=max_lines,
        min_duration=_seconds(min_duration, "minimum duration"),
        max_duration=_seconds(max_duration, "maximum duration"),
        cps=_seconds(max_cps, "reading speed"),
        pause=_seconds(pause, "pause"),
    )
    if limits.chars < 1 or limits.lines < 1:
        raise SubtitleSettingsError("a cue needs at least one line of at least one character")
    if limits.max_duration <= 0 or limits.min_duration > limits.max_duration:
        raise SubtitleSettingsError(
            f"cue durations do not fit: minimum {float(limits.min_duration)} s, "
            f"maximum {float(limits.max_duration)} s"
        )
    if limits.cps <= 0:
        raise SubtitleSettingsError("the reading speed must be positive")
    words = transcript.words if isinstance(transcript, Transcript) else tuple(transcript)
    words = tuple(sorted((w for w in words if w.text.strip()), key=lambda w: w.range.start))
    cuts = sorted(shot_cuts)
    pieces: list[list[TranscriptWord]] = []
    for phrase in _phrases(words, cuts, limits.pause):
        _split(phrase, limits, pieces, 0)
    cues = [_cue(p, limits) for p in pieces]
    return _hold(cues, cuts, limits)


def subtitle_suggestions(
    asset_id: str,
    cues: Sequence[Cue],
    source: str = "transcript",
    *,
    request: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> list[Suggestion]:
    """One pending :class:`SubtitleCue` suggestion per cue, with its word timings.

    Its confidence is that of its least certain word: one doubtful word is worth a look.
    """
    out = []
    for cue in cues:
        words = tuple(Word(w.range, w.text) for w in cue.words)
        confidence = min((w.probability for w in cue.words), default=None)
        out.append(
            Suggestion.new(
                asset_id,
                SubtitleCue(cue.range, cue.text, words),
                source,
                confidence=None if confidence is None else max(0.0, min(1.0, confidence)),
                label=cue.text.replace("\n", " "),
                metadata={"vidi": {"analyser": "subtitles", **(metadata or {})}},
                request=request,
            )
        )
    return out


def cues_json(cues: Sequence[Cue]) -> list[dict[str, Any]]:
    """The ``"subtitles"`` list of ``analyze --json``: ``{"start", "end", "text"}``, seconds."""
    return [
        {
            "start": round(float(c.range.start.seconds), 6),
            "end": round(float(c.range.end_exclusive.seconds), 6),
            "text": c.text,
        }
        for c in cues
    ]


# -- splitting -------------------------------------------------------------------------------


def _phrases(
    words: Sequence[TranscriptWord], cuts: Sequence[Time], pause: Fraction
) -> list[list[TranscriptWord]]:
    """Runs of words between hard boundaries: sentence ends, pauses, shot cuts."""
    phrases: list[list[TranscriptWord]] = []
    current: list[TranscriptWord] = []
    for w in words:
        if current:
            prev = current[-1]
            gap = (w.range.start - prev.range.end_exclusive).seconds
            if ends_sentence(prev.text) or gap >= pause or _cut_between(prev, w, cuts):
                phrases.append(current)
                current = []
        current.append(w)
    if current:
        phrases.append(current)
    return phrases


def _cut_between(a: TranscriptWord, b: TranscriptWord, cuts: Sequence[Time]) -> bool:
    """True when a cut falls after ``a``'s middle and at or before ``b``'s middle (a word
    straddling a cut belongs to the side holding most of it)."""
    lo, hi = _middle(a), _middle(b)
    return any(lo < c <= hi for c in cuts)


def _middle(w: TranscriptWord) -> Time:
    r = w.range
    return r.start + Time(r.duration.ticks // 2, r.time_base)


def _fits(words: Sequence[TranscriptWord], limits: _Limits) -> bool:
    if len(words) == 1:
        return True  # a single word is never split, whatever its length
    if len(_join(words)) > limits.chars * limits.lines:
        return False  # cannot wrap into the lines allowed: skip trying
    span = (words[-1].range.end_exclusive - words[0].range.start).seconds
    return span <= limits.max_duration and _wrap(words, limits) is not None


def _split(
    words: list[TranscriptWord], limits: _Limits, out: list[list[TranscriptWord]], depth: int
) -> None:
    """Halve ``words`` at the best break until every part fits one cue."""
    if _fits(words, limits) or depth >= _MAX_DEPTH:
        out.append(words)
        return
    # Characters before each break point (with the joining spaces), computed once.
    prefix = [0]
    for w in words:
        prefix.append(prefix[-1] + len(w.text.strip()) + 1)
    total = prefix[-1] - 1
    best_k = min(range(1, len(words)), key=lambda k: _break_cost(words, k, prefix[k] - 1, total))
    _split(words[:best_k], limits, out, depth + 1)
    _split(words[best_k:], limits, out, depth + 1)


def _break_cost(words: Sequence[TranscriptWord], k: int, left: int, total: int) -> float:
    """Lower for a balanced split (by characters) after a clause or at a pause."""
    right = total - left - 1
    cost = abs(left - right) / max(1, total)
    prev, nxt = words[k - 1], words[k]
    if prev.text.endswith(_CLAUSE_END):
        cost -= 0.3
    elif _weak(prev.text):
        cost += 0.15
    gap = float((nxt.range.start - prev.range.end_exclusive).seconds)
    cost -= min(gap, 0.5) * 0.4  # a 0.5 s pause weighs like two thirds of a comma
    return cost


def _wrap(words: Sequence[TranscriptWord], limits: _Limits) -> list[str] | None:
    """The words as at most ``limits.lines`` balanced lines, or None when they do not fit."""
    texts = [w.text.strip() for w in words]
    one = " ".join(texts)
    if len(one) <= limits.chars:
        return [one]
    if limits.lines == 1:
        return None
    fewer = dataclasses.replace(limits, lines=limits.lines - 1)
    best: tuple[float, list[str]] | None = None
    for k in range(1, len(texts)):
        head = " ".join(texts[:k])
        if len(head) > limits.chars:
            break  # longer heads only get longer
        tail_lines = _wrap(words[k:], fewer)
        if tail_lines is None:
            continue
        lines = [head, *tail_lines]
        # Balanced lines read best, and a break after punctuation beats one inside a clause.
        score = float(max(len(x) for x in lines) - min(len(x) for x in lines))
        if texts[k - 1].endswith((*_CLAUSE_END, ".", "?", "!")):
            score -= 8
        elif _weak(texts[k - 1]):
            score += 8
        if best is None or score < best[0]:
            best = (score, lines)
    return None if best is None else best[1]


def _weak(text: str) -> bool:
    return text.lower().strip("\"'“”‘’") in _WEAK_ENDINGS


def _join(words: Sequence[TranscriptWord]) -> str:
    return " ".join(w.text.strip() for w in words)


def _cue(words: list[TranscriptWord], limits: _Limits) -> Cue:
    lines = _wrap(words, limits) or [_join(words)]
    start = words[0].range.start
    end = max(w.range.end_exclusive for w in words)
    end = min(end, start + Time.exact(limits.max_duration))
    return Cue(TimeRange.from_start_end(start, end), "\n".join(lines), tuple(words))


def _shot(cue: Cue, cuts: Sequence[Time]) -> tuple[Time | None, Time | None]:
    """The cuts before and after the shot a cue's words belong to (by their middles)."""
    middle = _middle(cue.words[0])
    i = bisect.bisect_right(cuts, middle)
    return (cuts[i - 1] if i else None), (cuts[i] if i < len(cuts) else None)


def _hold(cues: list[Cue], cuts: Sequence[Time], limits: _Limits) -> list[Cue]:
    """Keep each cue inside its shot, then stretch its end (else its start) into free time
    until it lasts ``min_duration`` and can be read at ``max_cps``, within ``max_duration``."""
    out: list[Cue] = []
    for i, cue in enumerate(cues):
        shot_start, shot_end = _shot(cue, cuts)
        start, end = cue.range.start, cue.range.end_exclusive
        # A word straddling a cut is shown only on its side of the cut.
        if shot_start is not None:
            start = max(start, shot_start)
        if shot_end is not None:
            end = min(end, shot_end)
        chars = len(cue.text.replace("\n", " "))
        wanted = min(max(limits.min_duration, Fraction(chars) / limits.cps), limits.max_duration)
        if (end - start).seconds < wanted:
            limits_after = [t for t in (shot_end,) if t is not None]
            if i + 1 < len(cues):
                limits_after.append(cues[i + 1].range.start)
            target = start + Time.exact(wanted)
            end = max(end, min([target, *limits_after]))
        if (end - start).seconds < limits.min_duration:
            # Still short (the next cue or a cut follows closely): begin earlier, into the
            # silence before, as far as the previous cue's end or the shot's start.
            limits_before = [t for t in (shot_start,) if t is not None]
            if out:
                limits_before.append(out[-1].range.end_exclusive)
            target = end - Time.exact(limits.min_duration)
            start = min(start, max([target, *limits_before]))
        out.append(Cue(TimeRange.from_start_end(start, end), cue.text, cue.words))
    return out


def _seconds(value: Seconds, what: str) -> Fraction:
    if isinstance(value, Time):
        return value.seconds
    try:
        seconds = parse_fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise SubtitleSettingsError(f"{what} must be a number, got {value!r}") from None
    if seconds < 0:
        raise SubtitleSettingsError(f"{what} must not be negative")
    return seconds
