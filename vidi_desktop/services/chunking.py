"""Shot detection of a long file in overlapping chunks, merged exactly at the chunk edges.

A long file is split in time into ``k`` owned stretches ``[e_i, e_{i+1})``; chunk ``i``
decodes its stretch plus ``overlap`` seconds of context on each side and keeps only the
boundaries whose frame lies in its own stretch. The shared edge of two neighbours is the
middle of their common decoded part, so every kept boundary is decided by the chunk in
which it lies farther from the decoded edge, with at least ``overlap`` seconds of frames
on either side — by default twice the shot detector's whole memory (its ring of recent
pictures), i.e. the same frames it would have in view in one pass. Ownership is by exact
frame number, so a boundary is never lost or counted twice. Tests check the merged result
equals one pass, boundary for boundary (frame, kind, span, confidence), on real footage
with chunk edges through cuts, fades and dissolves.

Only shot detection is chunked. The other analysers are not exact under chunking: voice
activity and Whisper carry state over the whole audio, face tubes are linked over time,
highlights and reframing look at the whole file. A file asked for any of those runs whole.
"""

from __future__ import annotations

import bisect
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidi_desktop.analysis.run import AnalyzeOptions, FileAnalysis
    from vidi_desktop.analysis.shots import ShotBoundary
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.decode import PassReport
    from vidi_desktop.media.probe import MediaInfo

DEFAULT_CHUNK_SECONDS = Fraction(600)
"""Files longer than this (and asked only for shots) are split into chunks of about this."""


def chunkable(options: AnalyzeOptions) -> bool:
    """Can a file analysed with ``options`` be chunked exactly? Only shots alone."""
    return bool(options.shots) and not (
        options.speech or options.subtitles or options.faces or options.people
        or options.highlights or options.reframe
    )


def shot_context_seconds(fps: float) -> Fraction:
    """Seconds of pictures the shot detector keeps in view at ``fps`` (its ring)."""
    from vidi_desktop.analysis.shots import ShotDetector

    detector = ShotDetector()
    # begin() only reads the rate from the probe facts.
    rate = Fraction(fps).limit_denominator(1001) if fps > 0 else None
    detector.begin(SimpleNamespace(video=SimpleNamespace(rate=None, average_rate=rate)))  # type: ignore[arg-type]
    return Fraction(detector.memory_frames) / (rate or Fraction(30))


def default_overlap(fps: float) -> Fraction:
    """Context decoded beyond each owned edge: twice the detector's memory, rounded up."""
    return Fraction(math.ceil(2 * shot_context_seconds(fps)))


@dataclass(frozen=True)
class ChunkSpec:
    """Chunk ``index`` of ``count``: it owns ``[own_start, own_end)`` seconds from the first
    frame (None = open-ended) and decodes ``overlap`` seconds more on each side."""

    index: int
    count: int
    own_start: Fraction | None
    own_end: Fraction | None
    overlap: Fraction


def header_facts(path: str | os.PathLike[str]) -> tuple[Fraction, float] | None:
    """(duration in seconds, frame rate) from the container header — no scan, no decode.

    None when the file has no video or the header says nothing (it is then run whole,
    which also reports its errors properly).
    """
    import av

    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            if container.duration is None or not rate:
                return None
            return Fraction(container.duration, 1_000_000), float(rate)
    except (OSError, av.error.FFmpegError, ValueError):
        return None


def plan_chunks(
    duration: Fraction, chunk_seconds: Fraction, overlap: Fraction
) -> list[ChunkSpec]:
    """Equal owned stretches of at most ``chunk_seconds``; one chunk when the file is short."""
    if chunk_seconds <= 0:
        raise ValueError(f"chunk length must be positive, got {chunk_seconds}")
    if overlap < 0:
        raise ValueError(f"overlap must not be negative, got {overlap}")
    count = max(1, math.ceil(Fraction(duration) / Fraction(chunk_seconds)))
    edges = [Fraction(duration) * i / count for i in range(1, count)]
    bounds: list[Fraction | None] = [None, *edges, None]
    return [
        ChunkSpec(i, count, bounds[i], bounds[i + 1], Fraction(overlap)) for i in range(count)
    ]


