"""Frame-exact random access to a video stream.

``VideoReader.frame(n)`` returns the n-th displayed frame (0-based, presentation order) for
any stream, constant or variable rate. It seeks to the keyframe at or before the target and
decodes forward to the target's exact pts, taken from the frame table (``media.index``);
frames are never located by ``n / fps``. Reading forward from the current position (playback,
scrubbing nearby) continues the decoder without seeking.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vidi_desktop.core.errors import CorruptMediaError, SeekError
from vidi_desktop.core.time import Time
from vidi_desktop.media.container import open_media, video_stream
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.index import StreamIndex, load_or_scan

if TYPE_CHECKING:
    from collections.abc import Iterator

    import av
    import numpy as np

# When the target lies at most this many frames ahead of the decoder and in the same GOP,
# decoding on is cheaper than a seek (which restarts at the keyframe).
_FORWARD_WINDOW = 600
# Extra packets tolerated past the target's GOP before we call the stream broken.
_DECODE_SLACK_PACKETS = 64

ThreadMode = Literal["AUTO", "FRAME", "SLICE", "NONE"]


class VideoReader:
    """Open a file's main video stream for exact seeking. Use as a context manager."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        threads: ThreadMode = "AUTO",
        skip_nonref_while_seeking: bool = True,
    ) -> None:
        self.path = Path(path).resolve()
        self._cm = open_media(self.path)
        self._container = self._cm.__enter__()
        try:
            self._stream = video_stream(self._container, self.path)
            self.identity = FileIdentity.of(self.path)
            self.index: StreamIndex = load_or_scan(self._container, self._stream, self.identity)
            cc = self._stream.codec_context
            cc.thread_type = threads
            self._skip_nonref = skip_nonref_while_seeking
            self._frames_iter: Iterator[av.VideoFrame] | None = None
            self._last_n = -1  # frame number last returned by the decoder
        except BaseException:
            self._cm.__exit__(None, None, None)
            raise

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        self._frames_iter = None
        self._cm.__exit__(None, None, None)

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- facts ------------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return len(self.index.frames)

    @property
    def time_base(self) -> Fraction:
        return self.index.frames.time_base

    @property
    def sar(self) -> Fraction:
        """Sample (pixel) aspect ratio, 1 for square pixels."""
        sar = self._stream.codec_context.sample_aspect_ratio
        return Fraction(sar) if sar else Fraction(1)

    def time_of(self, n: int) -> Time:
        """Presentation time of frame ``n``."""
        return self.index.frames.time_of(n)

    def frame_at_time(self, t: Time) -> int:
        """Number of the frame on screen at ``t`` (VFR-safe)."""
        return self.index.frames.frame_at(t)

    # -- access -----------------------------------------------------------------------------
    def frame(self, n: int) -> av.VideoFrame:
        """The n-th displayed frame, exactly. Raises SeekError outside the clip."""
        if not 0 <= n < self.frame_count:
            raise SeekError(f"{self.path}: frame {n} is outside 0..{self.frame_count - 1}")
        if self.index.segments:
            return self._frame_in_segments(n)
        frames = self.index.frames
        key = frames.keyframe_at_or_before(n)
        near = self._frames_iter is not None and self._last_n < n <= self._last_n + _FORWARD_WINDOW
        if near and frames.keyframe_at_or_before(self._last_n + 1) >= key:
            found = self._decode_until(n)
            if found is not None:
                return found
        # Seek to the keyframe; if the decoder comes out after the target (a keyframe whose
        # dts is early, an open GOP), step back one keyframe and retry.
        tried: set[int] = set()
        while key not in tried:
            tried.add(key)
            if not self._seek(frames.pts[key]):
                break  # the stream cannot seek: decode from its start, below
            found = self._decode_until(n, from_key=key)
            if found is not None:
                return found
            key = frames.keyframe_at_or_before(key - 1) if key > 0 else 0
        # MPEG-TS/PS seek by dts through a bisection that can land past the first keyframe
        # (its dts is earlier than its pts): decode from the very start, as a player does.
        self._seek_to_start()
        found = self._decode_until(n, from_key=0)
        if found is not None:
            return found
        raise CorruptMediaError(f"{self.path}: frame {n} cannot be decoded (damaged stream?)")

    def frame_at(self, t: Time) -> av.VideoFrame:
        """The frame on screen at time ``t``."""
        return self.frame(self.frame_at_time(t))

    def array(
        self, n: int, *, width: int | None = None, height: int | None = None, fmt: str = "rgb24"
    ) -> np.ndarray:
        """Frame ``n`` as a numpy array (``height × width × 3`` for rgb24), scaled if asked."""
        frame = self.frame(n)
        if width or height:
            w, h = _fit(frame.width, frame.height, width, height)
            return frame.to_ndarray(width=w, height=h, format=fmt)
        return frame.to_ndarray(format=fmt)

    # -- internals --------------------------------------------------------------------------
    def _seek(self, pts: int) -> bool:
        """Seek to the keyframe at ``pts``; False when the stream cannot seek (then the
        reader is back at the file's start)."""
        import av

        try:
            self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            self._reopen()
            self._frames_iter = self._decode_packets()
            self._last_n = -1
            return False
        self._frames_iter = self._decode_packets()
        self._last_n = -1
        return True

    def _seek_to_start(self, segment: int = 0) -> None:
        """Back to the first packet of the file, or of a ``segment`` of a file whose
        timestamps jump back (by byte position: its timestamps are not unique)."""
        import av

        pos = self.index.segments[segment].byte_pos if segment else 0
        try:
            if segment and pos >= 0:
                self._container.seek(pos, unsupported_byte_offset=True)
            else:
                segment = 0
                self._container.seek(0)
        except av.error.FFmpegError:
            # A stream that cannot seek at all (raw H.264, some damaged files): open it again.
            segment = 0
            self._reopen()
        self._frames_iter = self._decode_packets(segment)
        self._last_n = -1

    def _reopen(self) -> None:
        """A fresh opening of the file: the one way back to its start when seeks fail."""
        self._frames_iter = None
        index, threads = self._stream.index, self._stream.codec_context.thread_type
        self._cm.__exit__(None, None, None)
        self._cm = open_media(self.path)
        self._container = self._cm.__enter__()
        try:
            self._stream = self._container.streams[index]
            self._stream.codec_context.thread_type = threads
        except BaseException:
            self._cm.__exit__(None, None, None)
            raise

    def _frame_in_segments(self, n: int) -> av.VideoFrame:
        """Frame ``n`` of a stream whose timestamps jump back (see media.discontinuity):
        timestamps are ambiguous there, so decode on from its segment's first packet."""
        from vidi_desktop.media.discontinuity import segment_of

        if self._frames_iter is not None and self._last_n < n <= self._last_n + _FORWARD_WINDOW:
            found = self._decode_until(n)
            if found is not None:
                return found
        frames = self.index.frames
        segment = segment_of(self.index.segments, frames.pts[n])
        for k in dict.fromkeys((segment, 0)):
            self._seek_to_start(k)
            first = frames.frame_at(Time(self.index.segments[k].start_pts, frames.time_base))
            found = self._decode_until(n, from_key=first if k else 0)
            if found is not None:
                return found
        raise CorruptMediaError(f"{self.path}: frame {n} cannot be decoded (damaged stream?)")

    def _decode_packets(self, segment: int = 0) -> Iterator[av.VideoFrame]:
        """Frames in presentation order from the current container position (in
        ``segment`` of a file whose timestamps jump back), pts on the frame table's clock."""
        import av

        cc = self._stream.codec_context
        unwrap = self.index.unwrapper(segment)
        # Skipping by pts compares raw timestamps: only sound when they never jump back.
        skip = self._skip_nonref and not self.index.segments
        try:
            for packet in self._container.demux(self._stream):
                if skip and packet.pts is not None:
                    # Frames before the target that nothing references need not be decoded:
                    # skipping them is exact (the target's picture is unchanged) and faster.
                    cc.skip_frame = "NONREF" if packet.pts < self._target_pts else "DEFAULT"
                for frame in packet.decode():
                    if self.index.segments or self.index.untimed:
                        frame.pts = unwrap(frame.pts)
                    yield frame
        except av.error.FFmpegError as exc:
            raise CorruptMediaError(
                f"{self.path}: video cannot be decoded here ({exc.strerror})"
            ) from None
        finally:
            cc.skip_frame = "DEFAULT"

    _target_pts = -(2**62)

    def _decode_until(self, n: int, from_key: int | None = None) -> av.VideoFrame | None:
        """Decode forward until frame ``n``; None when the decoder has passed it already."""
        frames = self.index.frames
        target = frames.pts[n]
        self._target_pts = target
        start = from_key if from_key is not None else self._last_n + 1
        budget = (n - start) + _DECODE_SLACK_PACKETS + 8
        assert self._frames_iter is not None
        try:
            for _ in range(budget * 4):
                frame = next(self._frames_iter)
                pts = frame.pts
                if pts is None:
                    continue
                if pts == target:
                    self._last_n = n
                    return frame
                if pts > target:
                    # Overshot: a frame we expected never came out (hidden by the seek).
                    self._frames_iter = None
                    return None
                got = frames.frame_of_pts(pts)
                if got is not None:
                    self._last_n = got
        except StopIteration:
            self._frames_iter = None
            return None
        finally:
            self._target_pts = -(2**62)
        self._frames_iter = None
        return None


def _fit(w: int, h: int, width: int | None, height: int | None) -> tuple[int, int]:
    """Size that fits ``width``/``height`` keeping aspect, rounded to even numbers."""
    if width and height:
        return width, height
    if width:
        return width, max(2, round(h * width / w / 2) * 2)
    assert height
    return max(2, round(w * height / h / 2) * 2), height
