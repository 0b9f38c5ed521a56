"""Voice activity with a loudness first pass: silero scores only what loudness cannot tell.

Silence removal needs the voice detector's boundaries, not its verdict on every 32 ms of a
talk. The level of each window (RMS in dBFS, the same 512-sample windows silero scores)
sorts the audio first:

- **quiet**: runs of at least :data:`QUIET_RUN` windows within :data:`QUIET_ABOVE_FLOOR_DB`
  of the noise floor (the :data:`FLOOR_PERCENTILE` th percentile of the levels) are not
  speech: they are not scored, except :data:`POST_ROLL` windows after the sound stops and
  :data:`PRE_ROLL` before it resumes (silero's verdict lags the level by a few windows).
- **a voice going on**: inside a stretch of sound, windows whose level rises and falls like
  syllables (at least :data:`STEADY_BELOW_DB` within every :data:`STEADY_SPAN` windows) and
  has no dip (:data:`DIP_RUN` windows below the loud level minus :data:`DIP_BELOW_LOUD_DB`)
  may be taken as speech unscored — only while silero says speech (≥ ``threshold``) on the
  :data:`CONFIRM` windows before and on the :data:`CHECK` windows after, at most
  :data:`SKIP` windows at a time. When the windows after a skip do not say speech, the
  skipped windows are scored after all.
- **everything else** is scored: the edges of every stretch of sound (:data:`HEAD` windows
  after it starts, :data:`TAIL` before it stops), every dip, and every steady sound (a fan,
  hiss, a held note: silero calls the first ~10 windows of a new sound speech, so a check
  after a skip would not catch it) with :data:`TAIL` windows before it.

The windows scored run through the model in order, its recurrent state carried across what
was skipped (as if the skipped audio were cut out), each with the 64 real samples before it
as context. The probabilities then go through the same hysteresis as
:func:`~vidi_desktop.analysis.speech.detect_speech` (an unscored quiet window counts as 0, an
unscored voiced one as 1; only scored windows count in a segment's confidence).

The plan is made a :data:`SEGMENT` at a time from the levels up to :data:`LOOKAHEAD`
windows further, so :func:`load_and_gate_speech` scores while the file decodes and finds
exactly what :func:`detect_speech_gated` finds on the decoded clip.

On a generated 10-minute talk it scores about a quarter of the windows and the silence
cuts keep the same time as with every window scored (kept-time IoU 0.998; 0.993-1.0 on
talks in quiet and noisy rooms, with noise bursts, a music bed or digital silence). The
full pass stays the default of the ``speech`` analysis, whose segments and confidences
other analyses read. Without ONNX Runtime's silero (the ``torch`` speech engine, 8 kHz
audio) it is the full pass.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.speech import (
    SPEECH_RATE,
    SpeechSegment,
    _OnnxSilero,
    _Segmenter,
    _segments,
    decode_beside,
    detect_speech,
    speech_engine,
)

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.core.time import Time
    from vidi_desktop.media.audio import AudioClip

WINDOW = 512  # samples per silero window at 16 kHz (32 ms)
FLOOR_PERCENTILE = 10.0  # the noise floor: this percentile of the window levels
QUIET_ABOVE_FLOOR_DB = 6.0  # quiet: less than this above the floor
QUIET_RUN = 8  # windows (256 ms): a shorter quiet stretch is a gap between words
LOUD_PERCENTILE = 90.0  # the loud level: this percentile of the levels that are not quiet
DIP_BELOW_LOUD_DB = 20.0  # a dip: this far below the loud level (or quiet)…
DIP_RUN = 6  # …for this many windows (192 ms): scored, it may be a pause
STEADY_SPAN = 16  # windows (0.5 s) whose level moves less than…
STEADY_BELOW_DB = 6.0  # …this are a steady sound, scored (a voice moves 10-20 dB)
PRE_ROLL = 4  # windows scored before a stretch of sound starts…
HEAD = 4  # …and after
TAIL = 8  # windows scored before a stretch of sound stops…
POST_ROLL = 6  # …and after (silero's verdict trails the level by 1-4 windows)
SKIP = 64  # at most this many windows (2 s) taken as speech unscored at a time
MIN_SKIP = 16  # a shorter stretch is scored: skipping it would save less than checking it
CONFIRM = 4  # windows that must say speech just before a skip and at the end of its check
CHECK = 4  # windows scored after a skip, the last CONFIRM of which must say speech
SEGMENT = 1024  # windows (33 s) planned at a time…
LOOKAHEAD = 1024  # …from the levels of the audio up to this many windows past them
_REACH = 64  # windows: more than any run or edge a class depends on (QUIET_RUN … 2 STEADY_SPAN)
_BLOCK = 256  # windows per model call at most (bounded memory, cancel checks between)
_HAND_OVER = 10  # decoded seconds handed to the scorer at a time
_FLOOR_DB = -120.0

SILENT, SCORE, MAYBE = 0, 1, 2
"""Window classes of the plan: not speech, scored, speech while silero confirms it."""


def window_levels(samples: np.ndarray) -> np.ndarray:
    """RMS level in dBFS of each 512-sample window of 16 kHz mono ``samples`` (the last one
    zero-padded, as silero scores it)."""
    import numpy as np

    n = int(samples.shape[0])
    whole = n // WINDOW
    count = -(-n // WINDOW)
    power = np.empty(count, np.float64)
    # Sums of squares in float32 without a squared copy of the audio (a 10-minute talk is
    # 9.6 M samples); a 512-term sum loses nothing that matters in dB.
    full = np.asarray(samples[: whole * WINDOW], np.float32).reshape(whole, WINDOW)
    power[:whole] = np.einsum("ij,ij->i", full, full) / WINDOW
    if count > whole:
        tail = np.asarray(samples[whole * WINDOW :], np.float64)
        power[whole] = float(np.square(tail).sum()) / WINDOW  # zero-padded to a window
    with np.errstate(divide="ignore"):
        return np.maximum(10.0 * np.log10(power), _FLOOR_DB)


def plan_windows(db: np.ndarray) -> np.ndarray:
    """Each window's class (:data:`SILENT`, :data:`SCORE` or :data:`MAYBE`) from the levels
    (see the module docstring)."""
    return _classify(db, *_floor_and_loud(db))


def _floor_and_loud(db: np.ndarray) -> tuple[float, float]:
    """The noise floor and the loud level of window levels ``db`` (dBFS)."""
    if db.shape[0] == 0:
        return _FLOOR_DB, _FLOOR_DB
    floor = _percentile(db, FLOOR_PERCENTILE)
    sound = db[db >= floor + QUIET_ABOVE_FLOOR_DB]
    loud = _percentile(sound, LOUD_PERCENTILE) if sound.size else floor
    return floor, loud


def _percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear, numpy's own interpolation), by a partial sort:
    numpy's goes through ``np.unique``, which imports all of ``numpy.ma`` (10 ms) to ask
    whether the array is masked."""
    import numpy as np

    n = int(values.shape[0])
    at = q / 100.0 * (n - 1)
    lo = int(np.floor(at))
    hi = min(lo + 1, n - 1)
    part = np.partition(values, [lo, hi])
    a, b, t = float(part[lo]), float(part[hi]), at - lo
    # numpy's lerp: from the nearer end, so t = 1 gives b exactly.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def _classify(db: np.ndarray, floor: float, loud: float) -> np.ndarray:
    """:func:`plan_windows` with the floor and loud level given. A window's class depends
    only on the levels within :data:`_REACH` windows of it (and the file's edges), so a
    stretch can be classified from a slice that starts that far before it."""
    import numpy as np

    count = int(db.shape[0])
    plan = np.full(count, MAYBE, np.int8)
    if count == 0:
        return plan
    quiet = db < floor + QUIET_ABOVE_FLOOR_DB
    dip = db < max(floor + QUIET_ABOVE_FLOOR_DB, loud - DIP_BELOW_LOUD_DB)
    gaps = [(a, b) for a, b in _runs(quiet) if b - a >= QUIET_RUN]
    for a, b in gaps:
        plan[a:b] = SILENT
    for a, b in gaps:  # the edges of the sound around each quiet gap
        plan[max(0, a - TAIL) : a + POST_ROLL] = SCORE
        plan[max(0, b - PRE_ROLL) : b + HEAD] = SCORE
    for a, b in _runs(dip):
        if b - a >= DIP_RUN:
            span = plan[max(0, a - TAIL) : b + HEAD]
            span[span == MAYBE] = SCORE
    # A voice's level rises and falls with its syllables; a steady loud sound (a fan, hiss,
    # a held note) is no voice, and silero has to hear it out (it keeps calling the first
    # ~10 windows of a new sound speech, so a check after a skip would not catch it).
    # Scored from TAIL windows before it, as a pause is, so silero enters it as it would.
    for a, b in _runs(_level_range(db, STEADY_SPAN) < STEADY_BELOW_DB):
        span = plan[max(0, a - TAIL) : b + HEAD]
        span[span == MAYBE] = SCORE
    for span in (plan[:HEAD], plan[-TAIL:]):  # the file's own edges
        span[span == MAYBE] = SCORE
    return plan


