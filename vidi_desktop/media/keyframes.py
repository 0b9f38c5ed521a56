"""One keyframe at a time, decoded on its own: the quick stand-in picture for a seek.

An exact seek deep into a long GOP decodes from the keyframe before it, which may take a
second or two; the player shows that keyframe first. Asking the seeking reader for it is
slow in a second way: a frame-threaded decoder holds each picture back until several more
packets have gone in (one per thread), so the keyframe comes out only after its successors
are decoded too. :class:`KeyframeDecoder` has a container and a decoder of its own, without
frame threads (slice threads only, which add no delay): it seeks to the keyframe, decodes
its one packet, drains the decoder and resets it for the next request — one picture's worth
of work, whatever the GOP.

Only streams whose keyframes are found by their timestamps are served: files whose
timestamps jump back, or have none, raise :class:`KeyframeUnavailable` (the player then
falls back to its reader), as does a seek that lands on another picture.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.core.errors import VidiError
from vidi_desktop.media.container import open_media, video_stream
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.index import StreamIndex, load_or_scan

if TYPE_CHECKING:
    import av

# Packets read after a seek before giving up on finding the keyframe's own (a demuxer may
# land a few packets early, on another stream's interleaving or a leading non-key packet).
_MAX_PACKETS = 16


class KeyframeUnavailable(VidiError):
    """This keyframe cannot be decoded on its own here (use the exact reader)."""


class KeyframeDecoder:
    """Decodes single keyframes of one file's main video stream. Not thread-safe: one
    owner thread. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str], index: StreamIndex | None = None) -> None:
        self.path = Path(path).resolve()
        self._cm = open_media(self.path)
        self._container = self._cm.__enter__()
        try:
            self._stream = video_stream(self._container, self.path)
            self.index = index if index is not None else load_or_scan(
                self._container, self._stream, FileIdentity.of(self.path)
            )
            # Slice threads share the work of one picture; frame threads would delay it.
            self._stream.codec_context.thread_type = "SLICE"
        except BaseException:
            self._cm.__exit__(None, None, None)
            raise

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def __enter__(self) -> KeyframeDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def frame(self, key: int) -> av.VideoFrame:
        """The picture of keyframe ``key`` (a frame number that the frame table marks as a
        keyframe). Raises :class:`KeyframeUnavailable` when it cannot be had on its own."""
        import av

        frames = self.index.frames
        if self.index.segments or self.index.untimed:
            raise KeyframeUnavailable(f"{self.path}: timestamps are not unique here")
        if key not in frames.keyframes and key != 0:
            raise KeyframeUnavailable(f"{self.path}: frame {key} is not a keyframe")
        target = frames.pts[key]
        cc = self._stream.codec_context
        try:
            self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
            for count, packet in enumerate(self._container.demux(self._stream)):
                if count >= _MAX_PACKETS or (packet.pts is not None and packet.pts > target):
                    break
                if packet.pts != target:
                    continue
                pictures = [*cc.decode(packet), *cc.decode(None)]  # decode, then drain
                cc.flush_buffers()  # ready for the next keyframe
                for picture in pictures:
                    if picture.pts == target:
                        return picture
                break
        except av.error.FFmpegError as exc:
            cc.flush_buffers()
            raise KeyframeUnavailable(f"{self.path}: keyframe {key} ({exc.strerror})") from None
        raise KeyframeUnavailable(f"{self.path}: keyframe {key} not found where its "
                                  "timestamp says")
