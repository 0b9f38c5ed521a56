"""Facts about a media file that an editor and an exporter need, exact where it matters.

``probe()`` opens the file, builds (or loads from cache) its frame table, decodes the first
video frame (which proves the stream decodes and reveals the display rotation) and reads the
embedded start timecode the way NLEs do (``tmcd`` track / ``timecode`` tag).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import CorruptMediaError, MissingStreamError
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.rate import FrameRate, snap_rate
from vidi_desktop.core.time import Time
from vidi_desktop.core.timecode import frames_to_timecode, is_drop_frame_label, timecode_to_frames
from vidi_desktop.media.container import decodable_audio, open_media, video_stream
from vidi_desktop.media.identity import FileIdentity
from vidi_desktop.media.index import StreamIndex, load_or_scan

if TYPE_CHECKING:
    import av.container
    import av.stream

# At most this many packets are fed to the decoder looking for a first picture; a healthy
# stream yields one within its decoder delay, a broken one must not make us read forever.
_FIRST_FRAME_PACKET_LIMIT = 600


@dataclass(frozen=True, slots=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    rate: FrameRate | None  # None when the frame rate is variable
    average_rate: Fraction | None
    frames: int
    sar: Fraction
    rotation: int  # degrees clockwise to turn the decoded picture for display: 0/90/180/270
    time_base: Fraction
    start_pts: int
    pix_fmt: str | None
    index: StreamIndex = field(repr=False)
    # The rate the container/codec declares (r_frame_rate / codec time base): what an NLE
    # conforms a variable-rate file to. None when the file declares none.
    declared_rate: Fraction | None = None

    @property
    def is_vfr(self) -> bool:
        return self.rate is None

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: SAR applied to the width, then rotation."""
        w = round(self.width * self.sar) if self.sar > 0 else self.width
        h = self.height
        return (h, w) if self.rotation in (90, 270) else (w, h)

    @property
    def dar(self) -> Fraction:
        w, h = self.display_size
        return Fraction(w, h) if h else Fraction(0)

    @property
    def frame_index(self) -> FrameIndex:
        return self.index.frames

    @property
    def timecode_rate(self) -> FrameRate:
        """The rate timecode counts in (the average rate for VFR footage)."""
        if self.rate is not None:
            return self.rate
        return FrameRate(snap_rate(self.average_rate or Fraction(25)))