def _level_range(db: np.ndarray, span: int) -> np.ndarray:
    """For each window, the smallest max-minus-min level of the runs of ``span`` windows
    that hold it (small: the window is inside a steady stretch)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    count = int(db.shape[0])
    if count < span:
        return np.full(count, float(db.max() - db.min()) if count else 0.0)
    frames = sliding_window_view(db, span)
    ranges = frames.max(axis=1) - frames.min(axis=1)  # range of windows [k, k + span)
    # Window i is in the runs starting at i - span + 1 … i.
    padded = np.concatenate([np.full(span - 1, np.inf), ranges, np.full(span - 1, np.inf)])
    return sliding_window_view(padded, span).min(axis=1)[:count]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True."""
    import numpy as np

    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(),
                    strict=True))


def _stretch_end(plan: np.ndarray, i: int) -> int | None:
    """Where the run of ``plan[i]``'s class that starts at ``i`` ends (None: at the end of
    what is planned), looked for a block at a time (quiet stretches can be long)."""
    import numpy as np

    kind = plan[i]
    for first in range(i, plan.shape[0], 256):
        other = np.flatnonzero(plan[first : first + 256] != kind)
        if other.size:
            return first + int(other[0])
    return None


class _Growing:
    """A 1-D numpy array that grows by appending (capacity doubles)."""

    def __init__(self, dtype: Any, capacity: int = 1 << 16) -> None:
        import numpy as np

        self.data = np.zeros(capacity, dtype)
        self.size = 0

    def append(self, values: np.ndarray) -> None:
        import numpy as np

        need = self.size + int(values.shape[0])
        if need > self.data.shape[0]:
            bigger = np.zeros(max(need, 2 * self.data.shape[0]), self.data.dtype)
            bigger[: self.size] = self.data[: self.size]
            self.data = bigger
        self.data[self.size : need] = values
        self.size = need

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.size]