@dataclass
class ChunkResult:
    """What one chunk found: its boundaries (owned ones only) and how its pass ended.

    ``fallback`` is set when the file cannot be chunked after all (no video, truncated):
    the caller runs it whole instead.
    """

    spec: ChunkSpec
    info: MediaInfo | None
    shots: list[ShotBoundary] = field(default_factory=list)
    frames: tuple[int, int] = (0, 0)  # decoded [start, end)
    owned: tuple[int, int] = (0, 0)  # owned [start, end)
    stopped_note: str | None = None
    fallback: bool = False


def _first_frame_at(info: MediaInfo, seconds: Fraction | None, default: int) -> int:
    """First frame whose time, from the first frame, is ≥ ``seconds`` (exact)."""
    if seconds is None:
        return default
    assert info.video is not None
    index = info.video.frame_index
    t0 = index.pts[0]
    ticks = t0 + math.ceil(seconds / index.time_base)
    return bisect.bisect_left(index.pts, ticks)


def analyse_chunk(
    path: str | os.PathLike[str],
    options: AnalyzeOptions,
    spec: ChunkSpec,
    ctx: JobContext,
) -> ChunkResult:
    """Shot boundaries of one chunk of ``path`` (only those it owns)."""
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.analysis.shots import ShotDetector
    from vidi_desktop.media.probe import probe

    info = probe(path, allow_truncated=True)
    if info.video is None or info.truncated:
        return ChunkResult(spec, info, fallback=True)
    n = info.video.frames
    own_lo = _first_frame_at(info, spec.own_start, 0)
    own_hi = _first_frame_at(info, spec.own_end, n)
    lo = 0 if spec.own_start is None else _first_frame_at(info, spec.own_start - spec.overlap, 0)
    hi = n if spec.own_end is None else _first_frame_at(info, spec.own_end + spec.overlap, n)
    results, report = run_visual_pass(
        path, info, [ShotDetector(options.sensitivity)], ctx, start_frame=lo, end_frame=hi
    )
    shots = [b for b in results.get("shots", []) if own_lo <= b.frame < own_hi]
    return ChunkResult(
        spec,
        info if spec.index == 0 else None,  # one copy of the probe facts is enough
        shots,
        frames=(lo, hi),
        owned=(own_lo, own_hi),
        stopped_note=_stopped_note(report),
    )


def _stopped_note(report: PassReport) -> str | None:
    # The same words as analysis.run's visual pass, so a merged file reads like a whole one.
    if not report.complete and report.stopped_at is not None:
        return (
            f"pictures decoded up to {float(report.stopped_at.seconds):.2f} s "
            f"({report.reason})"
        )
    return None


def merge_chunks(results: list[ChunkResult]) -> FileAnalysis:
    """One file's analysis from all of its chunks (any order); the boundaries in frame order.

    Raises ValueError when chunks are missing, repeated or their owned frames do not tile
    the file — a merge never silently drops or doubles a stretch.
    """
    from vidi_desktop.analysis.run import FileAnalysis

    if not results:
        raise ValueError("no chunks to merge")
    ordered = sorted(results, key=lambda r: r.spec.index)
    count = ordered[0].spec.count
    if [r.spec.index for r in ordered] != list(range(count)):
        raise ValueError(f"chunks {[r.spec.index for r in ordered]} do not make 0..{count - 1}")
    info = ordered[0].info
    if info is None or info.video is None:
        raise ValueError("the first chunk carries no probe facts")
    expected = 0
    for r in ordered:
        if r.owned[0] != expected:
            raise ValueError(f"chunk {r.spec.index} owns from frame {r.owned[0]}, not {expected}")
        expected = r.owned[1]
    if expected != info.video.frames:
        raise ValueError(f"chunks own frames up to {expected}, not {info.video.frames}")
    analysis = FileAnalysis(info)
    analysis.shots = sorted((b for r in ordered for b in r.shots), key=lambda b: b.frame)
    notes = [r.stopped_note for r in ordered if r.stopped_note]
    if notes:
        analysis.notes.append(notes[-1])
    return analysis
