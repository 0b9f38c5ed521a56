"""A long file analysed in overlapping time chunks, merged exactly at the chunk edges.

A long file is split in time into ``k`` owned stretches ``[e_i, e_{i+1})``; chunk ``i``
decodes its stretch plus ``overlap`` seconds of context on each side and keeps only the
items (shot boundaries…) whose frame lies in its own stretch. The shared edge of two
neighbours is the middle of their common decoded part, so every kept item is decided by the
chunk in which it lies farther from the decoded edge, with at least ``overlap`` seconds of
frames on either side — by default twice the longest memory of the analysers asked (the
shot detector's ring of recent pictures), i.e. the same frames they would have in view in
one pass. Ownership is by exact frame number, so an item is never lost or counted twice.
Tests check the merged result equals one pass, boundary for boundary (frame, kind, span,
confidence), on real footage with chunk edges through cuts, fades and dissolves.

Only analysers whose spec declares them ``chunk_safe`` are chunked (of the built-in ones,
shots). The others are not exact under chunking: voice activity and Whisper carry state
over the whole audio, face tubes are linked over time, highlights and reframing look at the
whole file. A file asked for any of those runs whole.
"""

from __future__ import annotations

import bisect
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import FileAnalysis
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.probe import MediaInfo

DEFAULT_CHUNK_SECONDS = Fraction(600)
"""Files longer than this (and asked only for chunk-safe analysers) are split into chunks of
about this."""


def chunkable(options: AnalyzeOptions) -> bool:
    """Can a file analysed with ``options`` be chunked exactly? Only when every analyser
    the run computes is declared chunk-safe."""
    needed = options.needed()
    return bool(needed) and all(s.chunk_safe for s in needed)


def default_overlap(fps: float, options: AnalyzeOptions) -> Fraction:
    """Context decoded beyond each owned edge: twice the longest memory of the analysers
    ``options`` runs (their ``context_seconds``), rounded up to a whole second."""
    memory = max(s.context_seconds(fps) for s in _chunked(options))  # type: ignore[misc]
    return Fraction(math.ceil(2 * memory))


def _chunked(options: AnalyzeOptions) -> tuple[Any, ...]:
    """The analysers of a chunked run; ValueError when one is not chunk-safe."""
    needed = options.needed()
    refused = [s.name for s in needed if not s.chunk_safe]
    if refused or not needed:
        raise ValueError(
            f"cannot analyse in chunks: {', '.join(refused) or 'no analyser'} "
            "not declared chunk-safe"
        )
    return needed


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
    """What one chunk found — by analyser, the items it owns — and how its pass ended.

    ``fallback`` is set when the file cannot be chunked after all (no video, truncated):
    the caller runs it whole instead.
    """

    spec: ChunkSpec
    info: MediaInfo | None
    found: dict[str, list[Any]] = field(default_factory=dict)
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
    """What the analysers of ``options`` find in one chunk of ``path`` (only what it owns).

    ValueError when ``options`` asks for an analyser that is not chunk-safe.
    """
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.analysis.run import stopped_note
    from vidi_desktop.media.probe import probe

    analysers = [(s.name, s.frames(options)) for s in _chunked(options)]  # type: ignore[misc]
    info = probe(path, allow_truncated=True)
    if info.video is None or info.truncated:
        return ChunkResult(spec, info, fallback=True)
    n = info.video.frames
    own_lo = _first_frame_at(info, spec.own_start, 0)
    own_hi = _first_frame_at(info, spec.own_end, n)
    lo = 0 if spec.own_start is None else _first_frame_at(info, spec.own_start - spec.overlap, 0)
    hi = n if spec.own_end is None else _first_frame_at(info, spec.own_end + spec.overlap, n)
    results, report = run_visual_pass(
        path, info, [fa for _, fa in analysers], ctx, start_frame=lo, end_frame=hi
    )
    found = {
        name: [x for x in results.get(fa.name, []) if own_lo <= x.frame < own_hi]
        for name, fa in analysers
    }
    return ChunkResult(
        spec,
        info if spec.index == 0 else None,  # one copy of the probe facts is enough
        found,
        frames=(lo, hi),
        owned=(own_lo, own_hi),
        stopped_note=stopped_note(report),  # worded as a whole run's, so merged reads alike
    )


def merge_chunks(results: list[ChunkResult]) -> FileAnalysis:
    """One file's analysis from all of its chunks (any order); each list in frame order.

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
    for name in dict.fromkeys(k for r in ordered for k in r.found):
        items = (x for r in ordered for x in r.found.get(name, []))
        analysis.results[name] = sorted(items, key=lambda x: x.frame)
    notes = [r.stopped_note for r in ordered if r.stopped_note]
    if notes:
        analysis.notes.append(notes[-1])
    return analysis
