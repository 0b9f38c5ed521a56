"""Transcription windows: the speech of a clip cut into bounded pieces of audio for Whisper.

Whisper gets only speech (each speech segment widened by a little context, silences between
segments left out) joined end to end, a window at a time: a window holds at most
``max_samples`` of audio, so memory does not grow with the footage, and a cancel waits for
one window at most. Windows end between speech segments where they can, so no word is cut
in two. A segment longer than a window is split at its quietest moment near the limit, and
the two windows overlap there by ``overlap`` samples; each window then keeps only the words
that *start* on its side of the split instant (:meth:`Window.keeps`), so a word heard
whole in both overlapping windows is kept exactly once.

All positions are sample indices of the clip (16 kHz), so mapping back is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

RATE = 16000
MAX_SECONDS = 120  # audio a window holds: Whisper's memory is bounded by this, not the clip
PAD_SECONDS = 0.25  # context kept either side of each speech segment
OVERLAP_SECONDS = 2  # shared by two windows that split one long segment
MAX_SPAN_SECONDS = 600  # of the clip a window's pieces may lie across (decoded from a file)
SEARCH_SECONDS = 10  # how far before the limit a quiet split point is looked for
_FRAME = 512  # 32 ms, the loudness step of the split search


@dataclass(frozen=True, slots=True)
class Piece:
    """Clip samples ``[start, end)`` placed at ``at`` in the window's audio."""

    start: int
    end: int
    at: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Window:
    """Pieces of the clip read as one stretch of audio, and which words it answers for.

    ``keep_from``/``keep_to`` (clip samples, None = unbounded) are the split instants of a
    long segment shared with the previous/next window.
    """

    pieces: tuple[Piece, ...]
    keep_from: int | None = None
    keep_to: int | None = None

    @property
    def samples(self) -> int:
        return self.pieces[-1].at + self.pieces[-1].length if self.pieces else 0

    @property
    def span(self) -> tuple[int, int]:
        """The clip samples from the first piece's start to the last one's end."""
        return self.pieces[0].start, self.pieces[-1].end

    def audio(self, mono: np.ndarray, offset: int = 0) -> np.ndarray:
        """The window's audio: its pieces of ``mono`` joined (float32, a new array);
        ``mono[0]`` is clip sample ``offset`` (a decoded :attr:`span`, say)."""
        import numpy as np

        out = np.zeros(self.samples, np.float32)
        for p in self.pieces:
            piece = mono[max(0, p.start - offset) : max(0, p.end - offset)]
            out[p.at : p.at + piece.shape[0]] = piece  # a short decode leaves zeros
        return out

    def to_clip(self, position: float) -> int:
        """The clip sample at ``position`` (samples into the window's audio); a position in
        a join belongs to the piece it falls in, one past the end to the last piece's end."""
        pos = round(position)
        for p in self.pieces:
            if pos < p.at + p.length:
                return p.start + max(0, pos - p.at)
        last = self.pieces[-1]
        return last.end

    def keeps(self, start_sample: int) -> bool:
        """Whether a word starting at ``start_sample`` (clip) is this window's to keep."""
        if self.keep_from is not None and start_sample < self.keep_from:
            return False
        return not (self.keep_to is not None and start_sample >= self.keep_to)


def plan_windows(
    spans: Sequence[tuple[int, int]],
    total: int,
    mono: np.ndarray | None = None,
    *,
    max_samples: int = MAX_SECONDS * RATE,
    pad: int = round(PAD_SECONDS * RATE),
    overlap: int = OVERLAP_SECONDS * RATE,
    max_span: int = MAX_SPAN_SECONDS * RATE,
) -> list[Window]:
    """Windows covering the speech ``spans`` (sorted clip samples ``[a, b)``) of a clip of
    ``total`` samples; ``mono`` (the clip's samples) lets long segments split at a quiet
    moment, else they split at the limit. A window's pieces lie within ``max_span`` samples
    of the clip, so decoding a window from the file costs a bounded amount too."""
    if max_samples <= 2 * overlap:
        raise ValueError("a window must be longer than two overlaps")
    stretches = _padded(spans, total, pad)
    pieces: list[tuple[int, int, int | None, int | None]] = []  # start, end, keep_from, keep_to
    for a, b in stretches:
        pieces += _split_long(a, b, total, mono, max_samples, overlap)
    windows: list[Window] = []
    current: list[Piece] = []
    used = 0
    for a, b, keep_from, keep_to in pieces:
        length = b - a
        bounded = keep_from is not None or keep_to is not None
        too_far = bool(current) and b - current[0].start > max_span
        if current and (used + length > max_samples or bounded or too_far):
            windows.append(Window(tuple(current)))
            current, used = [], 0
        if bounded:
            # A part of a long segment is a window of its own: its keep range is its own.
            windows.append(Window((Piece(a, b, 0),), keep_from, keep_to))
            continue
        current.append(Piece(a, b, used))
        used += length
    if current:
        windows.append(Window(tuple(current)))
    return windows


def _padded(spans: Sequence[tuple[int, int]], total: int, pad: int) -> list[tuple[int, int]]:
    """Spans widened by ``pad`` inside ``[0, total)``; spans that then touch are joined."""
    out: list[list[int]] = []
    for a, b in sorted(spans):
        a, b = max(0, a - pad), min(total, b + pad)
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _split_long(
    a: int, b: int, total: int, mono: np.ndarray | None, max_samples: int, overlap: int
) -> list[tuple[int, int, int | None, int | None]]:
    """``[a, b)`` as one piece, or as overlapping parts split at quiet instants."""
    if b - a <= max_samples:
        return [(a, b, None, None)]
    cuts: list[int] = []
    at = a
    while b - at > max_samples - overlap:
        limit = at + max_samples - 2 * overlap  # the next part must hold overlap both sides
        cut = _quietest(mono, max(at + overlap, limit - SEARCH_SECONDS * RATE), limit)
        cuts.append(cut)
        at = cut
    edges = [a, *cuts, b]
    parts = []
    for i in range(len(edges) - 1):
        lo = edges[i] - (overlap if i > 0 else 0)
        hi = edges[i + 1] + (overlap if i + 1 < len(edges) - 1 else 0)
        parts.append(
            (
                max(0, lo),
                min(total, hi),
                edges[i] if i > 0 else None,
                edges[i + 1] if i + 1 < len(edges) - 1 else None,
            )
        )
    return parts


def _quietest(mono: np.ndarray | None, lo: int, hi: int) -> int:
    """The start of the quietest 32 ms frame in ``[lo, hi)`` (``hi`` without audio)."""
    import numpy as np

    if mono is None or hi - lo < _FRAME:
        return hi
    frames = (hi - lo) // _FRAME
    block = np.asarray(mono[lo : lo + frames * _FRAME], np.float32).reshape(frames, _FRAME)
    energy = np.einsum("ij,ij->i", block, block)
    return lo + int(np.argmin(energy)) * _FRAME