class GatedScorer:
    """The gate fed as the audio decodes: levels as windows complete, the plan a
    :data:`SEGMENT` at a time (from the levels up to :data:`LOOKAHEAD` windows past it),
    the model over each stretch of the plan once its end is known. What it decides never
    depends on how the samples were split, so decoding and scoring together give exactly
    what scoring the whole clip gives."""

    def __init__(
        self,
        threshold: float = 0.5,
        ctx: JobContext | None = None,
        model: _OnnxSilero | None = None,
        expected_samples: int = 0,
    ) -> None:
        import numpy as np

        self.threshold = threshold
        self.ctx = ctx
        self.model = model
        self.expected = max(1, -(-expected_samples // WINDOW))
        self.audio = _Growing(np.float32, max(1 << 16, expected_samples + WINDOW))
        self.db = _Growing(np.float64)
        self.plan = _Growing(np.int8)
        self.probs = _Growing(np.float32)
        self.scored = _Growing(np.bool_)
        self.final = False
        self.at = 0  # the next window to walk
        self.scored_until = 0  # windows before this are scored (a skip that did not hold)

    def feed(self, samples: np.ndarray) -> None:
        """More mono samples (16 kHz) of the clip, in order."""
        self.audio.append(samples)
        whole = self.audio.size // WINDOW
        if whole > self.db.size:
            self.db.append(window_levels(self.audio.data[self.db.size * WINDOW : whole * WINDOW]))
        self._advance()

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """The end of the clip: each window's probability (stand-ins where it skipped) and
        whether it was scored."""
        import numpy as np

        self.final = True
        n = self.audio.size
        count = -(-n // WINDOW)
        if count > self.db.size:  # the last, partial window (zero-padded)
            self.db.append(window_levels(self.audio.data[self.db.size * WINDOW : n]))
        self.audio.append(np.zeros(count * WINDOW - n, np.float32))
        self._advance()
        return self.probs.view.copy(), self.scored.view.copy()

    # -- planning --------------------------------------------------------------------------

    def _advance(self) -> None:
        count = self.db.size
        while self.plan.size < count:
            segment_end = min(count, self.plan.size + SEGMENT)
            prefix = min(count, segment_end + LOOKAHEAD)
            if not self.final and prefix < segment_end + LOOKAHEAD:
                break  # the levels this segment is planned from are not all there yet
            levels = self.db.view[:prefix]
            first = max(0, self.plan.size - _REACH)  # classes need levels this far back only
            classes = _classify(levels[first:], *_floor_and_loud(levels))
            self.plan.append(classes[self.plan.size - first : segment_end - first])
        self._walk()

    # -- scoring ---------------------------------------------------------------------------

    def _walk(self) -> None:
        """Score the plan in order as far as it is known (a stretch only once its end is)."""
        import numpy as np

        plan = self.plan.view
        known = plan.shape[0]
        if self.probs.size < known:
            grow = known - self.probs.size
            self.probs.append(np.zeros(grow, np.float32))
            self.scored.append(np.zeros(grow, np.bool_))
        while self.at < known:
            i = self.at
            kind = int(plan[i])
            end = _stretch_end(plan, i)
            if end is None:
                if not self.final:
                    return  # the stretch may go on past what is planned
                end = known
            if kind == SILENT:
                self.at = end  # probability 0, the model's state unchanged
            elif kind == SCORE or i < self.scored_until:
                stop = end if kind == SCORE else min(end, self.scored_until)
                self._run(i, stop)
                self.at = stop
            elif end - i >= MIN_SKIP and self._speech_before(i):
                self._skip(i, end)
            else:
                stop = min(end, i + CONFIRM)  # score a little, then see whether it can skip
                self._run(i, stop)
                self.at = stop

    def _speech_before(self, i: int) -> bool:
        """Whether silero scored the CONFIRM windows before ``i`` and called them speech."""
        if i < CONFIRM:
            return False
        before = slice(i - CONFIRM, i)
        # Read the arrays afresh: scoring may have grown (so moved) them.
        return bool(self.scored.view[before].all()
                    and (self.probs.view[before] >= self.threshold).all())

    def _skip(self, i: int, end: int) -> None:
        """Take windows from ``i`` as speech if silero says so on both sides; else score
        them after all (from the state before the check)."""
        stop = min(end, i + SKIP)
        if end - stop < MIN_SKIP // 2:
            stop = end  # a stub after the skip is not worth a check of its own
        model = self._model()
        before = model.recurrent()
        count = self.plan.size if self.final else self.db.size
        check = self._run(stop, min(count, stop + CHECK))
        if check.size == 0 or bool((check[-CONFIRM:] >= self.threshold).all()):
            self.probs.view[i:stop] = 1.0  # speech, unscored
            self.at = stop + check.size
            return
        model.restore(before)
        self.probs.view[stop : stop + check.size] = 0.0  # scored again, in order
        self.scored.view[stop : stop + check.size] = False
        self.scored_until = stop + check.size

    def _run(self, a: int, b: int) -> np.ndarray:
        """Score windows ``[a, b)`` in order, from the model's current state."""
        import numpy as np

        model = self._model()
        audio = self.audio.data
        windows = audio[: b * WINDOW].reshape(b, WINDOW)
        out = []
        for first in range(a, b, _BLOCK):
            last = min(b, first + _BLOCK)
            if self.ctx is not None:
                self.ctx.check_cancelled()
                self.ctx.progress(min(1.0, first / self.expected), "speech")
            context = audio[first * WINDOW - 64 : first * WINDOW] if first else np.zeros(64)
            out.append(model.score_after(windows[first:last], context))
        got = np.concatenate(out) if out else np.zeros(0, np.float32)
        if self.probs.size < b:  # a check may run past the plan (never past the audio)
            grow = b - self.probs.size
            self.probs.append(np.zeros(grow, np.float32))
            self.scored.append(np.zeros(grow, np.bool_))
        self.probs.view[a:b], self.scored.view[a:b] = got, True
        return got

    def _model(self) -> _OnnxSilero:
        if self.model is None:
            self.model = _OnnxSilero()
        return self.model


def detect_speech_gated(
    clip: AudioClip,
    threshold: float = 0.5,
    min_speech_ms: int = 250,
    min_silence_ms: int = 100,
    pad_ms: int = 30,
    ctx: JobContext | None = None,
    model: _OnnxSilero | None = None,
) -> list[SpeechSegment]:
    """Speech segments of ``clip``, scoring only the windows loudness cannot tell (see the
    module docstring); the settings mean what they mean for
    :func:`~vidi_desktop.analysis.speech.detect_speech`, which runs instead for 8 kHz
    audio or the ``torch`` engine. ``model`` is a fresh :class:`_OnnxSilero`, else one is
    made here."""
    if clip.rate != SPEECH_RATE or speech_engine() != "onnx":
        return detect_speech(clip, threshold, min_speech_ms, min_silence_ms, pad_ms, ctx)
    segmenter = _segmenter(threshold, min_speech_ms, min_silence_ms)  # checks the settings
    mono = clip.mono()
    scorer = GatedScorer(threshold, ctx, model, int(mono.shape[0]))
    scorer.feed(mono)
    return gated_segments(scorer, segmenter, clip.start, pad_ms, ctx)


def gated_segments(
    scorer: GatedScorer,
    segmenter: _Segmenter,
    start: Time,
    pad_ms: int = 30,
    ctx: JobContext | None = None,
) -> list[SpeechSegment]:
    """Finish ``scorer`` and turn its probabilities into the segments of the clip whose first
    sample plays at ``start``."""
    n = scorer.audio.size
    probs, scored = scorer.finish()
    if n == 0:
        return []
    for i, (prob, was_scored) in enumerate(zip(probs.tolist(), scored.tolist(), strict=True)):
        segmenter.push(i * WINDOW, prob, was_scored)
    if ctx is not None:
        ctx.progress(1.0, "speech", force=True)
    return _segments(segmenter.finish(n), SPEECH_RATE * pad_ms // 1000, n, SPEECH_RATE, start)


def gated_probabilities(
    samples: np.ndarray, threshold: float = 0.5, model: _OnnxSilero | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each 512-sample window's speech probability for 16 kHz mono ``samples`` (stand-ins
    where the gate skipped: 0 quiet, 1 speech) and whether silero scored it."""
    scorer = GatedScorer(threshold, None, model, int(samples.shape[0]))
    scorer.feed(samples)
    return scorer.finish()


def _segmenter(threshold: float, min_speech_ms: int, min_silence_ms: int) -> _Segmenter:
    from vidi_desktop.analysis.speech import _Scorer

    # _Scorer validates the settings and derives the segmenter exactly as the full pass.
    return _Scorer(SPEECH_RATE, threshold, min_speech_ms, min_silence_ms).segmenter


def load_and_gate_speech(
    path: str | os.PathLike[str],
    *,
    ctx: JobContext | None = None,
    skip_missing: bool = False,
    expected_seconds: float | None = None,
) -> tuple[AudioClip, list[SpeechSegment]] | None:
    """The file's 16 kHz mono audio and its speech by :func:`detect_speech_gated`, the audio
    decoded on a helper thread while the model scores what is planned (both cores at work,
    the same segments as in turn). None without audio when ``skip_missing``, else
    :class:`~vidi_desktop.analysis.speech.NoAudioError`."""

    from vidi_desktop.media.audio import AudioClip

    if speech_engine() != "onnx":
        from vidi_desktop.analysis.speech import load_and_detect_speech

        return load_and_detect_speech(
            path, ctx=ctx, skip_missing=skip_missing, expected_seconds=expected_seconds
        )
    segmenter = _segmenter(0.5, 250, 100)
    scorer = GatedScorer(ctx=ctx, expected_samples=int((expected_seconds or 0) * SPEECH_RATE))
    # The scorer keeps the samples (one copy of the audio, not two); ten seconds handed over
    # at a time (each hand-over between the threads costs).
    clip = decode_beside(path, scorer.feed, ctx, skip_missing, keep=False, fast=True,
                         batch=_HAND_OVER)
    if clip is None:
        return None
    n = scorer.audio.size
    segments = gated_segments(scorer, segmenter, clip.start, ctx=ctx)
    samples = scorer.audio.data[:n].reshape(1, n)  # the padding after it is not the clip's
    return AudioClip(samples, SPEECH_RATE, clip.start), segments
