"""Build (and cache) the exact frame table of a video stream by demuxing, without decoding.

Every displayed frame's pts, sorted, is the truth frame-exact seeking and VFR timing rest on.
Demuxing reads packet headers and bytes but decodes nothing, so it costs a fraction of a
decode; the result is cached per file identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vidi_desktop.core.errors import CorruptMediaError
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.media.discontinuity import PtsUnwrapper, Segment, SegmentSplitter
from vidi_desktop.media.identity import FileIdentity, entry_dir, read_json, write_json

if TYPE_CHECKING:
    import av.container
    import av.stream

INDEX_FORMAT = 2  # 2: edit-list frames counted, Matroska's absolute duration, segments


@dataclass(frozen=True, slots=True)
class StreamIndex:
    """The frame table of one video stream and what the container claimed about it."""

    frames: FrameIndex
    end_pts: int  # exclusive end of the last frame (its pts + duration)
    declared_frames: int  # what the container header says (0 when it says nothing)
    declared_end_pts: int | None  # stream start + duration from the header, if any
    stopped_early: bool  # demuxing hit a read error before the end of the file
    hidden_frames: int = 0  # packets an edit list hides (a stream-copy trim): in the header
    segments: tuple[Segment, ...] = ()  # where timestamps jump back (see media.discontinuity)
    untimed: bool = False  # no timestamps at all: decoded frames are numbered in order

    @property
    def truncated(self) -> bool:
        """True when frames the header promises are missing (a cut-off recording)."""
        n = len(self.frames)
        if self.stopped_early:
            return True
        if self.declared_frames and n + self.hidden_frames < self.declared_frames:
            return True
        if self.declared_end_pts is not None and n:
            missing = self.declared_end_pts - self.end_pts
            # Half a second (or 2 %) of slack: headers round, last frames may lack a duration.
            slack = max(Fraction(1, 2) / self.frames.time_base, (self.declared_end_pts) * 0.02)
            return missing > slack
        return False

    def to_json(self) -> dict[str, object]:
        return {
            "format": INDEX_FORMAT,
            "pts": list(self.frames.pts),
            "keyframes": list(self.frames.keyframes),
            "time_base": f"{self.frames.time_base.numerator}/{self.frames.time_base.denominator}",
            "end_pts": self.end_pts,
            "declared_frames": self.declared_frames,
            "declared_end_pts": self.declared_end_pts,
            "stopped_early": self.stopped_early,
            "hidden_frames": self.hidden_frames,
            "segments": [[s.offset, s.byte_pos, s.start_pts] for s in self.segments],
            "untimed": self.untimed,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> StreamIndex:
        tb = Fraction(str(data["time_base"]))
        return cls(
            FrameIndex(tuple(data["pts"]), tb, tuple(data["keyframes"])),  # type: ignore[arg-type]
            int(data["end_pts"]),  # type: ignore[arg-type]
            int(data["declared_frames"]),  # type: ignore[arg-type]
            data["declared_end_pts"],  # type: ignore[arg-type]
            bool(data["stopped_early"]),
            int(data["hidden_frames"]),  # type: ignore[call-overload]
            tuple(Segment(int(o), int(b), int(p)) for o, b, p in data["segments"]),  # type: ignore[attr-defined]
            bool(data["untimed"]),
        )

    def unwrapper(self, segment: int = 0) -> PtsUnwrapper:
        """Raw decoded pts → frame-table pts, starting in ``segment``; for a stream without
        timestamps, the pts of the next frame decoded from the start (``raw`` None)."""
        if self.untimed:
            return PtsUnwrapper.counting(self.frames.pts)
        return PtsUnwrapper(self.segments, self.frames.time_base, segment)


def scan_stream(
    container: av.container.InputContainer, stream: av.stream.Stream, path: object
) -> StreamIndex:
    """Demux every packet of ``stream`` and collect the pts of the frames it displays.

    Packets the demuxer marks *discard* (frames an MP4 edit list hides) are left out, as the
    decoder drops their frames too.
    """
    import av

    tb = stream.time_base
    if tb is None:
        raise CorruptMediaError(f"{path}: video stream has no time base")
    splitter = SegmentSplitter(Fraction(tb))
    stopped_early = False
    prev_dts: int | None = None
    hidden = 0
    timed = True  # False: no packet has a pts or a dts (a raw elementary stream)
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.is_discard:
                hidden += 1
                continue
            pts = packet.pts
            if pts is None:
                # Some containers (old AVI) give only dts; in decode order without
                # reordering dts is the presentation time. Raw H.264/HEVC give neither:
                # the frames follow each other by their duration.
                timed = timed and packet.dts is not None
                pts = packet.dts if packet.dts is not None else (
                    (prev_dts + (packet.duration or 1)) if prev_dts is not None else 0
                )
            prev_dts = packet.dts if packet.dts is not None else pts
            splitter.add(pts, packet.dts, packet.is_keyframe, packet.duration or 0, packet.pos)
    except (av.error.FFmpegError, OSError):
        stopped_early = True
    pts_list, key_pts, end_pts, segments = splitter.unwrapped()
    frames = FrameIndex.from_pts(pts_list, Fraction(tb), key_pts)
    if len(frames) and end_pts is not None and end_pts <= frames.pts[-1]:
        # The last packet had no duration: assume the previous frame interval.
        step = frames.pts[-1] - frames.pts[-2] if len(frames) > 1 else 1
        end_pts = frames.pts[-1] + step
    declared_end = None
    if stream.duration:
        declared_end = (stream.start_time or 0) + stream.duration
    elif container.duration:
        # Matroska states only the segment duration (microseconds, all streams). FFmpeg
        # writes it as the last timestamp, so a file whose first timestamp is late (12 s)
        # would read as 12 s short if start + duration were taken: take the earlier end.
        start_us = container.start_time or 0
        end_us = min(start_us + container.duration, container.duration)
        declared_end = int(Fraction(end_us, 1_000_000) / Fraction(tb))
    return StreamIndex(
        frames=frames,
        end_pts=end_pts if end_pts is not None else 0,
        declared_frames=int(stream.frames or 0),
        declared_end_pts=declared_end,
        stopped_early=stopped_early,
        hidden_frames=hidden,
        segments=segments,
        untimed=not timed,
    )


def _scan_apart(
    container: av.container.InputContainer, stream: av.stream.Stream, identity: FileIdentity
) -> StreamIndex:
    """Scan in a second opening of the file, leaving ``container`` where it is: rewinding
    after a scan fails on streams that cannot seek (raw H.264/HEVC, some damaged files:
    FFmpeg's EPERM), and a caller that just opened the file needs it at its start."""
    import av

    from vidi_desktop.media.container import open_media, read_only

    try:
        with open_media(identity.path) as again:
            scanned = again.streams[stream.index]
            read_only(again, scanned)  # this opening is for the one stream's timestamps
            return scan_stream(again, scanned, identity.path)
    except (av.error.FFmpegError, IndexError):
        return scan_stream(container, stream, identity.path)


def load_or_scan(
    container: av.container.InputContainer,
    stream: av.stream.Stream,
    identity: FileIdentity,
    *,
    allow_truncated: bool = False,
) -> StreamIndex:
    """The cached index of this file's video stream, scanning it on the first request.

    A stream with no frames, or fewer than its header promises, raises CorruptMediaError
    unless ``allow_truncated`` (for salvaging what a cut-off recording holds).
    """
    cache_file = entry_dir(identity, "index") / f"stream{stream.index}.json"
    cached = read_json(cache_file)
    index: StreamIndex | None = None
    if isinstance(cached, dict) and cached.get("format") == INDEX_FORMAT:
        try:
            index = StreamIndex.from_json(cached)
        except (KeyError, TypeError, ValueError):
            index = None
    if index is None:
        index = _scan_apart(container, stream, identity)
        write_json(cache_file, index.to_json())
    if len(index.frames) == 0:
        raise CorruptMediaError(f"{identity.path}: video stream has no frames")
    if index.truncated and not allow_truncated:
        have = len(index.frames)
        promised = f" of {index.declared_frames}" if index.declared_frames > have else ""
        at = float(index.frames.time_of(have - 1).seconds)
        raise CorruptMediaError(
            f"{identity.path}: truncated or damaged file: video stops at {at:.2f} s "
            f"({have}{promised} frames present)"
        )
    return index