@dataclass(frozen=True, slots=True)
class AudioInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str
    sample_format: str | None
    start_time: Fraction
    duration: Fraction | None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What ``probe()`` found. Times are exact seconds (``Fraction``)."""

    path: Path
    identity: FileIdentity
    container: str
    container_long: str
    duration: Fraction
    start_time: Fraction
    start_timecode: str
    start_timecode_source: str  # "tmcd" (embedded) or "default" (none in the file)
    video: VideoInfo | None
    audio: tuple[AudioInfo, ...]
    bit_rate: int | None
    metadata: dict[str, str] = field(default_factory=dict)
    truncated: bool = False  # only with probe(allow_truncated=True): frames are missing

    @property
    def start_frame_timecode(self) -> int:
        """Frame number of the embedded start timecode (0 without one)."""
        if self.video is None:
            return 0
        return timecode_to_frames(self.start_timecode, self.video.timecode_rate)

    def to_json(self) -> dict[str, Any]:
        """The ``probe --json`` document (its documented keys are a contract)."""
        v = self.video
        video: dict[str, Any] | None = None
        if v is not None:
            w, h = v.display_size
            video = {
                "codec": v.codec,
                "width": v.width,
                "height": v.height,
                "rate": str(v.rate) if v.rate else None,
                "frames": v.frames,
                "sar": f"{v.sar.numerator}:{v.sar.denominator}",
                "rotation": v.rotation,
                "vfr": v.is_vfr,
                "average_rate": _frac(v.average_rate) if v.average_rate else None,
                "declared_rate": _frac(v.declared_rate) if v.declared_rate else None,
                "dar": f"{v.dar.numerator}:{v.dar.denominator}",
                "display_width": w,
                "display_height": h,
                "time_base": _frac(v.time_base),
                "start_pts": v.start_pts,
                "keyframes": len(v.frame_index.keyframes),
                "pix_fmt": v.pix_fmt,
            }
        return {
            "file": str(self.path),
            "container": self.container,
            "duration": _seconds(self.duration),
            "start_time": _seconds(self.start_time),
            "start_timecode": self.start_timecode,
            "video": video,
            "audio": [
                {
                    "codec": a.codec,
                    "sample_rate": a.sample_rate,
                    "channels": a.channels,
                    "layout": a.layout,
                    "stream_index": a.index,
                }
                for a in self.audio
            ],
            "duration_exact": _frac(self.duration),
            "start_time_exact": _frac(self.start_time),
            "start_timecode_source": self.start_timecode_source,
            "container_long": self.container_long,
            "bit_rate": self.bit_rate,
            "size": self.identity.size,
            "truncated": self.truncated,
        }


def probe(path: str | os.PathLike[str], *, allow_truncated: bool = False) -> MediaInfo:
    """Probe ``path``. Raises a :class:`~vidi_desktop.core.errors.MediaError` on bad input.

    A cut-off recording (fewer frames than its header promises) is refused unless
    ``allow_truncated``; then the facts describe the part that is there and
    ``MediaInfo.truncated`` is set, so analysis can salvage it and say where it stops.
    """
    with open_media(path) as container:
        p = Path(path).resolve()
        identity = FileIdentity.of(p)
        video = (
            _probe_video(container, identity, allow_truncated)
            if _has_video(container)
            else None
        )
        audio = tuple(_probe_audio(s) for s in decodable_audio(container))
        if video is None and not audio:
            raise MissingStreamError(f"{p}: has no video or audio stream")
        start, duration = _extent(container, video, audio)
        tc, tc_source = _start_timecode(container, video)
        return MediaInfo(
            path=p,
            identity=identity,
            container=container.format.name,
            container_long=container.format.long_name,
            duration=duration,
            start_time=start,
            start_timecode=tc,
            start_timecode_source=tc_source,
            video=video,
            audio=audio,
            bit_rate=container.bit_rate or None,
            metadata={str(k): str(v) for k, v in container.metadata.items()},
            truncated=bool(video is not None and video.index.truncated),
        )


def _has_video(container: av.container.InputContainer) -> bool:
    try:
        video_stream(container, "")
    except MissingStreamError:
        return False
    return True


def _probe_video(
    container: av.container.InputContainer, identity: FileIdentity, allow_truncated: bool
) -> VideoInfo:
    stream = video_stream(container, identity.path)
    index = load_or_scan(container, stream, identity, allow_truncated=allow_truncated)
    first = _first_frame(container, stream, identity.path)
    cc = stream.codec_context
    avg = stream.average_rate or stream.guessed_rate
    declared = Fraction(stream.guessed_rate) if stream.guessed_rate else None
    rate = index.frames.constant_rate(declared)
    n = len(index.frames)
    if n > 1:
        span = (index.end_pts - index.frames.pts[0]) * Fraction(stream.time_base)
        avg = Fraction(n, 1) / span if span > 0 else avg
    sar = cc.sample_aspect_ratio or stream.sample_aspect_ratio
    return VideoInfo(
        codec=cc.name,
        width=first.width or cc.width,
        height=first.height or cc.height,
        rate=rate,
        average_rate=snap_rate(Fraction(avg)) if avg else None,
        frames=n,
        sar=Fraction(sar) if sar else Fraction(1),
        rotation=(-round(first.rotation or 0)) % 360,
        time_base=Fraction(stream.time_base),
        start_pts=index.frames.pts[0],
        pix_fmt=cc.format.name if cc.format else None,
        index=index,
        declared_rate=declared,
    )


def _first_frame(
    container: av.container.InputContainer, stream: av.stream.Stream, path: object
) -> Any:
    """Decode the first picture (bounded), proving the stream is decodable."""
    import av

    # The container is fresh (the frame table is scanned in a second opening): no rewind,
    # which streams that cannot seek would refuse.
    try:
        for i, packet in enumerate(container.demux(stream)):
            if i > _FIRST_FRAME_PACKET_LIMIT:
                break
            for frame in packet.decode():
                return frame
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"{path}: video cannot be decoded ({exc.strerror})") from None
    raise CorruptMediaError(f"{path}: video stream has no decodable picture")


def _probe_audio(stream: av.stream.Stream) -> AudioInfo:
    cc = stream.codec_context
    tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, cc.sample_rate or 1)
    return AudioInfo(
        index=stream.index,
        codec=cc.name,
        sample_rate=int(cc.sample_rate or 0),
        channels=int(cc.layout.nb_channels if cc.layout else 0),
        layout=cc.layout.name if cc.layout else "",
        sample_format=cc.format.name if cc.format else None,
        start_time=(stream.start_time or 0) * tb,
        duration=stream.duration * tb if stream.duration else None,
    )


def _extent(
    container: av.container.InputContainer,
    video: VideoInfo | None,
    audio: tuple[AudioInfo, ...],
) -> tuple[Fraction, Fraction]:
    """Start and duration: the video's exact extent when there is video, else the audio's."""
    if video is not None:
        idx = video.index
        start = idx.frames.pts[0] * video.time_base
        return start, (idx.end_pts - idx.frames.pts[0]) * video.time_base
    if audio and audio[0].duration is not None:
        return audio[0].start_time, audio[0].duration
    start = Fraction(container.start_time or 0, 1_000_000)
    return start, Fraction(container.duration or 0, 1_000_000)


def _start_timecode(
    container: av.container.InputContainer, video: VideoInfo | None
) -> tuple[str, str]:
    """The embedded start timecode, as the NLEs read it, or 00:00:00:00 when there is none."""
    candidates: list[str] = []
    for s in container.streams:
        for key, value in s.metadata.items():
            if key.lower() == "timecode":
                candidates.append(str(value))
    for key, value in container.metadata.items():
        if key.lower() == "timecode":
            candidates.append(str(value))
    rate = video.timecode_rate if video is not None else FrameRate(Fraction(25))
    for text in candidates:
        try:
            drop = is_drop_frame_label(text) and rate.supports_drop_frame
            frames = timecode_to_frames(text, rate, drop_frame=drop)
        except ValueError:
            continue
        return frames_to_timecode(frames, rate, drop_frame=drop), "tmcd"
    return frames_to_timecode(0, rate), "default"


def _frac(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _seconds(value: Fraction) -> float:
    return round(float(value), 6)


def frame_time(info: VideoInfo, frame: int) -> Time:
    """Presentation time of ``frame`` (exact, VFR-safe)."""
    return info.frame_index.time_of(frame)
