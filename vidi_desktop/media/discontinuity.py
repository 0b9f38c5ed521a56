"""Timestamps that go backwards: appended recordings, concatenated transport streams.

``cat a.ts b.ts > both.ts`` (or a camera that restarts its clock mid-file) gives a stream
whose timestamps jump back where the second part begins. A player plays such a file in
file order, each part after the one before; so does vidi-desktop. The frame-table scan
splits the stream into *segments* where the decode timestamp jumps back, and shifts each
later segment to start where the one before ended. Every frame then has an "unwrapped"
pts on one increasing timeline, which is what the frame table, the analysers, the
timeline and exports see.

Decoded frames carry the raw pts: :class:`PtsUnwrapper` turns them into unwrapped ones. In
presentation order, pts only grow within a segment, so a pts that does not grow means the
next segment has begun. Files without a backward jump have one segment and no offsets:
unwrapping is the identity and costs one comparison a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# A decode timestamp going back by more than this is a new segment; less is jitter in a
# badly muxed file, not a second recording.
BACKWARD_JUMP_S = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of packets whose timestamps belong together."""

    offset: int  # added to the raw pts of its frames (0 for the first segment)
    byte_pos: int  # file position of its first packet (-1 when unknown)
    start_pts: int  # its first frame's unwrapped pts


@dataclass
class _Packet:
    pts: int
    key: bool
    end: int
    pos: int


def jump_ticks(time_base: Fraction) -> int:
    """:data:`BACKWARD_JUMP_S` in ticks of ``time_base``."""
    return int(BACKWARD_JUMP_S / time_base) if time_base > 0 else 0


class SegmentSplitter:
    """Collects packets in demux order during the scan and splits them where dts jumps back."""

    def __init__(self, time_base: Fraction) -> None:
        self._threshold = jump_ticks(time_base)
        self._segments: list[list[_Packet]] = [[]]
        self._last_dts: int | None = None

    def add(self, pts: int, dts: int | None, key: bool, duration: int, pos: int | None) -> None:
        """One packet that shows a frame (raw pts and dts)."""
        # Without a dts (Matroska with B-frames) pts run out of order within a GOP: such a
        # packet says nothing about a jump.
        if dts is not None:
            if self._last_dts is not None and dts < self._last_dts - self._threshold:
                self._segments.append([])
                self._last_dts = dts
            else:
                self._last_dts = dts if self._last_dts is None else max(dts, self._last_dts)
        self._segments[-1].append(_Packet(pts, key, pts + duration, -1 if pos is None else pos))

    def unwrapped(self) -> tuple[list[int], list[int], int | None, tuple[Segment, ...]]:
        """``(pts, keyframe pts, end pts, segments)`` on the one increasing timeline.

        ``segments`` is empty when the stream never jumps back.
        """
        pts: list[int] = []
        keys: list[int] = []
        end: int | None = None
        segments: list[Segment] = []
        parts = [s for s in self._segments if s]
        for i, part in enumerate(parts):
            first = min(p.pts for p in part)
            offset = 0
            if i > 0 and end is not None:
                offset = max(0, end - first)
            segments.append(Segment(offset, part[0].pos, first + offset))
            for p in part:
                u = p.pts + offset
                pts.append(u)
                if p.key:
                    keys.append(u)
                e = max(p.end, p.pts) + offset
                end = e if end is None else max(end, e)
        if len(segments) <= 1:
            return pts, keys, end, ()
        return pts, keys, end, tuple(segments)


def segment_of(segments: tuple[Segment, ...], pts: int) -> int:
    """The segment holding the frame with unwrapped ``pts`` (0 without segments)."""
    k = 0
    for i, s in enumerate(segments):
        if s.start_pts <= pts:
            k = i
    return k


class PtsUnwrapper:
    """Raw pts of decoded frames, in presentation order, to unwrapped pts."""

    __slots__ = ("_count", "_last", "_offsets", "_threshold", "segment")

    def __init__(
        self, segments: tuple[Segment, ...], time_base: Fraction, segment: int = 0
    ) -> None:
        self._offsets = tuple(s.offset for s in segments) or (0,)
        self._threshold = jump_ticks(time_base)
        self.segment = segment
        self._last: int | None = None
        self._count: tuple[list[int], tuple[int, ...]] | None = None

    @classmethod
    def counting(cls, pts: tuple[int, ...]) -> PtsUnwrapper:
        """For a stream with no timestamps at all (raw H.264): each frame decoded from the
        start gets the next pts of the frame table."""
        unwrapper = cls((), Fraction(1))
        unwrapper._count = ([0], pts)
        return unwrapper

    def __call__(self, raw: int | None) -> int | None:
        if self._count is not None:
            done, table = self._count
            if done[0] >= len(table):
                return None
            done[0] += 1
            return table[done[0] - 1]
        if raw is None or len(self._offsets) == 1:
            return raw
        last = self._last
        if last is not None and raw < last - self._threshold and self.segment + 1 < len(
            self._offsets
        ):
            self.segment += 1  # pts jumped back: the next recording has begun
        self._last = raw
        return raw + self._offsets[self.segment]
