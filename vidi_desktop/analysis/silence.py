"""Silence by level, and "remove silences" cut suggestions.

Level-based detection is the fallback when no voice model is wanted and the right tool for
music beds, where a voice detector finds nothing: the RMS level of each 10 ms hop in dBFS
goes through a Schmitt trigger — silence begins at the first hop below ``enter_db`` and
lasts until a hop rises above ``leave_db`` (``leave_db`` ≥ ``enter_db``, so a level wobbling
around one threshold does not chatter) — and silences shorter than ``min_length`` are kept
as sound.

:func:`remove_silences` turns silences (or the gaps between speech segments) into cut ranges
the way auto-editor's ``--margin`` does: a margin of the silence is kept on both sides of
every stretch of speech, so words are never clipped (its users' top complaint). Cut points
can snap to a video frame boundary, choosing the quietest boundary within a small window
that stays inside the silence.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.speech import AudioInputError, SpeechSegment
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.project.model import SilenceCut, Suggestion
from vidi_desktop.core.rate import FrameRate, parse_fraction
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.audio import AudioClip

FLOOR_DB = -120.0  # the level of digital silence (log of zero would be -inf)
Seconds = Fraction | int | str | Time
FrameGrid = FrameIndex | FrameRate | Fraction | str

_BLOCK_HOPS = 6000  # hops measured per numpy block (a minute at 10 ms): bounded temporaries


@dataclass(frozen=True, slots=True)
class LevelTrack:
    """RMS level in dBFS of consecutive hops of ``hop`` samples; hop 0 starts at ``start``.

    The last hop may be shorter (the clip's tail); ``samples`` is the clip's length.
    """

    db: np.ndarray
    hop: int
    rate: int
    start: Time
    samples: int

    def __len__(self) -> int:
        return int(self.db.shape[0])

    def time_of(self, hop_index: int) -> Time:
        """Exact start of a hop (the clip's end for ``len(self)``)."""
        sample = min(hop_index * self.hop, self.samples)
        return self.start.rescale(Fraction(1, self.rate), "round") + Time(
            sample, Fraction(1, self.rate)
        )

    @property
    def extent(self) -> TimeRange:
        return TimeRange.from_start_end(self.time_of(0), self.time_of(len(self)))

    def level(self, span: TimeRange) -> float:
        """Mean power over the hops touching ``span``, in dB (FLOOR_DB outside the clip)."""
        return self.level_between(span.start.seconds, span.end_exclusive.seconds)

    def level_between(self, start: Fraction, end: Fraction) -> float:
        """:meth:`level` of ``[start, end)`` given in exact seconds (no Time objects: the
        snapping of cut points calls this thousands of times)."""
        import math

        import numpy as np

        origin = self.start.seconds
        first = math.floor((start - origin) * self.rate) // self.hop
        last = -(-math.ceil((end - origin) * self.rate) // self.hop)
        lo, hi = max(0, first), min(len(self), max(last, first + 1))
        if hi <= lo:
            return FLOOR_DB
        power = np.power(10.0, self.db[lo:hi] / 10.0).mean()
        return max(FLOOR_DB, float(10.0 * np.log10(power))) if power > 0 else FLOOR_DB


def levels_db(clip: AudioClip, hop_ms: int = 10, ctx: JobContext | None = None) -> LevelTrack:
    """RMS level per ``hop_ms`` of the clip's mono mix, in dBFS (a full-scale sine is -3 dB)."""
    import numpy as np

    if hop_ms <= 0 or (clip.rate * hop_ms) % 1000:
        raise AudioInputError(
            f"a {hop_ms} ms hop is not a whole number of samples at {clip.rate} Hz"
        )
    hop = clip.rate * hop_ms // 1000
    mono = clip.mono()
    n = int(mono.shape[0])
    count = -(-n // hop)
    db = np.empty(count, np.float32)
    step = _BLOCK_HOPS * hop
    for first in range(0, n, step):
        if ctx is not None:
            ctx.progress(first / max(1, n), "levels")
        block = np.asarray(mono[first : first + step], dtype=np.float64)
        whole = block.shape[0] // hop
        power = np.empty(-(-block.shape[0] // hop))
        power[:whole] = np.square(block[: whole * hop]).reshape(whole, hop).mean(axis=1)
        if whole < power.shape[0]:
            power[whole] = np.square(block[whole * hop :]).mean()
        with np.errstate(divide="ignore"):
            level = 10.0 * np.log10(power)
        db[first // hop : first // hop + power.shape[0]] = np.maximum(level, FLOOR_DB)
    return LevelTrack(db, hop, clip.rate, clip.start, n)


def detect_silences(
    source: AudioClip | LevelTrack,
    enter_db: float = -45.0,
    leave_db: float = -38.0,
    min_length: Seconds = Fraction(1, 5),
    ctx: JobContext | None = None,
) -> list[TimeRange]:
    """Silences by level with hysteresis, exact on the hop grid (10 ms by default).

    A silence starts at the first hop below ``enter_db`` and ends at the first hop above
    ``leave_db``; silences shorter than ``min_length`` seconds are dropped.
    """
    if leave_db < enter_db:
        raise AudioInputError(
            f"leave level ({leave_db} dB) must not be below enter level ({enter_db} dB)"
        )
    levels = source if isinstance(source, LevelTrack) else levels_db(source, ctx=ctx)
    shortest = _seconds(min_length, "minimum silence")
    out: list[TimeRange] = []
    begin: int | None = None
    for i, level in enumerate(levels.db.tolist()):
        if begin is None:
            if level < enter_db:
                begin = i
        elif level > leave_db:
            _keep(out, levels, begin, i, shortest)
            begin = None
    if begin is not None:
        _keep(out, levels, begin, len(levels), shortest)
    return out


def _keep(
    out: list[TimeRange], levels: LevelTrack, first: int, end: int, shortest: Fraction
) -> None:
    span = TimeRange.from_start_end(levels.time_of(first), levels.time_of(end))
    if span.duration.seconds >= shortest and not span.is_empty():
        out.append(span)


def silences_from_speech(
    speech: Sequence[SpeechSegment | TimeRange], extent: TimeRange | Time
) -> list[TimeRange]:
    """The gaps of ``extent`` not covered by any speech segment, in order."""
    bounds = _extent(extent)
    spans = sorted(
        (s.range if isinstance(s, SpeechSegment) else s for s in speech), key=lambda r: r.start
    )
    gaps: list[TimeRange] = []
    cursor = bounds.start
    for r in spans:
        if r.start > cursor:
            gap = TimeRange.from_start_end(cursor, min(r.start, bounds.end_exclusive))
            if not gap.is_empty():
                gaps.append(gap)
        cursor = max(cursor, r.end_exclusive)
        if cursor >= bounds.end_exclusive:
            break
    if cursor < bounds.end_exclusive:
        gaps.append(TimeRange.from_start_end(cursor, bounds.end_exclusive))
    return gaps


def remove_silences(
    silences: Sequence[TimeRange],
    extent: TimeRange | Time,
    *,
    margin: Seconds | tuple[Seconds, Seconds] = Fraction(1, 5),
    min_silence: Seconds = Fraction(1, 2),
    keep_pauses_shorter_than: Seconds | None = None,
    snap_to: FrameGrid | None = None,
    levels: LevelTrack | None = None,
    snap_window_frames: int = 2,
) -> list[TimeRange]:
    """Cut ranges that remove ``silences`` (or :func:`silences_from_speech` of speech).

    - ``margin``: seconds of each silence kept next to speech, on both sides (a pair gives
      ``(before speech, after speech)``, auto-editor's ``--margin 0.2s,0.3s``). Silence at the
      very start or end of ``extent`` has speech on one side only and is cut to the edge.
    - ``min_silence``: silences shorter than this are left alone.
    - ``keep_pauses_shorter_than``: pauses *between* speech shorter than this are kept whole
      (natural pauses between sentences), while dead air at the start and end still goes.
    - ``snap_to``: a video frame grid (a :class:`FrameIndex`, or a constant rate counted from
      ``extent``'s start). Each cut point moves to the frame boundary within
      ``snap_window_frames`` frames that is quietest by ``levels`` (nearest on a tie, or
      without levels), never outside its silence; with no boundary in reach it stays put.
    """
    bounds = _extent(extent)
    if isinstance(margin, tuple):
        before, after = (_seconds(m, "margin") for m in margin)
    else:
        before = after = _seconds(margin, "margin")
    shortest = _seconds(min_silence, "minimum silence")
    keep_below = (
        None
        if keep_pauses_shorter_than is None
        else _seconds(keep_pauses_shorter_than, "pause to keep")
    )
    if snap_window_frames < 0:
        raise AudioInputError("the snap window must not be negative")
    grid = _Grid(snap_to, bounds) if snap_to is not None else None
    cuts: list[TimeRange] = []
    for gap in _merged(silences, bounds):
        length = gap.duration.seconds
        at_start = gap.start <= bounds.start
        at_end = gap.end_exclusive >= bounds.end_exclusive
        if length < shortest or length == 0:
            continue
        if keep_below is not None and not (at_start or at_end) and length < keep_below:
            continue
        # After speech ends, keep ``after`` of the silence; before it resumes, ``before``.
        cut_start = gap.start if at_start else gap.start + Time.exact(after)
        cut_end = gap.end_exclusive if at_end else gap.end_exclusive - Time.exact(before)
        if cut_end <= cut_start:
            continue
        if grid is not None:
            if not at_start:
                cut_start = grid.snap(cut_start, gap.start, cut_end, levels, snap_window_frames)
            if not at_end:
                cut_end = grid.snap(
                    cut_end, cut_start, gap.end_exclusive, levels, snap_window_frames
                )
            if cut_end <= cut_start:
                continue
        cuts.append(TimeRange.from_start_end(cut_start, cut_end))
    return cuts


def silence_suggestions(
    asset_id: str,
    cuts: Sequence[TimeRange],
    source: str = "silence",
    *,
    request: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> list[Suggestion]:
    """One pending silence cut per range, labelled with its length."""
    out = []
    for r in cuts:
        seconds = r.duration.seconds
        meta = {"vidi": {"analyser": "silence", "seconds": float(seconds), **(metadata or {})}}
        out.append(
            Suggestion.new(
                asset_id,
                SilenceCut(r),
                source,
                label=f"silence {float(seconds):.1f} s",
                metadata=meta,
                request=request,
            )
        )
    return out


class _Grid:
    """Frame boundaries (frame start times) of a frame table or a constant rate."""

    def __init__(self, grid: FrameGrid, bounds: TimeRange) -> None:
        self.index = grid if isinstance(grid, FrameIndex) else None
        self.rate = None if self.index is not None else FrameRate.parse(grid)
        self.origin = bounds.start

    def _boundary(self, k: int) -> Time | None:
        if self.index is not None:
            if not 0 <= k < len(self.index):
                return None
            return self.index.time_of(k)
        assert self.rate is not None
        return self.origin + Time(k, self.rate.frame_duration)

    def _nearest(self, t: Time) -> int:
        """Number of the frame boundary nearest ``t`` (the earlier one on a tie)."""
        if self.index is not None:
            ticks = t.rescale(self.index.time_base, "floor").ticks
            k = max(0, bisect.bisect_right(self.index.pts, ticks) - 1)
        else:
            assert self.rate is not None
            k = (t - self.origin).to_frame(self.rate, "floor")
        here, after = self._boundary(k), self._boundary(k + 1)
        if here is not None and after is not None and after - t < t - here:
            return k + 1
        return k

    def _frame_length(self, k: int) -> Fraction:
        if self.rate is not None:
            return self.rate.frame_duration
        assert self.index is not None
        pts, n = self.index.pts, len(self.index.pts)
        if k + 1 < n:
            return (pts[k + 1] - pts[k]) * self.index.time_base
        return (pts[k] - pts[k - 1]) * self.index.time_base if k > 0 else Fraction(1, 25)

    def snap(self, t: Time, lo: Time, hi: Time, levels: LevelTrack | None, window: int) -> Time:
        """The quietest boundary within ``window`` frames of the one nearest ``t``, inside
        ``[lo, hi]``; quietness is the level over one frame's length centred on it."""
        k0 = self._nearest(t)
        # Exact seconds as Fractions: the same decisions as Time arithmetic, a fraction of
        # the cost (a 10-minute talk has hundreds of cut points, each with 5 candidates).
        t_s, lo_s, hi_s = t.seconds, lo.seconds, hi.seconds
        options: list[tuple[float, Fraction, Fraction, Time]] = []
        for k in range(k0 - window, k0 + window + 1):
            b = self._boundary(k)
            if b is None:
                continue
            b_s = b.seconds
            if not lo_s <= b_s <= hi_s:
                continue
            quiet = 0.0
            if levels is not None:
                half = Fraction(
                    Time.from_seconds(self._frame_length(k) / 2, Fraction(1, levels.rate)).ticks,
                    levels.rate,
                )
                # Tenths of a dB: closer levels are the same silence, and nearness decides.
                quiet = round(levels.level_between(b_s - half, b_s + half), 1)
            options.append((quiet, abs(b_s - t_s), b_s, b))
        if not options:
            return t
        return min(options, key=lambda o: o[:3])[3]


def _merged(silences: Sequence[TimeRange], bounds: TimeRange) -> list[TimeRange]:
    """Silences clamped to ``bounds``, sorted, overlapping or touching ones joined."""
    spans = sorted((c for s in silences if (c := s.clamped(bounds))), key=lambda r: r.start)
    out: list[TimeRange] = []
    for r in spans:
        if out and r.start <= out[-1].end_exclusive:
            last = out.pop()
            r = TimeRange.from_start_end(last.start, max(last.end_exclusive, r.end_exclusive))
        out.append(r)
    return out


def _extent(extent: TimeRange | Time) -> TimeRange:
    if isinstance(extent, TimeRange):
        return extent
    if isinstance(extent, Time):
        return TimeRange(Time(0, extent.time_base), extent)
    raise TypeError(f"extent must be a TimeRange or a duration Time, got {type(extent).__name__}")


def _seconds(value: Seconds, what: str) -> Fraction:
    if isinstance(value, Time):
        seconds = value.seconds
    else:
        try:
            seconds = parse_fraction(value)
        except (TypeError, ValueError, ZeroDivisionError):
            raise AudioInputError(f"{what} must be a number of seconds, got {value!r}") from None
    if seconds < 0:
        raise AudioInputError(f"{what} must not be negative, got {float(seconds)} s")
    return seconds
